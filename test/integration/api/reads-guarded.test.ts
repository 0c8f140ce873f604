import { describe, expect, it, onTestFinished } from 'vitest';
import { buildGateway, type Gateway } from '../../../gateway/app.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { captureLog } from '../../helpers/capture-log.js';
import { testSite } from '../../helpers/site.js';
import { bearer, staffUsers, type StaffMember } from '../../helpers/staff.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function startGateway(readsNeedToken: boolean | undefined, log = silentLogger()): Promise<Gateway> {
  const base = testSite();
  const site = testSite({
    dataDir: await tempDir(),
    http: { host: '127.0.0.1', port: 0, ...(readsNeedToken === undefined ? {} : { readsNeedToken }) },
    users: staffUsers(),
    devices: [
      base.devices[0]!,
      { ...base.devices[0]!, id: 'leak-9', name: '9 号楼漏水', location: { building: 'T9', floor: '1F', description: '9 号楼大堂' }, source: { protocol: 'mqtt', username: 'leak-9', password: { value: 'secret-leak-9' }, points: [{ id: 'wet' }] } },
    ],
  });
  const gw = await buildGateway(site, { clock: systemClock, log });
  await gw.start();
  onTestFinished(() => gw.stop());
  return gw;
}

const raise = (gw: Gateway, device: number): Promise<Ticket> =>
  gw.tickets.raise({ fault: 'water-leak', device: gw.site.devices[device]!, tier: 'emergency', skill: 'plumbing', title: { zh: '漏水', en: 'Leak' }, description: { zh: '漏水', en: 'Leak' } });

async function get(gw: Gateway, path: string, who?: StaffMember | { authorization: string }): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string; message: string } } }> {
  const headers = who === undefined ? {} : typeof who === 'string' ? bearer(who) : who;
  const res = await fetch(`${gw.httpUrl()}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : { text } };
}

/** An open live stream: everything read so far, and a way to read until a pattern shows. */
async function stream(gw: Gateway, query: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  onTestFinished(() => abort.abort());
  const res = await fetch(`${gw.httpUrl()}/api/events${query}`, { headers, signal: abort.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const s = { text: '', async until(pattern: RegExp): Promise<void> {
    while (!pattern.test(s.text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before ${pattern}`);
      s.text += value;
    }
  } };
  await s.until(/retry: \d+/);
  return s;
}

async function streamTicket(gw: Gateway, who: StaffMember): Promise<string> {
  const res = await fetch(`${gw.httpUrl()}/api/events/ticket`, { method: 'POST', headers: bearer(who) });
  expect(res.status).toBe(201);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as { ticket: string; expiresInSeconds: number };
  expect(body.expiresInSeconds).toBe(30);
  return body.ticket;
}

const READS = [
  '/api/tickets', '/api/tickets?archived=true', '/api/devices', '/api/stats', '/api/stats.csv', '/api/reports/daily', '/api/reports/daily.csv', '/api/reports/weekly', '/api/reports/monthly.csv',
  '/api/dead-letters', '/api/alerts/health', '/api/shelves', '/api/patrol/faults', '/api/events', '/api/no-such-read',
];

