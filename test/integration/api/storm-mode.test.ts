import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildGateway, type Gateway } from '../../../gateway/app.js';
import { ManualClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import type { AlertFacts } from '../../../gateway/notify/alert-facts.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { testSite } from '../../helpers/site.js';
import { bearer, staffUsers, type StaffMember } from '../../helpers/staff.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { webhookServer } from '../../helpers/webhook-server.js';

const MIN = 60_000;
// 2026-07-20 22:00 in Shanghai: a typhoon night.
const NIGHT = Date.UTC(2026, 6, 20, 14, 0, 0);

async function setup() {
  const hook = await webhookServer();
  const clock = new ManualClock(NIGHT);
  const site = testSite({
    dataDir: await tempDir(),
    http: { host: '127.0.0.1', port: 0, publicUrl: 'http://gw.site.lan' },
    users: staffUsers(),
    notify: { channels: [{ id: 'all', type: 'webhook', url: { value: `${hook.url}/all` }, retries: 0 }] },
  });
  const gw = await buildGateway(site, { clock, log: silentLogger() });
  await gw.start();
  onTestFinished(() => gw.stop());
  const url = gw.httpUrl() ?? '';
  const api = async (method: string, path: string, who: StaffMember, body?: unknown) => {
    // A connection of its own each time: the clock jumps between calls take seconds of real time on a
    // busy machine, and a kept connection the server closes as idle can race the next request on it.
    const res = await fetch(`${url}${path}`, { method, headers: { connection: 'close', ...bearer(who), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const alerts = () => hook.received.flatMap((r) => r.body['alerts'] as AlertFacts[]);
  const texts = () => hook.received.map((r) => String(r.body['text']));
  // A jump of the clock waits until no alert is on its way (a request in flight must not time out on a jump).
  const advance = async (ms: number): Promise<void> => {
    for (let left = ms; left > 0; left -= 30_000) {
      await vi.waitFor(() => expect(gw.notifier.status().filter((c) => c.pending > 0)).toEqual([]), { timeout: 15_000, interval: 10 });
      clock.advance(Math.min(30_000, left));
      await gw.notifier.escalationsSettled();
    }
  };
  return { gw, clock, api, alerts, texts, advance };
}

const raise = (gw: Gateway, tier: Ticket['tier'], fault: string) =>
  gw.tickets.raise({ fault, device: gw.site.devices[0]!, tier, skill: 'plumbing', title: { zh: fault === 'water-leak' ? '漏水' : '排水堵塞', en: fault }, description: { zh: '-', en: '-' } });

const escalations = (gw: Gateway, id: string) => gw.tickets.get(id)?.history.filter((h) => h.action === 'escalated') ?? [];

describe('storm mode', () => {
  it('pauses general and low tickets for its hours: no escalation, one digest an hour; emergencies alert and escalate as always; at the end their deadlines move by the time paused', async () => {
    const s = await setup();
    const before = await raise(s.gw, 'general', 'drain-blocked');
    expect((await s.api('POST', '/api/storm', 'engineer', { hours: 2, reason: '台风' })).status).toBe(403);
    expect((await s.api('POST', '/api/storm', 'supervisor', { hours: 25, reason: '台风' })).status).toBe(400);
    const on = await s.api('POST', '/api/storm', 'supervisor', { hours: 2, reason: '台风“海葵”过境' });
    expect(on.status).toBe(201);
    expect((await s.api('POST', '/api/storm', 'operator', { hours: 1, reason: '又一次' })).status).toBe(409);
    expect(s.gw.tickets.get(before.id)).toMatchObject({ paused: { since: new Date(NIGHT).toISOString(), reason: '台风“海葵”过境' } });
    expect(s.gw.tickets.get(before.id)?.history.at(-1)).toMatchObject({ action: 'paused', actor: 'user:s-qian' });

    const leaks = [await raise(s.gw, 'general', 'drain-blocked'), await raise(s.gw, 'low', 'drain-blocked')];
    const flood = await raise(s.gw, 'emergency', 'water-leak');
    for (const t of leaks) expect(s.gw.tickets.get(t.id)?.paused).toBeDefined();
    expect((s.gw.store.data.extra['storm'] as { held: string[] }).held).toEqual(leaks.map((t) => t.id));
    expect(s.gw.tickets.get(flood.id)?.paused).toBeUndefined();
    // The emergency alerts at once; the paused ones do not.
    await vi.waitFor(() => expect(s.alerts().filter((a) => a.kind === 'raised').map((a) => a.ticketId)).toEqual([before.id, flood.id]));
    await s.advance(5 * MIN);
    await vi.waitFor(() => expect(escalations(s.gw, flood.id).length).toBeGreaterThan(0));
    // An hour in: one digest of the two, not two alerts; none of the paused escalated.
    await s.advance(55 * MIN);
    await vi.waitFor(() => expect(s.alerts().filter((a) => a.number === 'GW_STORM_DIGEST')).toHaveLength(1));
    const digest = s.texts().find((t) => t.includes('暴雨模式汇总'));
    // The two, and whatever else the hour raised below an emergency (the silent test sensor goes offline).
    const held = s.gw.tickets.all().filter((t) => t.tier !== 'emergency' && t.id !== before.id);
    expect(held.length).toBeGreaterThanOrEqual(2);
    expect(digest).toContain(`新增一般/低级工单 ${held.length} 条`);
    for (const t of leaks) expect(digest).toContain(t.number);
    for (const t of [before, ...leaks]) expect(escalations(s.gw, t.id)).toEqual([]);

    // Ended by hand at 90 min: the deadlines move by the time each was paused.
    await s.advance(30 * MIN);
    const ended = await s.api('DELETE', '/api/storm', 'supervisor');
    expect(ended.status).toBe(200);
    const resumed = s.gw.tickets.get(leaks[0]!.id);
    expect(resumed?.paused).toBeUndefined();
    expect(resumed?.pausedMs).toBe(90 * MIN);
    expect(Date.parse(resumed?.deadlines.acknowledgeBy ?? '')).toBe(Date.parse(leaks[0]!.deadlines.acknowledgeBy) + 90 * MIN);
    expect(resumed?.history.at(-1)?.note).toContain('暴雨模式结束，期限顺延 1 小时 30 分钟');
    expect(((await s.api('GET', '/api/storm', 'patrol')).body['past'] as unknown[]).length).toBe(1);
    // The month's report: the storm's hours, and the paused tickets with their paused time (left out of the on-time rates).
    const month = await s.api('GET', '/api/reports/monthly', 'supervisor');
    expect(month.body['storms']).toEqual({ count: 1, hours: 1.5 });
    expect(month.body['stats']).toMatchObject({ paused: { tickets: held.length + 1, minutes: expect.any(Number) } });
    // Its clock runs again: the grab rule 5 minutes later.
    await s.advance(5 * MIN);
    await vi.waitFor(() => expect(escalations(s.gw, leaks[0]!.id).map((h) => h.step)).toEqual(['grab']));
  });

  it('ends by itself after its hours, in one building only', async () => {
    const s = await setup();
    const on = await s.api('POST', '/api/storm', 'operator', { hours: 1, reason: '暴雨', building: 'T1' });
    expect(on.status).toBe(201);
    expect((await s.api('POST', '/api/storm', 'operator', { hours: 1, reason: '暴雨', building: 'T99' })).status).toBe(400);
    const t = await raise(s.gw, 'general', 'drain-blocked');
    expect(s.gw.tickets.get(t.id)?.paused).toBeDefined();
    await s.advance(60 * MIN);
    await vi.waitFor(() => expect(s.gw.tickets.get(t.id)?.paused).toBeUndefined());
    expect(s.gw.tickets.get(t.id)?.history.at(-1)).toMatchObject({ action: 'resumed', actor: 'gateway' });
    expect((await s.api('GET', '/api/storm', 'patrol')).body['storm']).toBeNull();
  });
});
