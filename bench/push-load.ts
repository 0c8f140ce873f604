/**
 * A child process that pushes to the gateway's `/ingest/{deviceId}` as fast as `concurrency`
 * keep-alive connections allow, round-robin over the devices, until told to stop; its CPU is its
 * own, so the gateway's is measured alone. Every answer that is not 200 is counted.
 */
import { Agent, request } from 'node:http';
import { parentPort } from './child.js';

export type PushLoadIn =
  | { kind: 'start'; url: string; devices: { id: string; token: string }[]; bodies: string[]; concurrency: number }
  | { kind: 'stop' };
export type PushLoadOut = { kind: 'started' } | { kind: 'stopped'; pushes: number; refused: number; failed: number };

let running = false;
let pushes = 0;
let refused = 0;
let failed = 0;
const inflight = new Set<Promise<void>>();

const send = parentPort<PushLoadIn, PushLoadOut>(async (m) => {
  if (m.kind === 'start') {
    running = true;
    const agent = new Agent({ keepAlive: true, maxSockets: m.concurrency });
    let next = 0;
    const one = (): Promise<void> =>
      new Promise((resolve) => {
        const i = next++;
        const d = m.devices[i % m.devices.length];
        const body = m.bodies[i % m.bodies.length] ?? '{}';
        if (d === undefined) return resolve();
        const req = request(`${m.url}/ingest/${d.id}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${d.token}` } }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) pushes++;
            else refused++;
            resolve();
          });
        });
        req.on('error', () => {
          failed++;
          resolve();
        });
        req.end(body);
      });
    const lane = async (): Promise<void> => {
      while (running) await one();
    };
    for (let c = 0; c < m.concurrency; c++) {
      const p = lane();
      inflight.add(p);
    }
    send({ kind: 'started' });
    return;
  }
  running = false;
  await Promise.all([...inflight]);
  send({ kind: 'stopped', pushes, refused, failed });
  process.exit(0);
});
