import { readdirSync } from 'node:fs';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished } from 'vitest';
import { markDelivered } from '../../../cloud-sync/outbox.js';
import { buildGateway, type Gateway } from '../../../gateway/app.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { testSite } from '../../helpers/site.js';
import { STAFF, bearer, staffUsers, type StaffMember } from '../../helpers/staff.js';
import { tempDir } from '../../helpers/temp-dir.js';

interface ApiAnswer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

async function startGateway(more: Parameters<typeof testSite>[0] = {}): Promise<Gateway> {
  const base = testSite();
  const site = testSite({
    ...more,
    dataDir: await tempDir(),
    http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 4096 },
    users: staffUsers(),
    devices: [
      { ...base.devices[0]!, faults: { 'water-leak': { onDelaySeconds: 0 } } },
      { ...base.devices[0]!, id: 'leak-9', name: '9 号楼漏水', location: { building: 'T9', floor: '1F', description: '9 号楼大堂' }, source: { protocol: 'mqtt', username: 'leak-9', password: { value: 'secret-leak-9' }, points: [{ id: 'wet' }] } },
    ],
  });
  const gw = await buildGateway(site, { clock: systemClock, log: silentLogger() });
  await gw.start();
  onTestFinished(() => gw.stop());
  return gw;
}

function client(gw: Gateway) {
  const url = gw.httpUrl()!;
  return async (method: string, path: string, opts: { who?: StaffMember; token?: string; body?: unknown; raw?: string; type?: string } = {}): Promise<ApiAnswer> => {
    const headers: Record<string, string> = {};
    if (opts.who !== undefined) Object.assign(headers, bearer(opts.who));
    if (opts.token !== undefined) headers['authorization'] = opts.token;
    const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    if (payload !== undefined) headers['content-type'] = opts.type ?? 'application/json';
    const res = await fetch(`${url}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as ApiAnswer['body']) : { text } };
  };
}

async function raise(gw: Gateway, deviceIndex: number, tier: Ticket['tier'] = 'emergency', fault = 'water-leak'): Promise<Ticket> {
  const device = gw.site.devices[deviceIndex]!;
  return gw.tickets.raise({ fault, device, tier, skill: 'plumbing', title: { zh: '漏水', en: 'Water leak' }, description: { zh: '漏水', en: 'Leak' } });
}

/** A live stream (server-sent events) as a test reads it: everything heard so far, and a wait for a pattern in it. */
function liveStream(res: Response): { readUntil(pattern: RegExp): Promise<void>; heard(): string } {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let heard = '';
  return {
    async readUntil(pattern) {
      while (!pattern.test(heard)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}`);
        heard += value;
      }
    },
    heard: () => heard,
  };
}

