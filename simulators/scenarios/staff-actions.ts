import { createHash, randomBytes } from 'node:crypto';
import type { Gateway } from '../../gateway/app.js';
import type { SiteConfig } from '../../gateway/config/site-schema.js';
import type { Ticket } from '../../gateway/tickets/ticket.js';
import { pngPhoto } from '../photos/png-photo.js';
import { STAFF_ROLES, type StaffRole, type StaffStep } from './staff-step-schema.js';

/** The staff a run signs in, one for each role: `scenario-engineer` and so on, the user id an `assign` step names. */
export interface ScenarioStaff {
  readonly users: SiteConfig['users'];
  readonly tokens: Readonly<Record<StaffRole, string>>;
}

const NAMES: Readonly<Record<StaffRole, string>> = { patrol: '场景巡检员', engineer: '场景工程师', supervisor: '场景主管', desk: '场景客服', operator: '场景运维' };

/**
 * One user a role with a fresh token, added to the site for this run only. The site's own users
 * keep their tokens (the demo prints the pages to open with them while a scenario plays).
 */
export function scenarioStaff(): ScenarioStaff {
  const tokens = Object.fromEntries(STAFF_ROLES.map((r) => [r, randomBytes(16).toString('hex')])) as Record<StaffRole, string>;
  const users = STAFF_ROLES.map((role) => ({ id: `scenario-${role}`, name: NAMES[role], role, tokenSha256: createHash('sha256').update(tokens[role]).digest('hex'), buildings: [] }));
  return { users, tokens };
}

type Call = (method: 'POST' | 'DELETE', path: string, body?: unknown, type?: string) => Promise<Record<string, unknown>>;

/** One staff step through the gateway's HTTP API, as the pages send it; a refusal fails the run. */
export async function staffStep(gateway: Gateway, token: string, step: StaffStep, say: (text: string) => void): Promise<void> {
  const url = gateway.httpUrl();
  if (url === null) throw new Error('the gateway has no HTTP address');
  const call: Call = async (method, p, body, type = 'application/json') => {
    const authorization = `Bearer ${token}`;
    // A DELETE carries no body, and so no content type (an empty JSON body is a 400).
    const res =
      body === undefined
        ? await fetch(`${url}${p}`, { method, headers: { authorization } })
        : await fetch(`${url}${p}`, { method, headers: { authorization, 'content-type': type }, body: Buffer.isBuffer(body) ? body : JSON.stringify(body) });
    const answer = (await res.json()) as Record<string, unknown> & { error?: { message?: string } };
    if (!res.ok) throw new Error(`staff step ${step.do}${step.device === undefined ? '' : ` on ${step.device}`} refused (${res.status}): ${answer.error?.message ?? JSON.stringify(answer)}`);
    return answer;
  };
  const photos: string[] = [];
  for (let i = 0; i < step.photos; i++) photos.push(((await call('POST', '/api/attachments', pngPhoto(320, 240, [40 + i * 30, 120, 200]), 'image/png'))['attachment'] as { id: string }).id);
  const withPhotos = photos.length === 0 ? {} : { photos };

  if (step.do === 'storm-on') {
    await call('POST', '/api/storm', { hours: step.hours, reason: step.note, ...(step.building === undefined ? {} : { building: step.building }) });
    say(`${step.as} switched storm mode on${step.building === undefined ? '' : ` in ${step.building}`} for ${step.hours ?? '?'} h: ${step.note ?? ''}`);
    return;
  }
  if (step.do === 'storm-off') {
    await call('DELETE', '/api/storm');
    say(`${step.as} switched storm mode off`);
    return;
  }
  if (step.do === 'report') {
    const made = await call('POST', '/api/tickets', { deviceId: step.device, fault: step.fault ?? 'other', ...(step.fault === undefined ? { faultText: step.note ?? '巡检发现异常' } : {}), publicArea: step.publicArea ?? true, tier: step.tier ?? 'general', ...(step.note === undefined ? {} : { note: step.note }), ...withPhotos });
    say(`${step.as} reported ${(made['ticket'] as Ticket).number} with ${photos.length} photo(s)`);
    return;
  }
  const t = gateway.tickets
    .all()
    .filter((x) => x.deviceId === step.device)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .at(-1);
  if (t === undefined) throw new Error(`staff step ${step.do}: no ticket of ${step.device ?? '(no device)'}`);
  const [p, body] = onTicket(step, withPhotos);
  await call('POST', `/api/tickets/${t.id}/${p}`, body);
  say(`${step.as} ${step.do}${step.engineer === undefined ? '' : ` to ${step.engineer}`} on ${t.number}`);
}

/** The route under /api/tickets/:id/ and the body of a step on a ticket. */
function onTicket(step: StaffStep, withPhotos: { photos?: string[] }): [string, unknown] {
  const note = step.note === undefined ? {} : { note: step.note };
  const given = <K extends keyof StaffStep>(...keys: K[]): Partial<Pick<StaffStep, K>> => Object.fromEntries(keys.filter((k) => step[k] !== undefined).map((k) => [k, step[k]])) as Partial<Pick<StaffStep, K>>;
  switch (step.do) {
    case 'resolve':
      return ['resolve', { note: step.note ?? '已处理', ...given('cause', 'action', 'materials', 'workers', 'offSiteReason'), ...withPhotos }];
    case 'reject':
      return ['reject', { reason: step.note ?? '现场未见异常', ...withPhotos }];
    case 'recheck-pass':
      return ['recheck', { result: 'pass', ...withPhotos }];
    case 'recheck-fail':
      return ['recheck', { result: 'fail', reason: step.note ?? '复查不合格', ...withPhotos }];
    case 'confirm':
      return ['confirm', { ...note, ...withPhotos }];
    case 'assign':
      return ['assign', { engineerId: step.engineer, ...(step.note === undefined ? {} : { reason: step.note }) }];
    case 'retier':
      return ['retier', { ...given('tier', 'complexity'), reason: step.note }];
    case 'callback':
      return ['callback', { ...given('reached', 'satisfaction', 'fixed'), ...(step.note === undefined ? {} : { words: step.note }) }];
    case 'take':
    case 'arrive':
      return [step.do, note];
    case 'report':
    case 'storm-on':
    case 'storm-off':
      throw new Error(`${step.do} is not a step on a ticket`);
    default: {
      const never: never = step.do;
      throw new Error(`unknown staff step ${String(never)}`);
    }
  }
}

/** A staff step as the progress lines show it: `supervisor assign leak-b1-pump-room to scenario-engineer`. */
export function describeStaff(s: StaffStep): string {
  const what = [
    s.device ?? (s.building === undefined ? '' : `in ${s.building}`),
    s.engineer === undefined ? '' : `to ${s.engineer}`,
    s.hours === undefined ? '' : `for ${s.hours} h`,
    s.tier === undefined || s.do !== 'retier' ? '' : `tier ${s.tier}`,
    s.complexity === undefined ? '' : `complexity ${s.complexity}`,
    s.reached === undefined ? '' : s.reached ? `reached${s.satisfaction === undefined ? '' : `, satisfaction ${s.satisfaction}/5`}` : 'not reached',
    s.materials === undefined ? '' : `${s.materials.length} material(s)`,
    s.photos > 0 ? `with ${s.photos} photo(s)` : '',
  ];
  return [s.as, s.do, ...what].filter((x) => x !== '').join(' ');
}
