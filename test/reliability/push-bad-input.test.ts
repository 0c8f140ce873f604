import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { SiteFileInput } from '../../gateway/config/site-schema.js';
import { pushOnce } from '../../simulators/http-push/http-pusher.js';
import { startInProcessGateway } from '../helpers/gateway-in-process.js';
import { secretLeaks } from '../helpers/log-secrets.js';

/** A seeded generator, so a failing input can be found again (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKEN = 'push-fuzz-token-0123456789';
const PUSHES = 3_000;

const site = (): Omit<SiteFileInput, 'dataDir' | 'site'> => ({
  broker: { mode: 'embedded', host: '127.0.0.1', port: 0 },
  http: { host: '127.0.0.1', port: 0 },
  devices: [
    {
      id: 'fp-fuzz',
      kind: 'fire-panel',
      name: '消防主机',
      location: { building: 'T1', floor: '1F', description: 'fuzz' },
      source: {
        protocol: 'http',
        token: { value: TOKEN },
        maxBodyBytes: 2048,
        rateLimit: { perSecond: 100_000, burst: 100_000 },
        points: [
          { id: 'level', decoder: { type: 'json', path: 'data.level' }, range: { min: 0, max: 100 } },
          { id: 'panel', kind: 'event', decoder: { type: 'json', path: 'event.code' }, textPath: 'event.text', raises: { FIRE: 'fire-panel-alarm' }, clears: { RESET: ['fire-panel-alarm'] } },
        ],
      },
    },
    {
      id: 'door-fuzz',
      kind: 'generic',
      name: '门磁',
      location: { building: 'T1', floor: '1F', description: 'fuzz' },
      source: { protocol: 'http', token: { value: `${TOKEN}-door` }, points: [{ id: 'open' }] },
    },
  ],
});

function fuzzBody(rnd: () => number): string | Buffer {
  const n = Math.floor(rnd() * 1e6) - 5e5;
  switch (Math.floor(rnd() * 12)) {
    case 0:
      return Buffer.from(Array.from({ length: Math.floor(rnd() * 256) }, () => Math.floor(rnd() * 256)));
    case 1:
      return '{"data":';
    case 2:
      return `{"data":{"level":${n}}}`;
    case 3:
      return '{"data":{"level":1e999}}';
    case 4:
      return `${'['.repeat(500)}${']'.repeat(500)}`;
    case 5:
      return '{"event":{"code":{"x":1}}}';
    case 6:
      return `{"event":{"code":"FIRE","text":"${'\\u0007火'.repeat(Math.floor(rnd() * 100))}"}}`;
    case 7:
      return '{"__proto__":{"level":1},"constructor":{"prototype":{"x":1}}}';
    case 8:
      return '';
    case 9:
      return 'x'.repeat(1500 + Math.floor(rnd() * 3000));
    case 10:
      return `{"event":{"code":"${String(n)}"}}`;
    default:
      return '{"data":{"level":42},"event":{"code":"RESET"}}';
  }
}

/** A body sent in chunks without a length, larger than the device's limit: read no further than it. */
function chunkedOverLimit(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${url}/ingest/fp-fuzz`, { method: 'POST', agent: false, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    for (let i = 0; i < 20; i++) req.write('x'.repeat(500));
    req.end();
  });
}

describe('HTTP push under hostile input', () => {
  it(`takes ${PUSHES} malformed pushes, wrong tokens and garbage on the wire without a crash, answering each and counting it`, async () => {
    const g = await startInProcessGateway(site(), { level: 'debug' });
    const rnd = prng(22);
    const statuses = new Map<number, number>();
    for (let i = 0; i < PUSHES; i++) {
      const body = fuzzBody(rnd);
      const a = await pushOnce(g.url, 'fp-fuzz', TOKEN, body, rnd() < 0.8 ? 'application/json' : 'text/plain');
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    }
    // Every push got an answer the contract allows; none took the gateway down.
    expect([...statuses.keys()].every((s) => [200, 400, 413].includes(s))).toBe(true);
    expect(await chunkedOverLimit(g.url)).toBe(413);
    // Garbage that is not HTTP at all: the connection is closed, nothing else happens.
    await new Promise<void>((resolve) => {
      const s = connect(Number(new URL(g.url).port), '127.0.0.1', () => s.end('\x00\x01GARBAGE / HTTP/9\r\n\r\n'));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
      s.resume();
    });
    // Wrong tokens for one device from one address end in 429 with Retry-After, the tokens not
    // tried; guesses at ids that do not exist share one key however they vary.
    const wrong = [];
    for (let i = 0; i < 6; i++) wrong.push(await pushOnce(g.url, 'fp-fuzz', `guess-${i}`, '{}'));
    expect(wrong.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429]);
    expect(wrong.at(-1)?.retryAfter).toEqual(expect.any(String));
    const unknown = [];
    for (let i = 0; i < 6; i++) unknown.push(await pushOnce(g.url, `nobody-${i}`, `guess-${i}`, '{}'));
    expect(unknown.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429]);
    // Another device pushing from the same address is not held with the one being guessed at.
    expect((await pushOnce(g.url, 'door-fuzz', `${TOKEN}-door`, '{"open":false}')).status).toBe(200);

    const st = g.gw.adapterStatuses().find((a) => a.kind === 'http');
    const bad = Object.values(st?.errors ?? {}).reduce((a, b) => a + b, 0);
    // Each refused push counted (the device's own and the wrong tokens).
    expect(bad).toBeGreaterThanOrEqual((statuses.get(400) ?? 0) + (statuses.get(413) ?? 0));
    expect((await fetch(`${g.url}/healthz`)).status).toBe(200);
    expect(secretLeaks(g.lines, [TOKEN])).toEqual([]);
  }, 240_000);
});
