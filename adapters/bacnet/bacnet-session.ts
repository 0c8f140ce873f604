import type BACnetClient from '@bacnet-js/client';
import type { Clock } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import { UdpTransport } from './udp-transport.js';

/** The stack, imported on demand (index.ts): sites without BACnet devices never load it. */
export const loadStack = () => import('@bacnet-js/client');
export type StackModule = Awaited<ReturnType<typeof loadStack>>;
type ClientClass = (typeof BACnetClient)['default'];
type Client = InstanceType<ClientClass>;

/**
 * The client class of the stack. It is CommonJS with `exports.default`: Node's ESM import hands
 * the whole `module.exports` as `default` (so the class is `default.default`), while the types
 * (and a bundler's interop) say `default` is the class. Take whichever is the function.
 */
export function clientClass(stack: StackModule): ClientClass {
  const d: unknown = stack.default;
  if (typeof d === 'function') return d as ClientClass;
  return (d as { default: ClientClass }).default;
}

export type BacnetErrorCode = 'GW_BACNET_TIMEOUT' | 'GW_BACNET_ERROR' | 'GW_BACNET_SOCKET' | 'GW_BACNET_NO_ROUTE' | 'GW_BACNET_BBMD_NAK';

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: BacnetErrorCode; readonly reason: string; readonly refused: boolean };

/** What a COV notification carries, reduced to what a point needs. */
export interface CovValues {
  readonly processId: number;
  readonly deviceInstance: number;
  readonly objectType: number;
  readonly instance: number;
  readonly presentValue: unknown;
  readonly statusFlags: readonly number[] | undefined;
}

interface CovPayload {
  readonly subscriberProcessId: number;
  /** The stack decodes it as the device's object identifier; older stacks gave the bare instance. */
  readonly initiatingDeviceId: number | { readonly type: number; readonly instance: number };
  readonly monitoredObjectId: { readonly type: number; readonly instance: number };
  readonly values: ReadonlyArray<{ readonly property: { readonly id: number }; readonly value: ReadonlyArray<{ readonly value: unknown }> }>;
}

// Invoke ids are 8 bits and the stack keys answers by invoke id alone: keep well under 256 in flight.
const MAX_IN_FLIGHT = 128;

/**
 * One UDP socket and one BACnet client for the whole adapter. Devices share it as Modbus devices
 * share a gateway's TCP connection, but BACnet/IP is datagrams: a device that stops answering
 * costs its own requests their timeouts and nothing else. Every request is bounded by our clock
 * (elapsed time); the stack's own timer, which reads the wall clock, is set far behind it.
 */
