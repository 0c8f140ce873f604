import type { FastifyInstance } from 'fastify';
import type { SiteConfig } from '../config/site-schema.js';
import type { AttachmentStore } from '../tickets/attachment-store.js';
import { PATROL_FAULTS, PATROL_FAULT_IDS } from '../tickets/patrol-faults.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { actingUser, type Authenticator } from './auth.js';
import { sendError } from './reply-error.js';
import { STAFF, type Role } from './users-schema.js';
import { ticketView } from './ticket-view.js';

const words = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' } as const;

/** How a found fault is titled by who found it: a patrol's round (巡检发现), or any other member of staff (员工上报). */
const FOUND_BY: Readonly<Record<Role, { zh: string; en: string; when: string }>> = {
  patrol: { zh: '巡检发现', en: 'Found on patrol', when: '巡检时' },
  engineer: { zh: '员工上报（工程）', en: 'Reported by an engineer', when: '' },
  supervisor: { zh: '员工上报（工程主管）', en: 'Reported by the supervisor', when: '' },
  desk: { zh: '员工上报（客服）', en: 'Reported by the desk', when: '' },
  operator: { zh: '员工上报（运维）', en: 'Reported by an operator', when: '' },
  admin: { zh: '员工上报', en: 'Reported by staff', when: '' },
};

const reportBody = {
  type: 'object',
  additionalProperties: false,
  required: ['fault', 'publicArea', 'photos'],
  properties: {
    /** A device of the site, or a place in words. */
    deviceId: { type: 'string', minLength: 1, maxLength: 100 },
    place: { type: 'object', additionalProperties: false, required: ['building', 'floor', 'description'], properties: { building: words, floor: words, description: words } },
    fault: { type: 'string', enum: PATROL_FAULT_IDS },
    /** Words beside the fault picked (required for "other"). */
    faultText: words,
    publicArea: { type: 'boolean' },
    tier: { type: 'string', enum: ['emergency', 'general', 'low'], default: 'general' },
    note: { type: 'string', minLength: 1, maxLength: 1000, pattern: '\\S' },
    /** The phone's own id for this report: sent again (a reply lost to a restart), it answers the ticket already raised. */
    clientRef: { type: 'string', minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
    /** One to six photos, uploaded first (POST /api/attachments). */
    photos: { type: 'array', minItems: 1, maxItems: 6, items: { type: 'string', minLength: 1, maxLength: 64 } },
  },
} as const;

interface ReportBody {
  deviceId?: string;
  place?: { building: string; floor: string; description: string };
  fault: string;
  faultText?: string;
  publicArea: boolean;
  tier: 'emergency' | 'general' | 'low';
  note?: string;
  photos: string[];
  clientRef?: string;
}

/**
 * A patrol reports a fault found on the round (巡检发现): a device or a place in words, the fault
 * from a list (and words), public area or inside a unit, the tier (general unless said), and one to
 * six photos. The ticket says `source: patrol` and its reporter, and alerts and escalates like any.
 */
export function patrolRoutes(app: FastifyInstance, deps: { site: SiteConfig; tickets: TicketService; auth: Authenticator; attachments: AttachmentStore }): void {
  const devices = new Map(deps.site.devices.map((d) => [d.id, d]));

  app.get('/api/patrol/faults', async () => ({ faults: PATROL_FAULT_IDS.map((id) => ({ id, name: PATROL_FAULTS[id]?.name, skill: PATROL_FAULTS[id]?.skill })) }));

  // Any member of staff who finds a fault reports it (the grab-order flow: 物业全体员工), flagged by role.
  app.post<{ Body: ReportBody }>('/api/tickets', { schema: { body: reportBody }, onRequest: deps.auth.require(...STAFF) }, async (req, reply) => {
    const user = actingUser(req);
    const b = req.body;
    if (b.clientRef !== undefined) {
      const already = deps.tickets.all().find((t) => t.reporter?.id === user.id && t.reporter.ref === b.clientRef);
      if (already !== undefined) return reply.code(200).send({ ticket: ticketView(already), changed: false });
    }
    const device = b.deviceId === undefined ? undefined : devices.get(b.deviceId);
    if (b.deviceId !== undefined && device === undefined) return sendError(reply, 400, 'GW_API_BAD_REQUEST', `body.deviceId: no device ${b.deviceId} on this site`);
    if (device === undefined && b.place === undefined) return sendError(reply, 400, 'GW_API_BAD_REQUEST', 'body: name a device (deviceId) or a place (place.building, place.floor, place.description)');
    if (b.fault === 'other' && b.faultText === undefined) return sendError(reply, 400, 'GW_API_BAD_REQUEST', 'body.faultText: say what is wrong when the fault is "other"');
    const location = device?.location ?? { building: b.place?.building ?? '', floor: b.place?.floor ?? '', description: b.place?.description ?? '', publicArea: b.publicArea };
    if (user.buildings.length > 0 && !user.buildings.includes(location.building)) {
      return sendError(reply, 403, 'GW_API_FORBIDDEN', `building ${location.building} is outside your patrol (${user.buildings.join(', ')})`);
    }
    const taken = await deps.attachments.take(b.photos, 'report', user.id);
    if (!taken.ok) return sendError(reply, 400, 'GW_API_BAD_REQUEST', `body.photos: ${taken.problem}`);
    const kind = PATROL_FAULTS[b.fault] ?? { name: { zh: b.fault, en: b.fault }, skill: 'general' as const };
    const what = b.fault === 'other' ? { zh: b.faultText ?? '', en: b.faultText ?? '' } : kind.name;
    const where = device === undefined ? { zh: `${location.building} ${location.floor} ${location.description}`, en: `${location.building} ${location.floor} ${location.description}` } : { zh: device.name, en: device.nameEn ?? device.name };
    const said = [b.fault === 'other' ? undefined : b.faultText, b.note].filter((x): x is string => x !== undefined).join('；');
    const found = FOUND_BY[user.role];
    const ticket = await deps.tickets.raise({
      fault: b.fault,
      device: { id: device?.id ?? `place:${location.building}/${location.floor}/${location.description}`, name: device?.name ?? location.description, location: { ...location, publicArea: b.publicArea } },
      tier: b.tier,
      skill: device?.skill ?? kind.skill,
      title: { zh: `${found.zh} ${what.zh}：${where.zh}`, en: `${found.en}, ${what.en.toLowerCase()}: ${where.en}` },
      description: { zh: said === '' ? `${user.name} ${found.when}发现` : `${user.name} ${found.when}发现：${said}`, en: said === '' ? `Found by ${user.name} (${user.role})` : `Found by ${user.name} (${user.role}): ${said}` },
      publicArea: b.publicArea,
      reporter: { id: user.id, name: user.name, role: user.role, ...(b.clientRef === undefined ? {} : { ref: b.clientRef }) },
      attachments: taken.attachments,
    });
    deps.attachments.used(b.photos);
    return reply.code(201).send({ ticket: ticketView(ticket) });
  });
}
