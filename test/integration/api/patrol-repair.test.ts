import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildGateway, type Gateway } from '../../../gateway/app.js';
import { systemClock } from '../../../core/clock.js';
import { localMidnight } from '../../../core/local-time.js';
import { silentLogger } from '../../../core/log.js';
import type { AlertFacts } from '../../../gateway/notify/alert-facts.js';
import type { Attachment, Ticket } from '../../../gateway/tickets/ticket.js';
import { createCentralService } from '../../../simulators/central/index.js';
import { pngPhoto } from '../../helpers/photo.js';
import { testSite } from '../../helpers/site.js';
import { bearer, staffUsers, STAFF, type StaffMember } from '../../helpers/staff.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { webhookServer } from '../../helpers/webhook-server.js';

/** A gateway with the reference central service and a webhook channel, both on 127.0.0.1. */
async function setup() {
  const central = createCentralService({ tokens: ['good-token'], progress: false });
  const centralUrl = await central.start(0);
  onTestFinished(() => central.stop());
  const hook = await webhookServer();
  const base = testSite();
  const site = testSite({
    dataDir: await tempDir(),
    http: { host: '127.0.0.1', port: 0, publicUrl: 'https://gw.site.lan' },
    users: staffUsers(),
    central: { url: centralUrl, token: { value: 'good-token' }, pollSeconds: 0.2, timeoutMs: 2000 },
    attachments: { maxBytes: 200_000 },
    notify: { channels: [{ id: 'team', type: 'webhook', url: { value: `${hook.url}/team` }, retries: 0 }] },
    devices: [{ ...base.devices[0]!, location: { ...base.devices[0]!.location, publicArea: true } }],
  });
  const gw = await buildGateway(site, { clock: systemClock, log: silentLogger() });
  await gw.start();
  onTestFinished(() => gw.stop());
  const url = gw.httpUrl()!;
  const api = async (method: string, path: string, who: StaffMember, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { ...bearer(who), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
  };
  const upload = async (bytes: Buffer, who: StaffMember = 'patrol', type = 'image/png') => {
    const res = await fetch(`${url}/api/attachments`, { method: 'POST', headers: { ...bearer(who), 'content-type': type }, body: bytes });
    return { status: res.status, body: (await res.json()) as { attachment?: Attachment; error?: { message: string } } };
  };
  const alerts = (ticketId: string) => hook.received.flatMap((r) => (r.body['alerts'] as AlertFacts[] | undefined) ?? []).filter((a) => a.ticketId === ticketId);
  return { gw, url, api, upload, central, alerts };
}

const synced = (gw: Gateway) => vi.waitFor(() => expect(gw.store.data.outbox).toEqual([]), { timeout: 10_000, interval: 20 });

describe('patrol-found tickets, photos and the re-check', () => {
  it('raises a patrol-found ticket with its photo, alerts it like any other, and syncs the photo to central before the ticket', async () => {
    const s = await setup();
    const photo = pngPhoto(120, 90);
    const up = await s.upload(photo);
    expect(up.status).toBe(201);
    const a = up.body.attachment!;
    expect(a).toMatchObject({ contentType: 'image/png', bytes: photo.length, sha256: createHash('sha256').update(photo).digest('hex'), by: STAFF.patrol.id });
    const made = await s.api('POST', '/api/tickets', 'patrol', {
      place: { building: 'T1', floor: '3F', description: '3 楼东侧走廊' },
      fault: 'water-leak',
      faultText: '吊顶滴水',
      publicArea: true,
      photos: [a.id],
    });
    expect(made.status).toBe(201);
    const t = made.body['ticket'] as Ticket;
    expect(t).toMatchObject({ source: 'patrol', reporter: { id: STAFF.patrol.id, name: STAFF.patrol.name }, tier: 'general', publicArea: true, location: { building: 'T1', floor: '3F' } });
    expect(t.title.zh).toContain('巡检发现');
    expect(t.attachments).toEqual([expect.objectContaining({ id: a.id, purpose: 'report' })]);
    expect(t.history[0]).toMatchObject({ actor: `user:${STAFF.patrol.id}`, action: 'raised', photos: [a.id] });
    // The photo is served back to the pages, byte for byte.
    const served = await fetch(`${s.url}/api/attachments/${a.id}`);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(photo)).toBe(true);
    // It alerts like a sensor's ticket.
    await vi.waitFor(() => expect(s.alerts(t.id).map((x) => x.kind)).toEqual(['raised']));
    // Central has the photo, and the ticket naming it.
    await synced(s.gw);
    const got = s.central.attachment(s.gw.site.site.id, a.id);
    expect(got?.sha256).toBe(a.sha256);
    expect(got?.bytes.equals(photo)).toBe(true);
    const atCentral = s.central.tickets().find((x) => x.id === t.id);
    expect(atCentral?.['source']).toBe('patrol');
    expect((atCentral?.['attachments'] as { id: string }[]).map((x) => x.id)).toEqual([a.id]);
  });

  it('refuses what is not a photo, one too large, a report without a photo or a place, and a building outside the patrol', async () => {
    const s = await setup();
    expect((await s.upload(Buffer.from('<html>not a photo</html>'))).status).toBe(400);
    // Any member of staff may photograph a fault they found (the grab-order flow: 物业全体员工).
    expect((await s.upload(pngPhoto(400, 400), 'operator')).status).toBe(201);
    const big = Buffer.concat([pngPhoto(8, 8), Buffer.alloc(250_000)]);
    expect((await s.upload(big)).status).toBe(413);
    const ok = (await s.upload(pngPhoto())).body.attachment!;
    const bad = async (body: unknown, who: StaffMember = 'patrol') => s.api('POST', '/api/tickets', who, body);
    expect((await bad({ place: { building: 'T1', floor: '1F', description: '大堂' }, fault: 'water-leak', publicArea: true, photos: [] })).body.error?.message).toContain('photos');
    expect((await bad({ fault: 'water-leak', publicArea: true, photos: [ok.id] })).body.error?.message).toContain('place');
    expect((await bad({ place: { building: 'T1', floor: '1F', description: '大堂' }, fault: 'other', publicArea: true, photos: [ok.id] })).body.error?.message).toContain('faultText');
    expect((await bad({ place: { building: 'T1', floor: '1F', description: '大堂' }, fault: 'water-leak', publicArea: true, photos: ['00000000-0000-4000-8000-000000000000'] })).body.error?.message).toContain('take it again');
    const far = await bad({ place: { building: 'T1', floor: '1F', description: '大堂' }, fault: 'water-leak', publicArea: true, photos: [ok.id] }, 'farPatrol');
    expect(far.status).toBe(403);
    expect(s.gw.tickets.all()).toEqual([]);
  });

  it('answers a report sent again with the same clientRef (a reply lost to a restart) with the ticket already raised', async () => {
    const s = await setup();
    const a = (await s.upload(pngPhoto())).body.attachment!;
    const body = { deviceId: 'leak-1', fault: 'water-leak', publicArea: true, photos: [a.id], clientRef: 'k3j9-2f8a7c1e' };
    const first = await s.api('POST', '/api/tickets', 'patrol', body);
    expect(first.status).toBe(201);
    const again = await s.api('POST', '/api/tickets', 'patrol', body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ changed: false, ticket: { id: (first.body['ticket'] as Ticket).id } });
    expect(s.gw.tickets.all()).toHaveLength(1);
  });

  it('keeps a photo uploaded before a restart usable by the report sent after it', async () => {
    const s = await setup();
    const a = (await s.upload(pngPhoto())).body.attachment!;
    await s.gw.stop();
    const again = await buildGateway(s.gw.site, { clock: systemClock, log: silentLogger() });
    await again.start();
    onTestFinished(() => again.stop());
    const res = await fetch(`${again.httpUrl()}/api/tickets`, {
      method: 'POST',
      headers: { ...bearer('patrol'), 'content-type': 'application/json' },
      body: JSON.stringify({ deviceId: 'leak-1', fault: 'water-leak', publicArea: true, photos: [a.id] }),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { ticket: Ticket }).ticket.attachments).toEqual([expect.objectContaining({ id: a.id, sha256: a.sha256 })]);
  });

  it('lists a resolved public-area repair for re-check; a fail needs a reason, reopens it and alerts the team again; a pass closes it', async () => {
    const s = await setup();
    const t = await s.gw.tickets.raise({ fault: 'water-leak', device: s.gw.site.devices[0]!, tier: 'general', skill: 'plumbing', title: { zh: '漏水', en: 'Leak' }, description: { zh: '漏水', en: 'Leak' } });
    await s.api('POST', `/api/tickets/${t.id}/take`, 'engineer', {});
    await s.api('POST', `/api/tickets/${t.id}/arrive`, 'engineer', {});
    const fixPhoto = (await s.upload(pngPhoto(32, 32, [10, 200, 10]), 'engineer')).body.attachment!;
    const resolved = await s.api('POST', `/api/tickets/${t.id}/resolve`, 'engineer', { note: '更换密封圈', photos: [fixPhoto.id] });
    expect(resolved.body['ticket']).toMatchObject({ status: 'resolved', recheck: { state: 'due' }, attachments: [expect.objectContaining({ purpose: 'resolve' })] });
    const due = await s.api('GET', '/api/tickets?status=recheck', 'patrol');
    expect((due.body['tickets'] as Ticket[]).map((x) => x.id)).toEqual([t.id]);
    expect((await s.api('POST', `/api/tickets/${t.id}/recheck`, 'patrol', { result: 'fail' })).status).toBe(400);
    const proof = (await s.upload(pngPhoto(32, 32, [200, 10, 10]))).body.attachment!;
    const failed = await s.api('POST', `/api/tickets/${t.id}/recheck`, 'patrol', { result: 'fail', reason: '仍在渗水', photos: [proof.id] });
    expect(failed.body['ticket']).toMatchObject({ status: 'reopened', assignee: null, recheck: { state: 'failed' } });
    await vi.waitFor(() => expect(s.alerts(t.id).map((x) => x.kind)).toEqual(['raised', 'reopened']));
    expect(s.alerts(t.id)[1]?.detail?.zh).toContain('仍在渗水');
    // Taken, resolved again, and this time the re-check passes.
    await s.api('POST', `/api/tickets/${t.id}/take`, 'engineer2', {});
    await s.api('POST', `/api/tickets/${t.id}/arrive`, 'engineer2', {});
    await s.api('POST', `/api/tickets/${t.id}/resolve`, 'engineer2', { note: '更换整段水管' });
    const passed = await s.api('POST', `/api/tickets/${t.id}/recheck`, 'patrol', { result: 'pass' });
    expect(passed.body['ticket']).toMatchObject({ status: 'closed', recheck: { state: 'passed' } });
    expect(((await s.api('GET', '/api/tickets?status=recheck', 'patrol')).body['tickets'] as Ticket[])).toEqual([]);
    await synced(s.gw);
    expect(s.central.tickets().find((x) => x.id === t.id)?.['status']).toBe('closed');
    expect(s.central.attachment(s.gw.site.site.id, proof.id)?.sha256).toBe(proof.sha256);
  });

  it('cuts the daily and monthly reports at the site-local midnight, as JSON and CSV', async () => {
    const s = await setup();
    const t = await s.gw.tickets.raise({ fault: 'water-leak', device: s.gw.site.devices[0]!, tier: 'emergency', skill: 'plumbing', title: { zh: '漏水', en: 'Leak' }, description: { zh: '漏水', en: 'Leak' } });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(Date.now());
    const [y, m, d] = today.split('-').map(Number) as [number, number, number];
    const daily = await s.api('GET', `/api/reports/daily?date=${today}`, 'operator');
    expect(daily.body).toMatchObject({ date: today, from: localMidnight(y, m, d, 'Asia/Shanghai'), to: localMidnight(y, m, d + 1, 'Asia/Shanghai') });
    expect(daily.body['from']).toBe(Date.UTC(y, m - 1, d) - 8 * 3_600_000);
    expect((daily.body['stats'] as { tickets: { total: number } }).tickets.total).toBe(1);
    expect((daily.body['open'] as { id: string }[]).map((x) => x.id)).toEqual([t.id]);
    const yesterday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(Date.now() - 86_400_000);
    expect(((await s.api('GET', `/api/reports/daily?date=${yesterday}`, 'operator')).body['stats'] as { tickets: { total: number } }).tickets.total).toBe(0);
    const monthly = await s.api('GET', `/api/reports/monthly?month=${today.slice(0, 7)}`, 'operator');
    expect(monthly.body['byDay']).toEqual({ [today]: { total: 1, emergency: 1 } });
    const csv = await fetch(`${s.url}/api/reports/daily.csv?date=${today}`);
    expect(csv.headers.get('content-disposition')).toContain(`daily-${today}.csv`);
    expect((await csv.text()).split('\r\n')[1]).toContain(t.number);
    expect((await s.api('GET', '/api/reports/daily?date=yesterday', 'operator')).status).toBe(400);
  });
});