export class BacnetSession {
  readonly #stack: StackModule;
  readonly #clock: Clock;
  readonly #bind: { host: string; port: number };
  readonly #onSocketError: (reason: string) => void;
  readonly #covHandlers = new Map<number, (v: CovValues) => void>();
  #transport: UdpTransport | null = null;
  #client: Client | null = null;
  #inFlight = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(stack: StackModule, deps: { clock: Clock; bind: { host: string; port: number }; maxTimeoutMs: number; onSocketError: (reason: string) => void }) {
    this.#stack = stack;
    this.#clock = deps.clock;
    this.#bind = deps.bind;
    this.#onSocketError = deps.onSocketError;
    this.#apduTimeoutMs = deps.maxTimeoutMs * 10;
  }

  readonly #apduTimeoutMs: number;

  /** Binds the socket; resolves with the local port. */
  async open(): Promise<number> {
    const transport = new UdpTransport({ host: this.#bind.host, port: this.#bind.port });
    const Client = clientClass(this.#stack);
    const client = new Client({ transport, apduTimeout: this.#apduTimeoutMs });
    client.on('error', (err: Error) => this.#onSocketError(err.message));
    client.on('covNotifyUnconfirmed', (c: { payload: CovPayload }) => this.#cov(c.payload));
    client.on('covNotify', (c: { payload: CovPayload; header?: { sender: { address?: string } }; invokeId?: number; service?: number }) => {
      // A confirmed notification (we ask for unconfirmed; some devices send these anyway) wants an ack.
      this.#cov(c.payload);
      if (c.header?.sender !== undefined && c.invokeId !== undefined) client.simpleAckResponse(c.header.sender, c.service ?? 1, c.invokeId);
    });
    this.#transport = transport;
    this.#client = client;
    return transport.ready;
  }

  async close(): Promise<void> {
    const client = this.#client;
    const transport = this.#transport;
    this.#client = null;
    this.#transport = null;
    for (const w of this.#waiting.splice(0)) w();
    if (client !== null) {
      client.removeAllListeners();
      // close() rejects every pending request with ERR_CLOSED (settled as a coded outcome below).
      client.close();
    }
    await transport?.close();
  }

  onCov(processId: number, handler: (v: CovValues) => void): void {
    this.#covHandlers.set(processId, handler);
  }

  offCov(processId: number): void {
    this.#covHandlers.delete(processId);
  }

  /** Runs one confirmed request; always resolves, with a value or a coded reason. */
  async request<T>(what: string, timeoutMs: number, send: (c: Client) => Promise<T>): Promise<Outcome<T>> {
    if (this.#inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.#waiting.push(r));
    const client = this.#client;
    if (client === null) return { ok: false, code: 'GW_BACNET_SOCKET', reason: `${what}: the BACnet socket is closed`, refused: false };
    this.#inFlight += 1;
    let timer: { cancel(): void } | null = null;
    try {
      const timeout = new Promise<Outcome<T>>((resolve) => {
        timer = this.#clock.setTimeout(() => resolve({ ok: false, code: 'GW_BACNET_TIMEOUT', reason: `${what}: no answer within ${timeoutMs} ms`, refused: false }), timeoutMs);
      });
      const answer = send(client).then(
        (value): Outcome<T> => ({ ok: true, value }),
        (err: unknown): Outcome<T> => classify(what, timeoutMs, err),
      );
      return await Promise.race([answer, timeout]);
    } finally {
      (timer as { cancel(): void } | null)?.cancel();
      this.#inFlight -= 1;
      this.#waiting.shift()?.();
    }
  }

  /** Unconfirmed requests (Who-Is) go out as they are; answers arrive as events. */
  get client(): Client | null {
    return this.#client;
  }

  /** The socket, for the network layer's own messages (network-layer.ts); null when closed. */
  get transport(): UdpTransport | null {
    return this.#transport;
  }

  #cov(p: CovPayload): void {
    const handler = this.#covHandlers.get(p.subscriberProcessId);
    if (handler === undefined) return;
    let presentValue: unknown;
    let statusFlags: readonly number[] | undefined;
    for (const v of p.values) {
      if (v.property.id === 85) presentValue = v.value[0]?.value; // present-value
      if (v.property.id === 111) statusFlags = (v.value[0]?.value as { value?: number[] } | undefined)?.value; // status-flags
    }
    const device = typeof p.initiatingDeviceId === 'number' ? p.initiatingDeviceId : p.initiatingDeviceId.instance;
    handler({ processId: p.subscriberProcessId, deviceInstance: device, objectType: p.monitoredObjectId.type, instance: p.monitoredObjectId.instance, presentValue, statusFlags });
  }
}

/**
 * The stack rejects with plain messages: `ERR_TIMEOUT`, `BacnetError - Class:5 - Code:45`,
 * `BacnetAbort - Reason:9`, `ERR_CLOSED`. A device's Error, Reject or Abort is an answer (it is
 * there and refused); a timeout is silence.
 */
function classify<T>(what: string, timeoutMs: number, err: unknown): Outcome<T> {
  const m = errorMessage(err);
  if (m === 'ERR_TIMEOUT') return { ok: false, code: 'GW_BACNET_TIMEOUT', reason: `${what}: no answer within ${timeoutMs} ms`, refused: false };
  if (m === 'ERR_CLOSED') return { ok: false, code: 'GW_BACNET_SOCKET', reason: `${what}: the BACnet socket closed`, refused: false };
  const e = /BacnetError - Class:(\d+) - Code:(\d+)/.exec(m);
  if (e !== null) return { ok: false, code: 'GW_BACNET_ERROR', reason: `${what}: device answered error class ${errorClassName(Number(e[1]))} code ${e[2] ?? '?'}`, refused: true };
  const a = /BacnetAbort - Reason:(\d+)/.exec(m);
  if (a !== null) return { ok: false, code: 'GW_BACNET_ERROR', reason: `${what}: device rejected or aborted the request (reason ${a[1] ?? '?'})`, refused: true };
  return { ok: false, code: 'GW_BACNET_ERROR', reason: `${what}: ${m}`, refused: true };
}

// BACnetErrorClass (clause 21): device, object, property, resources, security, services, vt, communication.
const ERROR_CLASSES = ['device', 'object', 'property', 'resources', 'security', 'services', 'vt', 'communication'];
function errorClassName(n: number): string {
  return ERROR_CLASSES[n] ?? String(n);
}
