import { Child } from './child.js';
import type { PublisherIn, PublisherOut } from './publisher-protocol.js';
import { meterPayloads, type LoadDevice } from './sites.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Load publishers in separate processes, each with its share of the devices. */
export class LoadPublishers {
  readonly #children: Child<PublisherIn, PublisherOut>[];

  private constructor(children: Child<PublisherIn, PublisherOut>[]) {
    this.#children = children;
  }

  static async connect(port: number, devices: readonly LoadDevice[], processes: number): Promise<LoadPublishers> {
    const pointIds = new Set(devices.flatMap((d) => d.topics.map((t) => t.slice(t.lastIndexOf('/') + 1))));
    const payloads = Object.fromEntries([...pointIds].map((p) => [p, meterPayloads(p)]));
    const children = Array.from({ length: processes }, () => new Child<PublisherIn, PublisherOut>('publisher.js'));
    children.forEach((c, i) => c.send({ kind: 'connect', port, devices: devices.filter((_, j) => j % processes === i), payloads }));
    // Each session's packets are built as it logs in: about 1.5 ms a device on a busy machine.
    const acks = await Promise.all(children.map((c) => c.next('connected', 60_000 + devices.length * 10)));
    const refused = acks.reduce((n, a) => n + a.refused, 0);
    if (refused > 0) throw new Error(`${refused} load devices were refused by the broker`);
    return new LoadPublishers(children);
  }

  /** Total QoS 0 rate over all processes; null = closed loop, `window` batches in flight per session; `burst` > 1: a device's points in one write (see publisher.ts). */
  go(ratePerSecond: number | null, window = 2, burst = 1): void {
    for (const c of this.#children) c.send({ kind: 'go', ratePerSecond: ratePerSecond === null ? null : ratePerSecond / this.#children.length, window, burst });
  }

  /** Stops publishing (paced mode), keeps the sessions; returns how many were written so far in all. */
  async pause(): Promise<number> {
    for (const c of this.#children) c.send({ kind: 'pause' });
    const done = await Promise.all(this.#children.map((c) => c.next('paused')));
    return done.reduce((n, d) => n + d.sent, 0);
  }

  /** Stops publishing, closes the sessions, ends the processes; returns how many were written. */
  async stop(): Promise<number> {
    for (const c of this.#children) c.send({ kind: 'stop' });
    const done = await Promise.all(this.#children.map((c) => c.next('stopped')));
    await Promise.all(this.#children.map((c) => c.exit()));
    return done.reduce((n, d) => n + d.sent, 0);
  }
}
