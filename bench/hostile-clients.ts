/**
 * Hostile clients on the LAN, in a process of their own (`measureHostile`): raw sockets on the
 * broker and the HTTP port, from many loopback addresses (127.0.0.x is this machine on Linux),
 * each reopened when the gateway closes it, so the pressure lasts the whole run:
 * - MQTT: a CONNECT declaring 100 MB then streamed, a silent socket, a CONNECT dripped a byte a second;
 * - HTTP: a silent socket, a slowloris (headers a byte a second), a token guesser on keep-alive.
 */
import { connect, type Socket } from 'node:net';
import { parentPort } from './child.js';

export type HostileIn = { readonly kind: 'start'; readonly mqttPort: number; readonly httpPort: number; readonly mqtt: number; readonly http: number; readonly addresses: number } | { readonly kind: 'stop' };
export type HostileOut = { readonly kind: 'ready'; readonly open: number } | { readonly kind: 'stopped'; readonly open: number; readonly opened: number; readonly closedByGateway: number };

type Kind = 'mqtt-huge' | 'mqtt-idle' | 'mqtt-drip' | 'http-idle' | 'http-slowloris' | 'http-guess';
const MQTT_KINDS: Kind[] = ['mqtt-huge', 'mqtt-idle', 'mqtt-drip'];
const HTTP_KINDS: Kind[] = ['http-idle', 'http-slowloris', 'http-guess'];
const CHUNK = Buffer.alloc(16 * 1024, 0x41);

let running = false;
let opened = 0;
let closedByGateway = 0;
const open = new Set<Socket>();
const timers = new Set<NodeJS.Timeout>();

function every(ms: number, fn: () => void): NodeJS.Timeout {
  const t = setInterval(fn, ms);
  timers.add(t);
  return t;
}

function attack(kind: Kind, port: number, from: string): void {
  if (!running) return;
  const s = connect({ port, host: '127.0.0.1', localAddress: from });
  let drip: NodeJS.Timeout | null = null;
  s.on('error', () => undefined);
  s.on('data', (d: Buffer) => {
    // The guesser sends its next wrong token as soon as an answer (401 or 429) comes back.
    if (kind === 'http-guess' && d.includes('HTTP/1.1')) s.write(guess());
  });
  s.on('close', () => {
    if (drip !== null) clearInterval(drip);
    if (open.delete(s) && running) closedByGateway += 1;
    // Reopened after a moment, as a persistent attacker would.
    if (running) timers.add(setTimeout(() => attack(kind, port, from), 200));
  });
  s.on('connect', () => {
    opened += 1;
    open.add(s);
    switch (kind) {
      case 'mqtt-huge': {
        s.write(Buffer.from([0x10, 0x80, 0xc2, 0xd7, 0x2f]));
        const pump = (): void => {
          while (!s.destroyed && s.write(CHUNK));
          if (!s.destroyed) s.once('drain', pump);
        };
        pump();
        return;
      }
      case 'mqtt-drip':
        s.write(Buffer.from([0x10, 0xe8, 0x07]));
        drip = every(1000, () => void (s.destroyed || s.write(Buffer.from([0x41]))));
        return;
      case 'http-slowloris':
        s.write('GET /healthz HTTP/1.1\r\nHost: gw\r\n');
        drip = every(1000, () => void (s.destroyed || s.write('X')));
        return;
      case 'http-guess':
        s.write(guess());
        return;
      case 'mqtt-idle':
      case 'http-idle':
        return;
      default: {
        const never: never = kind;
        throw new Error(`unknown kind ${String(never)}`);
      }
    }
  });
}

let n = 0;
function guess(): string {
  n += 1;
  return `GET /api/me HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer guess-${n.toString(36)}-${Math.random().toString(36).slice(2)}\r\n\r\n`;
}

const send = parentPort<HostileIn, HostileOut>(async (m) => {
  switch (m.kind) {
    case 'start': {
      running = true;
      const from = (i: number): string => `127.0.1.${1 + (i % m.addresses)}`;
      for (let i = 0; i < m.mqtt; i++) attack(MQTT_KINDS[i % MQTT_KINDS.length] as Kind, m.mqttPort, from(i));
      for (let i = 0; i < m.http; i++) attack(HTTP_KINDS[i % HTTP_KINDS.length] as Kind, m.httpPort, from(i));
      await new Promise((r) => setTimeout(r, 2000));
      send({ kind: 'ready', open: open.size });
      return;
    }
    case 'stop': {
      const stillOpen = open.size;
      running = false;
      for (const t of timers) clearTimeout(t);
      for (const s of open) s.destroy();
      send({ kind: 'stopped', open: stillOpen, opened, closedByGateway });
      process.disconnect();
      return;
    }
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});