describe('staff API', () => {
  it('serves an archived ticket read-only, and still counts it in the statistics', async () => {
    const gw = await startGateway({ store: { compactAfterBytes: 4_000_000, archiveClosedAfterHours: 0 } });
    const api = client(gw);
    const old = await raise(gw, 0);
    const live = await raise(gw, 1, 'general');
    const closed = await gw.tickets.transition(old.id, 'central', 'closed');
    // The central service has its last version: nothing left to upload.
    markDelivered(gw.store.data, closed.id, closed.version);
    await gw.store.commit();
    expect(await gw.archiver.sweep()).toBe(1);
    expect(gw.tickets.get(old.id)).toBeUndefined();

    const one = await api('GET', `/api/tickets/${old.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ archived: true, ticket: { id: old.id, status: 'closed', version: closed.version } });
    expect((await api('GET', `/api/tickets/${live.id}`)).body).toMatchObject({ archived: false });
    const ack = await api('POST', `/api/tickets/${old.id}/ack`, { who: 'engineer', body: {} });
    expect(ack.status).toBe(409);
    expect(ack.body.error?.message).toContain('archived');
    expect((await api('POST', `/api/tickets/${old.id}/notes`, { who: 'engineer', body: { note: '补记' } })).status).toBe(409);
    expect((await api('GET', '/api/tickets/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    // The list shows live tickets; the statistics of a range read the archive too.
    expect(((await api('GET', '/api/tickets')).body['tickets'] as Ticket[]).map((t) => t.id)).toEqual([live.id]);
    const stats = (await api('GET', '/api/stats')).body as Record<string, never>;
    expect(stats['tickets']).toMatchObject({ total: 2, byTier: { emergency: 1, general: 1 } });
    const csv = (await (await fetch(`${gw.httpUrl()}/api/stats.csv`)).text()).trim().split('\r\n');
    expect(csv.some((line) => line.startsWith(old.number))).toBe(true);
  });

  it('lists tickets with filters and paging, and answers one ticket or 404', async () => {
    const gw = await startGateway();
    const api = client(gw);
    const a = await raise(gw, 0, 'emergency');
    const b = await raise(gw, 0, 'low', 'battery-low');
    const c = await raise(gw, 1, 'general');
    await gw.tickets.transition(b.id, 'gateway', 'rejected', 'test');

    const all = await api('GET', '/api/tickets');
    expect(all.status).toBe(200);
    expect((all.body['tickets'] as Ticket[]).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
    expect(all.body['total']).toBe(3);
    const ids = async (q: string) => ((await api('GET', `/api/tickets?${q}`)).body['tickets'] as Ticket[]).map((t) => t.id);
    expect(await ids('status=open')).toEqual([a.id, c.id]);
    expect(await ids('status=rejected,closed')).toEqual([b.id]);
    expect(await ids('tier=general')).toEqual([c.id]);
    expect(await ids('building=T9')).toEqual([c.id]);
    expect(await ids('order=desc&limit=2')).toEqual([c.id, b.id]);
    expect(await ids('limit=1&offset=1')).toEqual([b.id]);
    expect(await ids(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    const light = (await api('GET', '/api/tickets?evidence=false')).body['tickets'] as Ticket[];
    expect(light.every((t) => t.evidence.length === 0)).toBe(true);

    const one = await api('GET', `/api/tickets/${a.id}`);
    expect(one.status).toBe(200);
    expect((one.body['ticket'] as Ticket).number).toBe(a.number);
    const missing = await api('GET', '/api/tickets/no-such-ticket');
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('GW_API_NOT_FOUND');
  });

  it('refuses bad queries with a 400 that names the field', async () => {
    const gw = await startGateway();
    const api = client(gw);
    const cases: [string, string][] = [
      ['limit=0', 'querystring.limit'],
      ['limit=lots', 'querystring.limit'],
      ['offset=-1', 'querystring.offset'],
      ['tier=urgent', 'querystring.tier'],
      ['status=lost', 'querystring.status'],
      ['since=yesterday', 'querystring.since'],
      ['colour=red', 'querystring.colour'],
    ];
    for (const [q, field] of cases) {
      const res = await api('GET', `/api/tickets?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error?.code, q).toBe('GW_API_BAD_REQUEST');
      expect(res.body.error?.message, q).toContain(field);
    }
    const stats = await api('GET', '/api/stats?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(stats.status).toBe(400);
    expect(stats.body.error?.message).toContain('querystring.from');
    expect((await api('GET', '/api/stats?from=last-month')).body.error?.message).toContain('querystring.from');
    const unknown = await api('GET', '/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe('GW_API_NOT_FOUND');
  });

  it('lets each write through only with a token of the right role: 401 without, 403 with the wrong one', async () => {
    const gw = await startGateway();
    const api = client(gw);
    const writes: { name: string; allowed: StaffMember[]; call: (who: StaffMember | undefined, token?: string) => Promise<ApiAnswer> }[] = [
      { name: 'take', allowed: ['engineer', 'engineer2', 'admin'], call: async (who, token) => api('POST', `/api/tickets/${(await raise(gw, 0)).id}/take`, { ...(who === undefined ? {} : { who }), ...(token === undefined ? {} : { token }), body: {} }) },
      { name: 'acknowledge', allowed: ['engineer', 'engineer2', 'admin'], call: async (who, token) => api('POST', `/api/tickets/${(await raise(gw, 0)).id}/ack`, { ...(who === undefined ? {} : { who }), ...(token === undefined ? {} : { token }), body: {} }) },
      { name: 'confirm', allowed: ['patrol', 'admin'], call: async (who, token) => api('POST', `/api/tickets/${(await raise(gw, 0)).id}/confirm`, { ...(who === undefined ? {} : { who }), ...(token === undefined ? {} : { token }), body: { note: '现场确认漏水' } }) },
      { name: 'reject', allowed: ['patrol', 'admin'], call: async (who, token) => api('POST', `/api/tickets/${(await raise(gw, 0)).id}/reject`, { ...(who === undefined ? {} : { who }), ...(token === undefined ? {} : { token }), body: { reason: '现场无水' } }) },
      {
        name: 'resolve',
        allowed: ['engineer', 'engineer2', 'admin'],
        call: async (who, token) => {
          // A repair someone took, fixed by phone: no arrival needed, the reason is.
          const t = await raise(gw, 0);
          await gw.tickets.step(t.id, 'take', { user: { id: 'e-other', name: '其他工程师' } });
          return api('POST', `/api/tickets/${t.id}/resolve`, { ...(who === undefined ? {} : { who }), ...(token === undefined ? {} : { token }), body: { note: '已修复', offSiteReason: '电话指导业主关阀' } });
        },
      },
      { name: 'note', allowed: ['patrol', 'engineer', 'engineer2', 'supervisor', 'desk', 'operator', 'admin'], call: async (who, token) => api('POST', `/api/tickets/${(await raise(gw, 0)).id}/notes`, { ...(who === undefined ? {} : { who }), ...(token === undefined ? {} : { token }), body: { note: '已通知物业' } }) },
      { name: 'shelve', allowed: ['operator', 'admin'], call: (who, token) => api('POST', '/api/shelves', { ...(who === undefined ? {} : { who }), ...(token === undefined ? {} : { token }), body: { deviceId: 'leak-1', minutes: 30, reason: '传感器更换中' } }) },
      {
        name: 'unshelve',
        allowed: ['operator', 'admin'],
        call: async (who, token) => {
          const shelf = await gw.pipeline.shelve('leak-1', '*', 30, 'test', 'test');
          return api('DELETE', `/api/shelves/${shelf.id}`, { ...(who === undefined ? {} : { who }), ...(token === undefined ? {} : { token }) });
        },
      },
      { name: 'me', allowed: ['patrol', 'farPatrol', 'engineer', 'engineer2', 'supervisor', 'desk', 'operator', 'admin'], call: (who, token) => api('GET', '/api/me', { ...(who === undefined ? {} : { who }), ...(token === undefined ? {} : { token }) }) },
    ];
    for (const w of writes) {
      const none = await w.call(undefined);
      expect(none.status, `${w.name} without a token`).toBe(401);
      expect(none.body.error?.code).toBe('GW_API_UNAUTHORIZED');
      expect((await w.call(undefined, 'Bearer not-a-real-token')).status, `${w.name} with a wrong token`).toBe(401);
      expect((await w.call(undefined, `Basic ${STAFF.admin.token}`)).status, `${w.name} with a non-bearer scheme`).toBe(401);
      for (const who of Object.keys(STAFF) as StaffMember[]) {
        const res = await w.call(who);
        if (w.allowed.includes(who)) expect(res.status, `${w.name} as ${who}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
        else {
          expect(res.status, `${w.name} as ${who}`).toBe(403);
          expect(res.body.error?.code).toBe('GW_API_FORBIDDEN');
        }
      }
    }
  });

  it('validates write bodies: a 400 naming the field, 413 over the size limit, 415 for a non-JSON type', async () => {
    const gw = await startGateway();
    const api = client(gw);
    const t = await raise(gw, 0);
    const expect400 = async (path: string, body: unknown, field: string) => {
      const res = await api('POST', path, { who: 'admin', body });
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error?.code).toBe('GW_API_BAD_REQUEST');
      expect(res.body.error?.message).toContain(field);
    };
    await expect400(`/api/tickets/${t.id}/reject`, {}, 'body.reason');
    await expect400(`/api/tickets/${t.id}/reject`, { reason: '   ' }, 'body.reason');
    await expect400(`/api/tickets/${t.id}/reject`, { reason: 'x', extra: 1 }, 'body.extra');
    await expect400(`/api/tickets/${t.id}/confirm`, { note: 42 }, 'body.note');
    await expect400(`/api/tickets/${t.id}/notes`, { note: '' }, 'body.note');
    await expect400('/api/shelves', { deviceId: 'leak-1', minutes: 0, reason: 'x' }, 'body.minutes');
    await expect400('/api/shelves', { deviceId: 'leak-1', minutes: 99999, reason: 'x' }, 'body.minutes');
    await expect400('/api/shelves', { deviceId: 'no-such-device', minutes: 5, reason: 'x' }, 'body.deviceId');
    await expect400('/api/shelves', { minutes: 5, reason: 'x' }, 'body.deviceId');
    const garbage = await api('POST', `/api/tickets/${t.id}/confirm`, { who: 'admin', raw: '{"note": ' });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error?.code).toBe('GW_API_BAD_REQUEST');
    const big = await api('POST', `/api/tickets/${t.id}/notes`, { who: 'admin', body: { note: 'x'.repeat(8000) } });
    expect(big.status).toBe(413);
    expect(big.body.error?.code).toBe('GW_API_BODY_TOO_LARGE');
    const form = await api('POST', `/api/tickets/${t.id}/confirm`, { who: 'admin', raw: 'note=hi', type: 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const metrics = await (await fetch(`${gw.httpUrl()}/metrics`)).text();
    expect(metrics).toContain('gateway_api_rejected_total{status="400"} 10');
    expect(metrics).toContain('gateway_api_rejected_total{status="413"} 1');
    // Nothing of that changed the ticket.
    expect(gw.tickets.get(t.id)?.version).toBe(1);
  });

  it('walks the repair loop: take, confirm beside it, arrive, resolve; a repeated tap is a no-op, patrol only in its buildings, conflicts are 409 with the reason', async () => {
    const gw = await startGateway();
    const api = client(gw);
    const t = await raise(gw, 0);
    const early = await api('POST', `/api/tickets/${t.id}/arrive`, { who: 'engineer', body: {} });
    expect(early.status).toBe(409);
    expect(early.body.error?.message).toContain('take the repair first');
    const take = await api('POST', `/api/tickets/${t.id}/take`, { who: 'engineer', body: { note: '马上到' } });
    expect(take.body['ticket']).toMatchObject({ status: 'acknowledged', version: 2, assignee: STAFF.engineer.name });
    const far = await api('POST', `/api/tickets/${t.id}/confirm`, { who: 'farPatrol', body: {} });
    expect(far.status).toBe(403);
    expect(far.body.error?.message).toContain('T1');
    // Confirming is not taking: the work's status stays where the engineer left it.
    const confirm = await api('POST', `/api/tickets/${t.id}/confirm`, { who: 'patrol', body: { note: '确有漏水' } });
    expect(confirm.body).toMatchObject({ changed: true, ticket: { status: 'acknowledged', version: 3, verification: { state: 'confirmed', by: STAFF.patrol.id, note: '确有漏水' } } });
    const again = await api('POST', `/api/tickets/${t.id}/confirm`, { who: 'patrol', body: {} });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ changed: false, ticket: { version: 3 } });
    const reject = await api('POST', `/api/tickets/${t.id}/reject`, { who: 'patrol', body: { reason: '看错了' } });
    expect(reject.status).toBe(409);
    expect(reject.body.error?.code).toBe('GW_API_CONFLICT');
    expect(reject.body.error?.message).toContain('confirmed on site');
    const someoneElse = await api('POST', `/api/tickets/${t.id}/take`, { who: 'engineer2', body: {} });
    expect(someoneElse.status).toBe(409);
    expect(someoneElse.body.error?.message).toContain(`already taken by ${STAFF.engineer.name}`);
    const arrive = await api('POST', `/api/tickets/${t.id}/arrive`, { who: 'engineer', body: {} });
    expect(arrive.body['ticket']).toMatchObject({ status: 'arrived', version: 4 });
    const noNote = await api('POST', `/api/tickets/${t.id}/resolve`, { who: 'engineer', body: {} });
    expect(noNote.status).toBe(400);
    const resolve = await api('POST', `/api/tickets/${t.id}/resolve`, { who: 'engineer', body: { note: '更换阀门' } });
    expect(resolve.body['ticket']).toMatchObject({ status: 'resolved', version: 5 });
    const note = await api('POST', `/api/tickets/${t.id}/notes`, { who: 'operator', body: { note: '已联系总部' } });
    const history = (note.body['ticket'] as Ticket).history;
    expect(history.map((h) => [h.actor, h.action, h.note])).toEqual([
      ['gateway', 'raised', undefined],
      [`user:${STAFF.engineer.id}`, 'acknowledged', '马上到'],
      [`user:${STAFF.patrol.id}`, 'confirmed', '确有漏水'],
      [`user:${STAFF.engineer.id}`, 'arrived', undefined],
      [`user:${STAFF.engineer.id}`, 'resolved', '更换阀门'],
      [`user:${STAFF.operator.id}`, 'note', '已联系总部'],
    ]);
    // Every step went to the outbox for the central service.
    expect(gw.sync.status().backlog + gw.store.data.outbox.length).toBeGreaterThan(0);
  });

  it('lists devices with live values and streams ticket and device changes as server-sent events', async () => {
    const gw = await startGateway();
    const api = client(gw);
    const abort = new AbortController();
    onTestFinished(() => abort.abort());
    const res = await fetch(`${gw.httpUrl()}/api/events`, { signal: abort.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const stream = liveStream(res);
    const readUntil = (pattern: RegExp) => stream.readUntil(pattern);

    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqtt.address()?.port}`, { username: 'leak-1', password: 'secret-leak-1', reconnectPeriod: 0 });
    onTestFinished(() => device.endAsync(true));
    await device.publishAsync('site/leak-1/battery', JSON.stringify({ value: 87 }), { qos: 1 });
    await readUntil(/event: devices\ndata: .*"leak-1"/);
    const devices = (await api('GET', '/api/devices')).body['devices'] as { id: string; points: { pointId: string; value: unknown; quality: string }[] }[];
    expect(devices.find((d) => d.id === 'leak-1')?.points).toContainEqual(expect.objectContaining({ pointId: 'battery', value: 87, quality: 'good' }));
    expect(devices.find((d) => d.id === 'leak-9')?.points).toEqual([{ pointId: 'wet', value: null, quality: 'none', ts: null }]);

    await device.publishAsync('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 1 });
    await readUntil(/event: ticket\ndata: .*"water-leak"/);
    const t = gw.tickets.all()[0]!;
    await api('POST', `/api/tickets/${t.id}/ack`, { who: 'engineer', body: {} });
    await readUntil(/event: ticket\ndata: .*"status":"acknowledged"/);
  });

  it('streams only the events a page asks for: a patrol page (ticket,alerts) hears the leak, never the devices; an event it cannot ask for is refused', async () => {
    const gw = await startGateway();
    const abort = new AbortController();
    onTestFinished(() => abort.abort());
    const open = (query: string) => fetch(`${gw.httpUrl()}/api/events${query}`, { signal: abort.signal });
    expect((await open('?events=ticket,everything')).status).toBe(400);
    const patrol = liveStream(await open('?events=ticket,alerts'));
    const operator = liveStream(await open('?events=devices,alerts'));
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqtt.address()?.port}`, { username: 'leak-1', password: 'secret-leak-1', reconnectPeriod: 0 });
    onTestFinished(() => device.endAsync(true));
    await device.publishAsync('site/leak-1/battery', JSON.stringify({ value: 87 }), { qos: 1 });
    await operator.readUntil(/event: devices\ndata: .*"leak-1"/);
    // Only what changed: the battery, not the device's other points, nor its name and place (the page has them).
    const first = JSON.parse(/event: devices\ndata: (.*)\n/.exec(operator.heard())![1]!) as { id: string; points: { pointId: string; value: unknown }[]; name?: string }[];
    expect(first.find((d) => d.id === 'leak-1')).toMatchObject({ points: [{ pointId: 'battery', value: 87 }] });
    expect(first.find((d) => d.id === 'leak-1')?.name).toBeUndefined();
    await device.publishAsync('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 1 });
    await patrol.readUntil(/event: ticket\ndata: .*"water-leak"/);
    // The devices changed twice meanwhile (battery, wet): the patrol stream carried neither, the operator's no ticket.
    await operator.readUntil(/event: devices\ndata: .*"wet"/);
    expect(patrol.heard()).not.toContain('event: devices');
    expect(operator.heard()).not.toContain('event: ticket');
  });

  it("streams the gateway's own state to the operator page when it changes (readiness, shelves, storm mode), so the page need not poll beside the stream", async () => {
    const gw = await startGateway();
    const api = client(gw);
    const abort = new AbortController();
    onTestFinished(() => abort.abort());
    const stream = liveStream(await fetch(`${gw.httpUrl()}/api/events?events=sync`, { signal: abort.signal }));
    const readUntil = (pattern: RegExp) => stream.readUntil(pattern);
    await readUntil(/event: sync\ndata: .*"ready":\{"ready":/);
    await api('POST', '/api/shelves', { who: 'operator', body: { deviceId: 'leak-1', minutes: 30, reason: '传感器更换中' } });
    await readUntil(/event: sync\ndata: .*"shelves":\[\{[^\]]*"deviceId":"leak-1"[^\]]*传感器更换中/);
    expect(stream.heard()).not.toContain('event: devices');
  });

  it('shelves a device for a while with a reason, audited, and lists and lifts it', async () => {
    const gw = await startGateway();
    const api = client(gw);
    const made = await api('POST', '/api/shelves', { who: 'operator', body: { deviceId: 'leak-1', fault: 'water-leak', minutes: 60, reason: '更换传感器' } });
    expect(made.status).toBe(201);
    const shelf = made.body['shelf'] as { id: string; until: number };
    expect(shelf.until - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(((await api('GET', '/api/shelves')).body['shelves'] as { id: string }[]).map((s) => s.id)).toEqual([shelf.id]);
    expect(gw.store.data.audit.at(-1)).toMatchObject({ actor: `user:${STAFF.operator.id}`, action: 'shelve' });
    expect((await api('DELETE', `/api/shelves/${shelf.id}`, { who: 'operator' })).status).toBe(200);
    expect((await api('GET', '/api/shelves')).body['shelves']).toEqual([]);
    expect((await api('DELETE', `/api/shelves/${shelf.id}`, { who: 'operator' })).status).toBe(404);
  });

  it('counts each step against its deadline, completion and false alarms for the review, and exports them as CSV in local time', async () => {
    const gw = await startGateway();
    const api = client(gw);
    const a = await raise(gw, 0);
    const b = await raise(gw, 0);
    const c = await raise(gw, 1, 'general');
    for (const [path, body] of [['take', {}], ['arrive', {}], ['resolve', { note: '已修复' }]] as const) await api('POST', `/api/tickets/${a.id}/${path}`, { who: 'engineer', body });
    await api('POST', `/api/tickets/${a.id}/confirm`, { who: 'patrol', body: {} });
    await api('POST', `/api/tickets/${b.id}/reject`, { who: 'patrol', body: { reason: '现场无水, "误报"' } });
    void c;
    const stats = (await api('GET', '/api/stats')).body as Record<string, never>;
    expect(stats['tickets']).toMatchObject({ total: 3, byTier: { emergency: 2, general: 1 }, byBuilding: { T1: 2, T9: 1 }, byDevice: { 'leak-1': 2, 'leak-9': 1 }, bySource: { sensor: 3 } });
    // The false alarm counts in no step; the general ticket has taken no step yet and is not late.
    expect(stats['steps']).toMatchObject({
      acknowledge: { count: 1, onTime: 1, onTimeShare: 1, overdue: 0 },
      onSite: { count: 1, onTime: 1, overdue: 0 },
      resolve: { count: 1, onTime: 1, overdue: 0 },
    });
    expect(stats['completionRate']).toBe(0.5);
    expect(stats['repeatRate']).toBe(0);
    expect(stats['confirm']).toMatchObject({ count: 1, onTimeShare: 1 });
    expect(stats['byBuilding']).toMatchObject({ T1: { total: 2, completionRate: 1 }, T9: { total: 1, completionRate: 0 } });
    expect(stats['falseAlarms']).toMatchObject({ byFault: [{ key: 'water-leak', decided: 2, rejected: 1, rate: 0.5 }], byDevice: [{ key: 'leak-1', decided: 2, rejected: 1, rate: 0.5 }] });
    expect(stats['alarmSystem']).toMatchObject({ alarms: 3, chattering: 0, stale: 0, floodShare: 0, priorityMix: { emergency: 2 / 3, general: 1 / 3, low: 0 } });
    const csv = await fetch(`${gw.httpUrl()}/api/stats.csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe(
      'number,createdAt,tier,source,fault,deviceId,building,floor,where,skill,status,assignee,takenMinutes,takenOnTime,dispatchedOnTime,arrivedMinutes,arrivedOnTime,resolvedMinutes,resolvedOnTime,rework,recheck,verification,rejectReason,complexity,retiered,pausedMinutes,offSiteReason,cause,action,materials,workers,callback,satisfaction',
    );
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.startsWith(b.number))).toContain(',rejected,"现场无水, ""误报"""');
    expect(lines.find((l) => l.startsWith(a.number))).toContain(`,resolved,${STAFF.engineer.name},`);
    // Local time of the site, as people read it: never ISO or UTC.
    expect(lines[1]?.split(',')[1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(csv.headers.get('content-disposition')).toMatch(/filename="tickets-\d{8}-\d{8}\.csv"/);
  });

  it('serves the staff pages and their files, and nothing else from disk', async () => {
    const gw = await startGateway();
    for (const p of ['/', '/patrol', '/engineering', '/desk', '/operator', '/reports', '/tickets/some-id']) {
      const res = await fetch(`${gw.httpUrl()}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
    }
    const js = await fetch(`${gw.httpUrl()}/static/patrol.js`);
    expect(js.headers.get('content-type')).toContain('javascript');
    // Every module of the pages is served: one left out of the list would break the page importing it.
    for (const f of readdirSync('gateway/web/static').filter((x) => x.endsWith('.js'))) expect((await fetch(`${gw.httpUrl()}/static/${f}`)).status, f).toBe(200);
    expect((await fetch(`${gw.httpUrl()}/static/..%2F..%2Fapp.ts`)).status).toBe(404);
    expect((await fetch(`${gw.httpUrl()}/static/index.ts`)).status).toBe(404);
    // The two libraries the pages use come from the gateway itself, and nothing else of node_modules.
    for (const v of ['lit-html/lit-html.js', 'lit-html/directives/repeat.js', 'uplot/uPlot.esm.js']) expect((await fetch(`${gw.httpUrl()}/vendor/${v}`)).status, v).toBe(200);
    expect((await fetch(`${gw.httpUrl()}/vendor/lit-html/package.json`)).status).toBe(404);
    expect((await fetch(`${gw.httpUrl()}/vendor/..%2F..%2Fpackage.json`)).status).toBe(404);
    const sw = await fetch(`${gw.httpUrl()}/sw.js`);
    expect(sw.headers.get('content-type')).toContain('javascript');
    expect(await sw.text()).toContain('"/patrol"');
    const icon = Buffer.from(await (await fetch(`${gw.httpUrl()}/static/icon-192.png`)).arrayBuffer());
    expect(icon.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(icon.readUInt32BE(16)).toBe(192);
  });
});
