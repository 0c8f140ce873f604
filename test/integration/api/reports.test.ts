import { describe, expect, it, onTestFinished } from 'vitest';
import { sha256Hex } from '../../../gateway/api/auth.js';
import type { EngineerFigures } from '../../../gateway/api/engineer-figures.js';
import { buildGateway, type Gateway } from '../../../gateway/app.js';
import { ManualClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { testSite } from '../../helpers/site.js';
import { STAFF, staffUsers } from '../../helpers/staff.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MIN = 60_000;
/** A wall time in Beijing time. */
const bj = (y: number, mo: number, d: number, h: number, mi = 0): number => Date.UTC(y, mo - 1, d, h - 8, mi);
const SUPERVISOR = { id: 's-wu', name: '吴主管', role: 'supervisor' as const, token: 'tok-supervisor-wu' };
const tokens = { ...Object.fromEntries(Object.entries(STAFF).map(([k, v]) => [k, v.token])), supervisor: SUPERVISOR.token } as Record<string, string>;

/** A gateway on a clock the test moves (wall time set where each ticket should fall), with a supervisor among its staff. */
async function gateway(start: number): Promise<{ gw: Gateway; clock: ManualClock; get: (path: string, who?: string) => Promise<{ status: number; body: Record<string, unknown>; text: string; headers: Headers }> }> {
  const clock = new ManualClock(start);
  const site = testSite({
    dataDir: await tempDir(),
    http: { host: '127.0.0.1', port: 0 },
    users: [...staffUsers(), { id: SUPERVISOR.id, name: SUPERVISOR.name, role: SUPERVISOR.role, tokenSha256: sha256Hex(SUPERVISOR.token), buildings: [] }],
  });
  const gw = await buildGateway(site, { clock, log: silentLogger() });
  await gw.start();
  onTestFinished(() => gw.stop());
  const url = gw.httpUrl()!;
  const get = async (path: string, who?: string) => {
    const res = await fetch(`${url}${path}`, { headers: who === undefined ? {} : { authorization: `Bearer ${tokens[who]}` } });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {}, text, headers: res.headers };
  };
  return { gw, clock, get };
}

async function raiseAt(gw: Gateway, clock: ManualClock, at: number, tier: Ticket['tier'] = 'emergency'): Promise<Ticket> {
  clock.set(at);
  return gw.tickets.raise({ fault: 'water-leak', device: gw.site.devices[0]!, tier, skill: 'plumbing', title: { zh: '漏水', en: 'Leak' }, description: { zh: '漏水', en: 'Leak' } });
}

const staff = (key: 'engineer' | 'engineer2') => ({ id: STAFF[key].id, name: STAFF[key].name });

