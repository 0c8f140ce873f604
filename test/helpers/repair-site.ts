import { onTestFinished } from 'vitest';
import { buildGateway, type Gateway } from '../../gateway/app.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import type { AlertFacts } from '../../gateway/notify/alert-facts.js';
import type { Ticket } from '../../gateway/tickets/ticket.js';
import { createCentralService } from '../../simulators/central/index.js';
import { testSite } from './site.js';
import { STAFF, bearer, staffUsers, type StaffMember } from './staff.js';
import { tempDir } from './temp-dir.js';
import { webhookServer } from './webhook-server.js';

/** A gateway whose engineers sit on a team with a robot channel (so an assignment's @-mention shows), and a central service. */
export async function repairSite() {
  const hook = await webhookServer();
  const central = createCentralService({ tokens: ['t'] });
  const centralUrl = await central.start(0);
  onTestFinished(() => central.stop());
  const site = testSite({
    dataDir: await tempDir(),
    http: { host: '127.0.0.1', port: 0, publicUrl: 'http://gw.site.lan' },
    users: staffUsers(),
    central: { url: centralUrl, token: { value: 't' }, pollSeconds: 0.2 },
    notify: {
      channels: [{ id: 'team', type: 'webhook', url: { value: `${hook.url}/team` }, retries: 0 }],
      roster: {
        shifts: [
          { id: 'am', name: { zh: '上午', en: 'Morning' }, from: '00:00', to: '12:00' },
          { id: 'pm', name: { zh: '下午', en: 'Afternoon' }, from: '12:00', to: '00:00' },
        ],
        teams: (['am', 'pm'] as const).map((shift) => ({ id: `eng-${shift}`, name: { zh: '工程组', en: 'Engineering' }, shift, skills: ['plumbing' as const, 'general' as const], channels: ['team'], members: [{ name: STAFF.engineer2.name, userId: STAFF.engineer2.id, mobile: '13800000002' }] })),
      },
    },
  });
  const gw = await buildGateway(site, { clock: systemClock, log: silentLogger() });
  await gw.start();
  onTestFinished(() => gw.stop());
  const url = gw.httpUrl() ?? '';
  const api = async (method: string, path: string, who: StaffMember, body?: unknown) => {
    const res = await fetch(`${url}${path}`, { method, headers: { ...bearer(who), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { ticket?: Ticket; error?: { message: string } } };
  };
  const alerts = () => hook.received.flatMap((r) => (r.body['alerts'] as AlertFacts[]).map((a) => ({ ...a, text: String(r.body['text']) })));
  return { gw, api, alerts, central };
}

export const raiseTicket = (gw: Gateway, tier: Ticket['tier'] = 'general') =>
  gw.tickets.raise({ fault: 'drain-blocked', device: gw.site.devices[0]!, tier, skill: 'plumbing', title: { zh: '排水堵塞', en: 'Drain blocked' }, description: { zh: '排水堵塞', en: 'Drain blocked' } });

