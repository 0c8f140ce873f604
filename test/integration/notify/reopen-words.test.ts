import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { ManualClock, systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { createNotifier } from '../../../gateway/notify/index.js';
import { FileStore } from '../../../gateway/store/store.js';
import { TicketService } from '../../../gateway/tickets/ticket-service.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { webhookServer } from '../../helpers/webhook-server.js';

const LI = { id: 'e-li', name: '李工' };

/** A resolved public-area repair, its alerts going to a webhook: what the team reads when it is reopened. */
async function resolvedRepair() {
  const hook = await webhookServer();
  const site = testSite({ http: { publicUrl: 'https://gw.site.lan' }, notify: { channels: [{ id: 'team', type: 'webhook', url: { value: `${hook.url}/team` }, retries: 0 }] } });
  const clock = new ManualClock(Date.UTC(2026, 10, 27, 2, 0, 0));
  const store = await FileStore.open({ dataDir: await tempDir(), clock: systemClock, log: silentLogger() });
  onTestFinished(() => store.close());
  const tickets = await TicketService.open({ store, site, clock, log: silentLogger() });
  const notifier = createNotifier({ site, tickets, store, clock, log: silentLogger() });
  await notifier.start();
  onTestFinished(() => notifier.stop());
  const t = await tickets.raise({ fault: 'water-leak', device: site.devices[0]!, tier: 'emergency', skill: 'plumbing', title: { zh: '漏水：1 号漏水传感器', en: 'Water leak' }, description: { zh: '漏水', en: 'Leak' } });
  for (const step of ['take', 'arrive'] as const) await tickets.step(t.id, step, { user: LI });
  await tickets.step(t.id, 'resolve', { user: LI, note: '更换阀门' });
  const heads = () => hook.received.map((r) => String(r.body['text']).split('\n')[0]);
  const lines = () => hook.received.map((r) => String(r.body['text']));
  await vi.waitFor(() => expect(heads()).toHaveLength(1));
  return { tickets, t, heads, lines };
}

describe('a reopened repair, as the team reads it', () => {
  it("says the central service reopened it, with its note, not that a re-check failed", async () => {
    const s = await resolvedRepair();
    await s.tickets.mutate(s.t.id, 'central', (d) => {
      d.status = 'reopened';
      return { action: 'reopened', status: 'reopened', note: '业主反映仍在漏水' };
    });
    await vi.waitFor(() => expect(s.heads()).toHaveLength(2));
    expect(s.heads()[1]).toBe('【紧急·总部重开】漏水：1 号漏水传感器');
    expect(s.lines()[1]).toContain('总部重开：业主反映仍在漏水');
    expect(s.lines()[1]).not.toContain('复查');
  });

  it("says a failed re-check, with the patrol's reason", async () => {
    const s = await resolvedRepair();
    await s.tickets.step(s.t.id, 'recheck-fail', { user: { id: 'p-wang', name: '王巡检' }, note: '仍在渗水' });
    await vi.waitFor(() => expect(s.heads()).toHaveLength(2));
    expect(s.heads()[1]).toBe('【紧急·复查不合格】漏水：1 号漏水传感器');
    expect(s.lines()[1]).toContain('复查不合格：仍在渗水');
  });
});
