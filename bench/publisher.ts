/**
 * A load publisher in its own process: connects one MQTT session per device with that device's
 * credentials, then publishes pre-encoded readings on each device's own topics, either
 * - closed loop: batches of QoS 0 readings, each ending with one QoS 1 reading as a marker. The
 *   broker handles a session's packets in order, so the marker's PUBACK says the whole batch was
 *   taken; with a window of batches in flight per session the backlog stays bounded (no event-loop
 *   starvation from megabytes queued in socket buffers) and the rate measured is what the broker
 *   side sustains, without paying one PUBACK syscall per reading; or
 * - paced: QoS 0 at a given total rate (background traffic).
 */
import { connect, type Socket } from 'node:net';
import { parentPort } from './child.js';
import { DISCONNECT, PUBACK_BYTES, connackCode, connectPacket, publishPacket, publishQos1Packet } from './mqtt-wire.js';
import type { PublisherIn, PublisherOut } from './publisher-protocol.js';

interface Session {
  readonly socket: Socket;
  /** Made for the mode `go` asks for, not at login: 25,000 sessions log in twice as fast. */
  readonly packets: SessionPackets;
  next: number;
  /** Bytes of a partial PUBACK left over from the last chunk. */
  partial: number;
}

const PACKETS_PER_SESSION = 64;
const LOGINS_AT_ONCE = 16;
/** Readings per batch (the last one at QoS 1). */
export const BATCH = 32;
/** Distinct marker ids per session: more than the window, so an id is never reused while in flight. */
const BATCHES_PER_SESSION = 8;
let sessions: Session[] = [];
let sent = 0;
let running = false;
let pacer: NodeJS.Timeout | null = null;

const send = parentPort<PublisherIn, PublisherOut>(async (m) => {
  switch (m.kind) {
    case 'connect': {
      // A few logins at a time, as devices on many addresses would arrive: the broker bounds the
      // connections waiting to log in per address (broker.maxPendingLoginsPerAddress).
      const results: (Session | null)[] = [];
      for (let i = 0; i < m.devices.length; i += LOGINS_AT_ONCE) {
        results.push(...(await Promise.all(m.devices.slice(i, i + LOGINS_AT_ONCE).map((d) => open(m.port, d.id, d.username, d.password, d.topics, m.payloads)))));
      }
      sessions = results.filter((s): s is Session => s !== null);
      send({ kind: 'connected', accepted: sessions.length, refused: results.length - sessions.length });
      return;
    }
    case 'go':
      running = true;
      if (m.ratePerSecond === null) for (const s of sessions) closedLoop(s, m.window);
      else paced(m.ratePerSecond, (m.burst ?? 1) > 1);
      return;
    case 'pause':
      running = false;
      if (pacer !== null) clearInterval(pacer);
      pacer = null;
      send({ kind: 'paused', sent });
      return;
    case 'stop':
      running = false;
      if (pacer !== null) clearInterval(pacer);
      for (const s of sessions) s.socket.end(DISCONNECT);
      await new Promise((r) => setTimeout(r, 200));
      for (const s of sessions) s.socket.destroy();
      send({ kind: 'stopped', sent });
      process.disconnect();
      return;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});

/** A session's pre-encoded readings, each kind made the first time it is used. */
class SessionPackets {
  #qos0: Buffer[] | null = null;
  #sets: Buffer[] | null = null;
  #batches: Buffer[] | null = null;

  constructor(
    private readonly topics: readonly string[],
    private readonly payloads: Readonly<Record<string, readonly string[]>>,
  ) {}

  /** QoS 0 packets, every point in turn with varying values. */
  get qos0(): readonly Buffer[] {
    this.#qos0 ??= Array.from({ length: PACKETS_PER_SESSION }, (_, k) => publishPacket(...this.#reading(k)));
    return this.#qos0;
  }

  /** The same packets a device's whole set of topics at a time (one reading of each point), for paced bursts. */
  get sets(): readonly Buffer[] {
    const qos0 = this.qos0;
    const n = this.topics.length;
    this.#sets ??= Array.from({ length: Math.floor(PACKETS_PER_SESSION / n) }, (_, g) => Buffer.concat(qos0.slice(g * n, (g + 1) * n)));
    return this.#sets;
  }

  get setSize(): number {
    return this.topics.length;
  }

  /** Batches of BATCH - 1 QoS 0 packets and one QoS 1 marker, packet ids 1..n, used in turn. */
  get batches(): readonly Buffer[] {
    this.#batches ??= Array.from({ length: BATCHES_PER_SESSION }, (_, b) => {
      const parts = Array.from({ length: BATCH - 1 }, (_, k) => publishPacket(...this.#reading(b * BATCH + k)));
      return Buffer.concat([...parts, publishQos1Packet(...this.#reading(b * BATCH + BATCH - 1), b + 1)]);
    });
    return this.#batches;
  }

  #reading(k: number): [string, string] {
    const topic = this.topics[k % this.topics.length] ?? '';
    const variants = this.payloads[topic.slice(topic.lastIndexOf('/') + 1)] ?? ['{"value":0}'];
    return [topic, variants[Math.floor(k / this.topics.length) % variants.length] ?? '{"value":0}'];
  }
}

function open(port: number, id: string, username: string, password: string, topics: readonly string[], payloads: Readonly<Record<string, readonly string[]>>): Promise<Session | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => resolve(null));
    socket.once('connect', () => socket.write(connectPacket(`load-${id}`, username, password)));
    socket.once('data', (data) => {
      if (connackCode(data) !== 0) {
        socket.destroy();
        return resolve(null);
      }
      resolve({ socket, packets: new SessionPackets(topics, payloads), next: 0, partial: 0 });
    });
  });
}

/** Keeps `window` batches unacknowledged: each marker's PUBACK lets one more batch go. */
function closedLoop(s: Session, window: number): void {
  const put = (n: number): void => {
    for (let i = 0; i < n; i++) s.socket.write(s.packets.batches[s.next++ % s.packets.batches.length] as Buffer);
    sent += n * BATCH;
  };
  s.socket.on('data', (chunk: Buffer) => {
    const bytes = s.partial + chunk.length;
    const acks = Math.floor(bytes / PUBACK_BYTES);
    s.partial = bytes % PUBACK_BYTES;
    if (running && acks > 0) put(acks);
  });
  put(window);
}

/**
 * A total rate spread round-robin over the sessions at QoS 0, caught up every 5 ms from the elapsed
 * time; with `sets`, each write is one reading of each of a device's points (a meter sends its 4
 * points together), so the publishers spend a syscall per device report, not per reading.
 */
function paced(ratePerSecond: number, sets: boolean): void {
  for (const s of sessions) s.socket.resume();
  const start = performance.now();
  const base = sent;
  let i = 0;
  pacer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) * ratePerSecond) / 1000) - (sent - base);
    for (let n = 0; n < due && running; ) {
      const s = sessions[i++ % sessions.length];
      if (s === undefined) return;
      if (sets && s.packets.sets.length > 0) {
        const set = s.packets.sets[s.next++ % s.packets.sets.length] as Buffer;
        s.socket.write(set);
        n += s.packets.setSize;
        sent += s.packets.setSize;
      } else {
        s.socket.write(s.packets.qos0[s.next++ % s.packets.qos0.length] as Buffer);
        n += 1;
        sent += 1;
      }
    }
  }, 5);
}
