import { request, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildGateway, type Gateway } from '../../gateway/app.js';
import { systemClock } from '../../core/clock.js';
import { createRootLogger } from '../../core/log.js';
import type { SiteFileInput } from '../../gateway/config/site-schema.js';
import { closed } from '../helpers/raw-mqtt.js';
import { testSite } from '../helpers/site.js';
import { STAFF, bearer, staffUsers } from '../helpers/staff.js';
import { makeTestPki } from '../helpers/test-pki.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request from a chosen loopback address (127.0.0.x are all this machine on Linux). */
function call(url: string, path: string, o: { from?: string; method?: string; headers?: Record<string, string>; body?: string; ca?: Buffer } = {}): Promise<Answer> {
  const u = new URL(path, url);
  const make = u.protocol === 'https:' ? httpsRequest : request;
  return new Promise((resolve, reject) => {
    const req = make(u, { method: o.method ?? 'GET', headers: { ...(o.body === undefined ? {} : { 'content-type': 'application/json' }), ...o.headers }, localAddress: o.from ?? '127.0.0.1', agent: false, ...(o.ca === undefined ? {} : { ca: o.ca }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A live-stream request left open; resolves with its status once the headers arrive. */
function openStream(url: string, from: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/api/events', url), { localAddress: from, agent: false }, (res) => {
      resolve(res.statusCode ?? 0);
      if (res.statusCode !== 200) res.resume();
    });
    onTestFinished(() => void req.destroy());
    req.on('error', reject);
    req.end();
  });
}

async function startGateway(http: SiteFileInput['http'] = {}): Promise<{ gw: Gateway; url: string; logLines: string[] }> {
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  const site = testSite({ dataDir: await tempDir(), users: staffUsers(), http: { host: '127.0.0.1', port: 0, ...http } });
  const gw = await buildGateway(site, { clock: systemClock, log: createRootLogger({ level: 'info', destination: sink }) });
  await gw.start();
  onTestFinished(() => gw.stop());
  return { gw, url: gw.httpUrl() ?? '', logLines };
}

function rawSocket(url: string, from: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ port: Number(u.port), host: u.hostname, localAddress: from }, () => resolve(s));
    s.on('error', reject);
    // Read, so the gateway closing its end is seen here.
    s.resume();
    onTestFinished(() => void s.destroy());
  });
}