describe('reads need a token where the site says so (http.readsNeedToken)', () => {
  it('answers every read under /api/ with 401 without a valid token, and with 200 to a token of any role; health, metrics and the pages stay open', async () => {
    const gw = await startGateway(true);
    const t = await raise(gw, 0);
    for (const path of [...READS, `/api/tickets/${t.id}`]) {
      const none = await get(gw, path);
      expect(none.status, path).toBe(401);
      expect(none.body.error?.code, path).toBe('GW_API_UNAUTHORIZED');
    }
    // A wrong token is refused too (a few only: from the 5th the address is held, 429, docs/security.md).
    for (const path of READS.slice(0, 3)) expect((await get(gw, path, { authorization: 'Bearer not-a-staff-token' })).status, path).toBe(401);
    for (const who of ['patrol', 'engineer', 'operator', 'admin'] as const) {
      for (const path of READS.filter((p) => p !== '/api/events' && p !== '/api/no-such-read')) expect((await get(gw, path, who)).status, `${who} ${path}`).toBe(200);
    }
    expect((await get(gw, '/api/no-such-read', 'engineer')).status).toBe(404);
    for (const open of ['/healthz', '/readyz', '/metrics', '/patrol', '/reports', '/static/words.js']) expect((await get(gw, open)).status, open).toBe(200);
    // Writes are as before: a token of the right role.
    const write = await fetch(`${gw.httpUrl()}/api/tickets/${t.id}/take`, { method: 'POST', headers: { ...bearer('patrol'), 'content-type': 'application/json' }, body: '{}' });
    expect(write.status).toBe(403);
  });

  it('lets a patrol read only the tickets of its buildings: lists, details, statistics and reports', async () => {
    const gw = await startGateway(true);
    const mine = await raise(gw, 0);
    const far = await raise(gw, 1);
    const ids = async (who: StaffMember) => ((await get(gw, '/api/tickets', who)).body['tickets'] as Ticket[]).map((x) => x.id);
    expect(await ids('patrol')).toEqual([mine.id]);
    expect(await ids('farPatrol')).toEqual([far.id]);
    expect(await ids('engineer')).toEqual([mine.id, far.id]);
    const away = await get(gw, `/api/tickets/${far.id}`, 'patrol');
    expect(away.status).toBe(403);
    expect(away.body.error).toMatchObject({ code: 'GW_API_FORBIDDEN', message: expect.stringContaining('outside your buildings') });
    expect((await get(gw, `/api/tickets/${mine.id}`, 'patrol')).status).toBe(200);
    expect((await get(gw, '/api/stats', 'patrol')).body).toMatchObject({ tickets: { total: 1, byBuilding: { T1: 1 } } });
    expect((await get(gw, '/api/stats', 'engineer')).body).toMatchObject({ tickets: { total: 2 } });
    const daily = (await get(gw, '/api/reports/daily', 'patrol')).body as { open: { id: string }[] };
    expect(daily.open.map((x) => x.id)).toEqual([mine.id]);
    const csv = (await get(gw, '/api/reports/daily.csv', 'patrol')).body['text'] as string;
    expect(csv).toContain(mine.number);
    expect(csv).not.toContain(far.number);
  });

  it('opens the live stream with a single-use stream ticket (EventSource sends no header), a patrol hearing only its buildings; or with a token in the header', async () => {
    const gw = await startGateway(true);
    const patrolTicket = await streamTicket(gw, 'patrol');
    const patrol = await stream(gw, `?ticket=${patrolTicket}`);
    const engineer = await stream(gw, `?ticket=${await streamTicket(gw, 'engineer')}`);
    const curl = await stream(gw, '', bearer('operator'));
    // T9 first: had the patrol's stream carried it, it would come before the T1 ticket on the same socket.
    const far = await raise(gw, 1);
    const mine = await raise(gw, 0);
    await patrol.until(new RegExp(`event: ticket\\ndata: .*"id":"${mine.id}"`));
    expect(patrol.text).not.toContain(far.id);
    await engineer.until(new RegExp(`"id":"${mine.id}"`));
    expect(engineer.text).toContain(far.id);
    await curl.until(new RegExp(`"id":"${mine.id}"`));

    // A ticket opens one stream: used again (the browser reconnecting by itself) it is refused.
    const again = await get(gw, `/api/events?ticket=${patrolTicket}`);
    expect(again.status).toBe(401);
    expect(again.body.error).toMatchObject({ code: 'GW_API_UNAUTHORIZED', message: expect.stringContaining('POST /api/events/ticket') });
    expect((await get(gw, '/api/events?ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
    expect((await fetch(`${gw.httpUrl()}/api/events/ticket`, { method: 'POST' })).status).toBe(401);
  });

  it('keeps reads open on a site file without the key, and says so at start (api.reads_open); says nothing when reads are guarded', async () => {
    const open = captureLog();
    const gw = await startGateway(undefined, open.log);
    await raise(gw, 1);
    expect((await get(gw, '/api/tickets')).status).toBe(200);
    expect((await get(gw, '/api/stats')).body).toMatchObject({ tickets: { total: 1 } });
    const line = open.text().split('\n').filter((l) => l.includes('"api.reads_open"')).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(line).toHaveLength(1);
    expect(line[0]!.level).toBe(40);
    expect(line[0]!.msg).toContain('"readsNeedToken": true');
    // Without a token the stream hears everything, as before; a stream ticket still works.
    await stream(gw, '');
    await stream(gw, `?ticket=${await streamTicket(gw, 'patrol')}`);

    const closed = captureLog();
    await startGateway(true, closed.log);
    expect(closed.text()).not.toContain('api.reads_open');
  });
});