describe('reports', () => {
  it('cuts the weekly report from Monday 00:00 to the next Monday 00:00, Beijing time, as JSON and CSV', async () => {
    const { gw, clock, get } = await gateway(bj(2026, 11, 29, 23, 0));
    // Sunday 23:50 belongs to the week of Monday 23 November; Monday 00:10 to the next.
    const sunday = await raiseAt(gw, clock, bj(2026, 11, 29, 23, 50));
    const monday = await raiseAt(gw, clock, bj(2026, 11, 30, 0, 10));
    const before = await get('/api/reports/weekly?date=2026-11-26');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ week: '2026-11-23', from: bj(2026, 11, 23, 0), to: bj(2026, 11, 30, 0), stats: { tickets: { total: 1 } }, byDay: { '2026-11-29': { total: 1, emergency: 1 } } });
    const after = await get('/api/reports/weekly?date=2026-11-30');
    expect(after.body).toMatchObject({ week: '2026-11-30', stats: { tickets: { total: 1 } }, byDay: { '2026-11-30': { total: 1, emergency: 1 } } });
    // Today's week by default.
    expect((await get('/api/reports/weekly')).body['week']).toBe('2026-11-30');
    const csv = await get('/api/reports/weekly.csv?date=2026-11-29');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="weekly-2026-11-23.csv"');
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`${sunday.number},2026-11-29 23:50:00,`);
    expect(csv.text).not.toContain(monday.number);
    expect((await get('/api/reports/weekly?date=2026-W48')).status).toBe(400);
  });

  it('answers a quarter through /api/stats with from and to as local days (from=2026-10-01&to=2027-01-01)', async () => {
    const { gw, clock, get } = await gateway(bj(2026, 9, 30, 23, 0));
    await raiseAt(gw, clock, bj(2026, 9, 30, 23, 50)); // the quarter before
    const first = await raiseAt(gw, clock, bj(2026, 10, 1, 0, 5));
    await raiseAt(gw, clock, bj(2026, 11, 15, 12, 0), 'general');
    const last = await raiseAt(gw, clock, bj(2026, 12, 31, 23, 55), 'low');
    await raiseAt(gw, clock, bj(2027, 1, 1, 0, 5)); // the next quarter
    const q4 = await get('/api/stats?from=2026-10-01&to=2027-01-01');
    expect(q4.status).toBe(200);
    expect(q4.body).toMatchObject({ from: new Date(bj(2026, 10, 1, 0)).toISOString(), to: new Date(bj(2027, 1, 1, 0)).toISOString(), tickets: { total: 3, byTier: { emergency: 1, general: 1, low: 1 } } });
    const rows = (await get('/api/stats.csv?from=2026-10-01&to=2027-01-01')).text.replace(/^\uFEFF/, '').trim().split('\r\n').slice(1);
    expect(rows.map((r) => r.split(',')[0])).toEqual([first.number, expect.any(String), last.number]);
  });

  it('counts per engineer, for the supervisor only: taken, on site on time, resolved on time, repeats; other roles get 403, no token 401', async () => {
    const T = bj(2026, 11, 10, 10, 0);
    const { gw, clock, get } = await gateway(T);
    const li = staff('engineer');
    const zhou = staff('engineer2');
    // An earlier month: not in November's figures.
    const october = await raiseAt(gw, clock, bj(2026, 10, 20, 10, 0));
    await gw.tickets.step(october.id, 'take', { user: li });

    // a: 李工 on site at 4 min (a leak: by 5) and resolved at 60 min (by 4 h).
    const a = await raiseAt(gw, clock, T);
    clock.set(T + 2 * MIN);
    await gw.tickets.step(a.id, 'take', { user: li });
    clock.set(T + 4 * MIN);
    await gw.tickets.step(a.id, 'arrive', { user: li });
    clock.set(T + 60 * MIN);
    await gw.tickets.step(a.id, 'resolve', { user: li, note: '换阀门' });
    // b: 李工 on site at 40 min (late), never resolved: missed once 4 h have passed.
    const b = await raiseAt(gw, clock, T + 61 * MIN);
    clock.set(T + 62 * MIN);
    await gw.tickets.step(b.id, 'take', { user: li });
    clock.set(T + 101 * MIN);
    await gw.tickets.step(b.id, 'arrive', { user: li });
    // c: the same device and fault again after a's repair: a repeat repair (返修), taken by 周工 and fixed by phone (counted apart).
    const c = await raiseAt(gw, clock, T + 120 * MIN);
    expect(c.rework).toBe(true);
    clock.set(T + 121 * MIN);
    await gw.tickets.step(c.id, 'take', { user: zhou });
    clock.set(T + 150 * MIN);
    await gw.tickets.step(c.id, 'resolve', { user: zhou, note: '再次复位', resolution: { offSiteReason: '电话指导业主关阀' } });
    // d: taken by 周工, nobody on site by its 5 minutes; e: nobody took it.
    const d = await raiseAt(gw, clock, T + 151 * MIN, 'general');
    await gw.tickets.step(d.id, 'take', { user: zhou });
    await raiseAt(gw, clock, T + 152 * MIN);
    clock.set(T + 400 * MIN);

    const r = await get('/api/reports/engineers?month=2026-11', 'supervisor');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ period: '2026-11', from: bj(2026, 11, 1, 0), to: bj(2026, 12, 1, 0) });
    const rows = r.body['engineers'] as EngineerFigures[];
    // In pinyin order (李 li, 周 zhou). 周工 fixed c by phone: off site, apart from the on-site figure; d missed its arrival.
    expect(rows).toEqual([
      { userId: 'e-li', name: '李工', taken: 2, onSite: { due: 2, onTime: 1, late: 1, missed: 0, rate: 0.5 }, resolved: { due: 2, onTime: 1, late: 0, missed: 1, rate: 0.5 }, repeats: 0, offSite: 0 },
      { userId: 'e-zhou', name: '周工', taken: 2, onSite: { due: 1, onTime: 0, late: 0, missed: 1, rate: 0 }, resolved: { due: 1, onTime: 1, late: 0, missed: 0, rate: 1 }, repeats: 1, offSite: 1 },
    ]);
    // A range of local days asks the same.
    expect((await get('/api/reports/engineers?from=2026-11-10&to=2026-11-11', 'supervisor')).body['engineers']).toEqual(rows);
    expect((await get('/api/reports/engineers?month=2026-10', 'supervisor')).body['engineers']).toMatchObject([{ userId: 'e-li', taken: 1 }]);

    const csv = await get('/api/reports/engineers.csv?month=2026-11', 'admin');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="engineers-2026-11.csv"');
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('engineer,userId,taken,onSiteDue,onSiteOnTime,onSiteLate,onSiteMissed,onSiteOnTimePercent,resolveDue,resolveOnTime,resolveLate,resolveMissed,resolveOnTimePercent,repeats,offSite');
    expect(lines).toContain('李工,e-li,2,2,1,1,0,50,2,1,0,1,50,0,0');

    for (const who of ['engineer', 'patrol', 'operator']) {
      const refused = await get('/api/reports/engineers?month=2026-11', who);
      expect(refused.status, who).toBe(403);
      expect(refused.body).toMatchObject({ error: { code: 'GW_API_FORBIDDEN' } });
    }
    expect((await get('/api/reports/engineers.csv?month=2026-11')).status).toBe(401);
    expect((await get('/api/reports/engineers?from=2026-11-11&to=2026-11-10', 'supervisor')).status).toBe(400);
  });
});