function metricValue(text: string, name: string, labels: string): number {
  const m = new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

async function raiseLeak(gw: Gateway): Promise<string> {
  const device = gw.site.devices[0]!;
  const t = await gw.tickets.raise({ fault: 'water-leak', device, tier: 'emergency', skill: 'plumbing', title: { zh: '漏水', en: 'Leak' }, description: { zh: '漏水', en: 'Leak' } });
  return t.id;
}

describe('the HTTP API and pages against a hostile client on the LAN', () => {
  it('caps connections per address and cuts idle and slowloris sockets, and staff still get in', async () => {
    const { url } = await startGateway({ headersTimeoutSeconds: 1, requestTimeoutSeconds: 2, idleTimeoutSeconds: 2, maxConnectionsPerAddress: 8 });
    const sockets = await Promise.all(Array.from({ length: 14 }, () => rawSocket(url, '127.0.0.3')));
    for (const s of sockets) s.on('error', () => undefined);
    // A slowloris: headers one byte at a time, never finished.
    const slow = await rawSocket(url, '127.0.0.4');
    slow.on('error', () => undefined);
    slow.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => void (slow.destroyed || slow.write('X')), 200);
    onTestFinished(() => clearInterval(drip));
    // Another address is not held back by the one hoarding sockets.
    expect((await call(url, '/healthz', { from: '127.0.0.5' })).status).toBe(200);
    await Promise.all([...sockets, slow].map((s) => closed(s)));
    const metrics = (await call(url, '/metrics')).body;
    expect(metricValue(metrics, 'gateway_api_refused_total', 'what="connection"')).toBe(6);
    expect((await call(url, '/healthz', { from: '127.0.0.3' })).status).toBe(200);
  });

  it('caps live-stream clients per address and in all', async () => {
    const { url } = await startGateway({ maxLiveClients: 3, maxLiveClientsPerAddress: 2 });
    expect(await openStream(url, '127.0.0.1')).toBe(200);
    expect(await openStream(url, '127.0.0.1')).toBe(200);
    expect(await openStream(url, '127.0.0.1')).toBe(503);
    expect(await openStream(url, '127.0.0.2')).toBe(200);
    expect(await openStream(url, '127.0.0.3')).toBe(503);
    const busy = await call(url, '/api/events', { from: '127.0.0.4' });
    expect(busy.status).toBe(503);
    expect(JSON.parse(busy.body)).toMatchObject({ error: { code: 'GW_API_BUSY' } });
    expect(metricValue((await call(url, '/metrics')).body, 'gateway_api_refused_total', 'what="live-stream"')).toBe(3);
  });

  it('slows token guessing per address (429, counted) while staff elsewhere, even with the same token prefix, still sign in', async () => {
    const { gw, url, logLines } = await startGateway();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const guess = `tok-${i.toString(36)}-guess`;
      const res = await call(url, '/api/me', { from: '127.0.0.7', headers: { authorization: `Bearer ${guess}` } });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    const held = await call(url, '/api/me', { from: '127.0.0.7', headers: bearer('engineer') });
    expect(held.status).toBe(429);
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    // Guesses at one prefix from many addresses: each address is held after its own five, and the
    // prefix `tok-` (25 failures, over its 20 free) delays the next sign-ins that present it.
    for (let a = 10; a < 14; a++) for (let i = 0; i < 5; i++) await call(url, '/api/me', { from: `127.0.0.${a}`, headers: { authorization: `Bearer tok-x${a}-${i}` } });
    // A real engineer, whose token shares the guessed prefix `tok-`, gets in (delayed by at most a bounded moment).
    const me = await call(url, '/api/me', { from: '127.0.0.2', headers: bearer('engineer') });
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ user: { id: STAFF.engineer.id } });
    const metrics = (await call(url, '/metrics')).body;
    expect(metricValue(metrics, 'gateway_api_sign_in_throttle_total', 'result="failed"')).toBe(25);
    expect(metricValue(metrics, 'gateway_api_sign_in_throttle_total', 'result="refused"')).toBe(36);
    expect(metricValue(metrics, 'gateway_api_sign_in_throttle_total', 'result="delayed"')).toBeGreaterThan(0);
    expect(logLines.filter((l) => l.includes('tok-'))).toEqual([]);
    void gw;
  });

  it('checks the building scope on every write, notes included', async () => {
    const { gw, url } = await startGateway();
    const id = await raiseLeak(gw);
    const far = await call(url, `/api/tickets/${id}/notes`, { method: 'POST', headers: bearer('farPatrol'), body: JSON.stringify({ note: '不是我的楼' }) });
    expect(far.status).toBe(403);
    expect(JSON.parse(far.body)).toMatchObject({ error: { code: 'GW_API_FORBIDDEN' } });
    expect(gw.tickets.get(id)?.history.some((h) => JSON.stringify(h).includes('不是我的楼'))).toBe(false);
    const near = await call(url, `/api/tickets/${id}/notes`, { method: 'POST', headers: bearer('patrol'), body: JSON.stringify({ note: '已到场查看' }) });
    expect(near.status).toBe(200);
  });

  it('answers 404 for static names an object inherits, without logging an error', async () => {
    const { url, logLines } = await startGateway();
    for (const name of ['constructor', '__proto__', 'hasOwnProperty', 'toString', 'valueOf']) {
      expect((await call(url, `/static/${name}`)).status, `/static/${name}`).toBe(404);
      expect((await call(url, `/vendor/${name}`)).status, `/vendor/${name}`).toBe(404);
    }
    expect((await call(url, '/static/words.js')).status).toBe(200);
    expect(logLines.filter((l) => l.includes('"level":50') || l.includes('api.error'))).toEqual([]);
  });

  it('sends a strict Content-Security-Policy and the usual headers on pages, files, the API and the live stream', async () => {
    const { url } = await startGateway();
    for (const path of ['/patrol', '/tickets/x', '/static/words.js', '/api/tickets', '/nope']) {
      const h = (await call(url, path)).headers;
      expect(h['content-security-policy'], path).toContain("frame-ancestors 'none'");
      expect(h['content-security-policy'], path).toContain("script-src 'self'");
      expect(h['x-frame-options'], path).toBe('DENY');
      expect(h['x-content-type-options'], path).toBe('nosniff');
      expect(h['referrer-policy'], path).toBe('no-referrer');
    }
    const stream = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
      const req = request(new URL('/api/events', url), { agent: false }, (res) => resolve(res.headers));
      onTestFinished(() => void req.destroy());
      req.on('error', reject);
      req.end();
    });
    expect(stream['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('serves HTTPS with the certificate files named in the site file', async () => {
    const pki = await makeTestPki(await tempDir());
    const { url } = await startGateway({ tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile } });
    expect(url.startsWith('https://')).toBe(true);
    const ca = await pki.read(pki.caFile);
    expect((await call(url, '/healthz', { ca })).status).toBe(200);
    await expect(call(url, '/healthz', { ca: await pki.read(pki.otherCaFile) })).rejects.toThrow();
    await expect(call(url.replace('https://', 'http://'), '/healthz')).rejects.toThrow();
    await vi.waitFor(async () => expect((await call(url, '/api/me', { ca, headers: bearer('engineer') })).status).toBe(200));
  });
});
