import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildGateway } from '../../gateway/app.js';
import { systemClock } from '../../core/clock.js';
import { createRootLogger } from '../../core/log.js';
import { testSite } from '../helpers/site.js';
import { STAFF, staffUsers, type StaffMember } from '../helpers/staff.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A deterministic generator, so a failing run can be replayed with the same seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const REQUESTS = 3_000;

describe('staff API under abuse', () => {
  it('refuses thousands of malformed, unauthenticated and wrong-role writes without a crash, a change, a 5xx or a secret in the log', async () => {
    const logLines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
        done();
      },
    });
    const log = createRootLogger({ level: 'debug', destination: sink });
    const site = testSite({ dataDir: await tempDir(), users: staffUsers(), http: { host: '127.0.0.1', port: 0, bodyLimitBytes: 8192 } });
    const gw = await buildGateway(site, { clock: systemClock, log });
    await gw.start();
    onTestFinished(() => gw.stop());
    const url = gw.httpUrl()!;
    const ticket = await gw.tickets.raise({ fault: 'water-leak', device: site.devices[0]!, tier: 'emergency', skill: 'plumbing', title: { zh: '漏水', en: 'Leak' }, description: { zh: '漏水', en: 'Leak' } });

    const random = rng(20261123);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const junk = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(Math.floor(random() * 0x2fff))).join('');
    // Tokens of printable ASCII drawn at random: mapping junk's other characters to one letter made
    // nearly every guess start "yyyy", so the guesses shared one token prefix, which the sign-in
    // throttle holds for up to 2 s a guess (sign-in-throttle.ts). How many of those delays a run
    // met depended on how fast the machine ran it: 2.7 s alone, over 120 s beside other suites.
    const printable = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(0x21 + Math.floor(random() * 94))).join('');
    // Writes with the role that may NOT do them: each must be refused whatever the body.
    const wrongRole: Record<string, StaffMember[]> = { ack: ['patrol', 'farPatrol', 'operator'], confirm: ['engineer', 'operator', 'farPatrol'], reject: ['engineer', 'operator', 'farPatrol'], shelves: ['patrol', 'engineer'] };
    const bodies = [
      () => '{"note": ',
      () => JSON.stringify({ note: 42 }),
      () => JSON.stringify({ reason: '' }),
      () => JSON.stringify({ note: 'x', extra: junk(5) }),
      () => JSON.stringify({ note: 'x'.repeat(9000) }),
      () => junk(200),
      () => JSON.stringify([1, 2, 3]),
      () => 'null',
      () => JSON.stringify({ deviceId: junk(10), minutes: -1, reason: junk(3) }),
    ];
    let statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i++) {
      const route = pick(['ack', 'confirm', 'reject', 'shelves', 'notes', 'random']);
      const path =
        route === 'shelves' ? '/api/shelves' : route === 'random' ? `/api/${encodeURIComponent(junk(6))}/${encodeURIComponent(junk(4))}` : `/api/tickets/${pick([ticket.id, encodeURIComponent(junk(8)), '..%2F..%2Fstore.json'])}/${route === 'notes' ? 'notes' : route}`;
      const auth = pick(['none', 'garbage', 'wrong-role', 'bearer-junk']);
      const headers: Record<string, string> = { 'content-type': pick(['application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded']) };
      if (auth === 'garbage') headers['authorization'] = printable(20);
      if (auth === 'bearer-junk') headers['authorization'] = `Bearer ${printable(30)}`;
      if (auth === 'wrong-role') {
        const who = route in wrongRole ? pick(wrongRole[route]!) : null;
        if (who === null) headers['authorization'] = 'Bearer expired-token';
        else headers['authorization'] = `Bearer ${STAFF[who].token}`;
      }
      const res = await fetch(`${url}${path}`, { method: pick(['POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH']), headers, body: pick(bodies)() });
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    statuses = new Map([...statuses].sort((a, b) => a[0] - b[0]));
    // Nothing got through, nothing crashed.
    expect([...statuses.keys()].every((s) => s >= 400 && s < 500), JSON.stringify([...statuses])).toBe(true);
    expect(statuses.get(401) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(403) ?? 0).toBeGreaterThan(0);
    expect(gw.tickets.get(ticket.id)?.version).toBe(1);
    expect(gw.pipeline.shelves()).toEqual([]);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // Each refusal is counted.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const counted = [...metrics.matchAll(/^gateway_api_rejected_total\{status="(\d+)"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[2]), 0);
    expect(counted).toBe(REQUESTS);
    // No token of any staff member appears in any log line of the run.
    const tokens = Object.values(STAFF).map((s) => s.token);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((l) => tokens.some((t) => l.includes(t)))).toEqual([]);
  });
});
