import { systemClock, type Clock } from '../../core/clock.js';
import { clientClass, loadStack } from '../../adapters/bacnet/bacnet-session.js';
import { UdpTransport } from '../../adapters/bacnet/udp-transport.js';
import { DEVICE_OBJECT_TYPE, OBJECT_TYPES, PROP, type ObjectTypeName } from '../../adapters/bacnet/object-types.js';

type Client = InstanceType<ReturnType<typeof clientClass>>;
type Sender = { address?: string; net?: number; adr?: number[]; forwardedFrom?: string | null };
/** Where an answer goes: back to the sender and, for a sender behind a router, on to its network and MAC (DNET/DADR, 6.2.2). */
type Peer = { address: string; net?: number; adr?: number[] };
type AppData = { type: number; value: unknown };

// Application tags (ASHRAE 135, 20.2.1.4) and the few enumerations the device answers with.
const TAG = { unsigned: 2, real: 4, charString: 7, bitString: 8, enumerated: 9, objectId: 12, error: 105 } as const;
const SERVICE = { subscribeCov: 5, readProperty: 12, readPropertyMultiple: 14 } as const;
const ERR = { classObject: 1, classProperty: 2, classServices: 5, unknownObject: 31, unknownProperty: 32, optionalFunctionalityNotSupported: 45 } as const;

export interface SimObjectSpec {
  readonly objectType: ObjectTypeName;
  readonly instance: number;
  readonly name: string;
  /** BACnetEngineeringUnits number (62 = degrees Celsius); analog objects only. */
  readonly units?: number;
  /** Multi-state objects: the state texts (their count is number-of-states). */
  readonly states?: readonly string[];
  readonly value: number | boolean;
}

interface SimObject {
  readonly spec: SimObjectSpec;
  readonly type: number;
  value: number | boolean;
  flags: { inAlarm: boolean; fault: boolean; overridden: boolean; outOfService: boolean };
}

interface Subscription {
  readonly peer: Peer;
  /** The subscriber as one string: its address, and its network and MAC when routed. */
  readonly who: string;
  readonly processId: number;
  readonly key: string;
  readonly confirmed: boolean;
  /** Monotonic ms it lapses; null for a subscription without a lifetime. */
  readonly until: number | null;
}

export interface SimulatedBacnetDeviceOptions {
  readonly deviceInstance: number;
  readonly name: string;
  readonly objects: readonly SimObjectSpec[];
  /** A "polling-only" device: SubscribeCOV is answered with services / optional-functionality-not-supported. */
  readonly refuseCov?: boolean;
  readonly clock?: Clock;
}

/**
 * A BACnet/IP device on 127.0.0.1 (tests, scenarios, the bench): answers Who-Is with I-Am,
 * ReadProperty and ReadPropertyMultiple of its objects, and SubscribeCOV with unconfirmed COV
 * notifications on every change, until each subscription's lifetime lapses. stop() closes its
 * socket and forgets its subscribers, as a device that is switched off does; start(port) comes
 * back on the same port.
 */
export class SimulatedBacnetDevice {
  readonly deviceInstance: number;
  readonly #o: SimulatedBacnetDeviceOptions;
  readonly #clock: Clock;
  readonly #objects = new Map<string, SimObject>();
  #subs: Subscription[] = [];
  #transport: UdpTransport | null = null;
  #client: Client | null = null;
  #port = 0;
  /** Requests answered (reads, subscriptions), for tests that want to see polling or its absence. */
  readonly served = { readProperty: 0, readPropertyMultiple: 0, subscribeCov: 0, whoIs: 0 };

  constructor(o: SimulatedBacnetDeviceOptions) {
    this.deviceInstance = o.deviceInstance;
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
    for (const spec of o.objects) {
      const type = OBJECT_TYPES[spec.objectType].type;
      this.#objects.set(`${type}:${spec.instance}`, { spec, type, value: spec.value, flags: { inAlarm: false, fault: false, overridden: false, outOfService: false } });
    }
  }

  get port(): number {
    return this.#port;
  }

  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** Listens on 127.0.0.1:port (0: a free one; default: the port it had); resolves with the port. */
  async start(port = this.#port): Promise<number> {
    if (this.#client !== null) return this.#port;
    const stack = await loadStack();
    const transport = new UdpTransport({ host: '127.0.0.1', port });
    const Client = clientClass(stack);
    const client = new Client({ transport, apduTimeout: 3000 });
    client.on('error', () => undefined); // a stray send error must not take the simulator down
    client.on('whoIs', (c) => this.#whoIs(c.header?.sender, c.payload));
    client.on('readProperty', (c) => this.#readProperty(c.header?.sender, c.invokeId, c.payload));
    client.on('readPropertyMultiple', (c) => this.#readPropertyMultiple(c.header?.sender, c.invokeId, c.payload));
    client.on('subscribeCov', (c) => this.#subscribeCov(c.header?.sender, c.invokeId, c.payload));
    this.#transport = transport;
    this.#client = client;
    try {
      this.#port = await transport.ready;
    } catch (err) {
      this.#client = null;
      this.#transport = null;
      client.close();
      throw err;
    }
    return this.#port;
  }

  /** The socket is gone (nothing answers) and every subscriber is forgotten. Idempotent. */
  async stop(): Promise<void> {
    const client = this.#client;
    const transport = this.#transport;
    this.#client = null;
    this.#transport = null;
    this.#subs = [];
    if (client !== null) {
      client.removeAllListeners();
      client.close();
    }
    await transport?.close();
  }

  /** Sets an object's present-value (by object type and instance) and notifies its subscribers. */
  set(objectType: ObjectTypeName, instance: number, value: number | boolean): void {
    const o = this.#object(objectType, instance);
    o.value = value;
    this.#notify(o);
  }

  /** Sets status-flags bits of an object and notifies its subscribers (COV on a status-flags change, 13.1). */
  setFlags(objectType: ObjectTypeName, instance: number, flags: Partial<SimObject['flags']>): void {
    const o = this.#object(objectType, instance);
    o.flags = { ...o.flags, ...flags };
    this.#notify(o);
  }

  get(objectType: ObjectTypeName, instance: number): number | boolean {
    return this.#object(objectType, instance).value;
  }

  /** Live COV subscriptions (lapsed ones dropped). */
  subscriptions(): number {
    this.#prune();
    return this.#subs.length;
  }

  #object(objectType: ObjectTypeName, instance: number): SimObject {
    const o = this.#objects.get(`${OBJECT_TYPES[objectType].type}:${instance}`);
    if (o === undefined) throw new Error(`device ${this.deviceInstance} has no ${objectType} ${instance}`);
    return o;
  }

  #whoIs(sender: Sender | undefined, p: { lowLimit?: number; highLimit?: number } | undefined): void {
    if (sender === undefined || this.#client === null) return;
    const low = p?.lowLimit;
    const high = p?.highLimit;
    if (low !== undefined && high !== undefined && (this.deviceInstance < low || this.deviceInstance > high)) return;
    this.served.whoIs += 1;
    // I-Am goes back to the asker (unicast): loopback has no broadcast to answer on. A Who-Is a
    // BBMD forwarded is answered to the device that sent it (J.2.5 names it), not to the BBMD.
    const origin = sender.forwardedFrom ?? null;
    const to = origin === null ? peerOf(sender) : { address: origin };
    this.#client.iAmResponse(to, this.deviceInstance, 3, 0); // segmentation 3: none
  }

  #readProperty(sender: Sender | undefined, invokeId: number | undefined, p: { objectId: { type: number; instance: number }; property: { id: number; index: number } }): void {
    const client = this.#client;
    if (sender === undefined || invokeId === undefined || client === null) return;
    this.served.readProperty += 1;
    const r = this.#property(p.objectId.type, p.objectId.instance, p.property.id);
    if ('error' in r) return client.errorResponse(peerOf(sender), SERVICE.readProperty, invokeId, r.error[0], r.error[1]);
    client.readPropertyResponse(peerOf(sender), invokeId, p.objectId, p.property, r.values as never);
  }

  #readPropertyMultiple(sender: Sender | undefined, invokeId: number | undefined, p: { properties: Array<{ objectId: { type: number; instance: number }; properties: Array<{ id: number; index: number }> }> }): void {
    const client = this.#client;
    if (sender === undefined || invokeId === undefined || client === null) return;
    this.served.readPropertyMultiple += 1;
    const values = p.properties.map((spec) => ({
      objectId: spec.objectId,
      values: spec.properties.map((prop) => {
        const r = this.#property(spec.objectId.type, spec.objectId.instance, prop.id);
        // The stack encodes an error result when the value says `type: 'BacnetError'`.
        const value = 'error' in r ? [{ type: TAG.error, value: { type: 'BacnetError', errorClass: r.error[0], errorCode: r.error[1] } }] : r.values;
        return { property: prop, value };
      }),
    }));
    client.readPropertyMultipleResponse(peerOf(sender), invokeId, values as never);
  }

  #subscribeCov(sender: Sender | undefined, invokeId: number | undefined, p: { subscriberProcessId: number; monitoredObjectId: { type: number; instance: number }; issueConfirmedNotifications: boolean; lifetime: number; cancellationRequest?: boolean }): void {
    const client = this.#client;
    if (sender?.address === undefined || invokeId === undefined || client === null) return;
    this.served.subscribeCov += 1;
    const to = peerOf(sender);
    const who = whoOf(to);
    if (this.#o.refuseCov === true) return client.errorResponse(to, SERVICE.subscribeCov, invokeId, ERR.classServices, ERR.optionalFunctionalityNotSupported);
    const key = `${p.monitoredObjectId.type}:${p.monitoredObjectId.instance}`;
    const o = this.#objects.get(key);
    if (o === undefined) return client.errorResponse(to, SERVICE.subscribeCov, invokeId, ERR.classObject, ERR.unknownObject);
    // A re-subscription from the same subscriber for the same object replaces the old one (13.14.1.1.4).
    this.#subs = this.#subs.filter((s) => !(s.who === who && s.processId === p.subscriberProcessId && s.key === key));
    if (p.cancellationRequest !== true) {
      this.#subs.push({ peer: to, who, processId: p.subscriberProcessId, key, confirmed: p.issueConfirmedNotifications, until: p.lifetime > 0 ? this.#clock.monotonic() + p.lifetime * 1000 : null });
    }
    client.simpleAckResponse(to, SERVICE.subscribeCov, invokeId);
    // A new subscriber gets the current value at once (13.14.1.1).
    if (p.cancellationRequest !== true) this.#notify(o, who);
  }

  #property(type: number, instance: number, prop: number): { values: AppData[] } | { error: [number, number] } {
    if (type === DEVICE_OBJECT_TYPE && instance === this.deviceInstance) {
      if (prop === PROP.objectName) return { values: [{ type: TAG.charString, value: this.#o.name }] };
      if (prop === PROP.systemStatus) return { values: [{ type: TAG.enumerated, value: 0 }] }; // operational
      if (prop === PROP.objectList) {
        const ids = [{ type: DEVICE_OBJECT_TYPE, instance }, ...[...this.#objects.values()].map((o) => ({ type: o.type, instance: o.spec.instance }))];
        return { values: ids.map((id) => ({ type: TAG.objectId, value: id })) };
      }
      return { error: [ERR.classProperty, ERR.unknownProperty] };
    }
    const o = this.#objects.get(`${type}:${instance}`);
    if (o === undefined) return { error: [ERR.classObject, ERR.unknownObject] };
    switch (prop) {
      case PROP.presentValue:
        return { values: [this.#presentValue(o)] };
      case PROP.statusFlags:
        return { values: [this.#flags(o)] };
      case PROP.objectName:
        return { values: [{ type: TAG.charString, value: o.spec.name }] };
      case PROP.units:
        return o.spec.units === undefined ? { error: [ERR.classProperty, ERR.unknownProperty] } : { values: [{ type: TAG.enumerated, value: o.spec.units }] };
      case PROP.stateText:
        return o.spec.states === undefined ? { error: [ERR.classProperty, ERR.unknownProperty] } : { values: o.spec.states.map((s) => ({ type: TAG.charString, value: s })) };
      default:
        return { error: [ERR.classProperty, ERR.unknownProperty] };
    }
  }

  #presentValue(o: SimObject): AppData {
    const kind = OBJECT_TYPES[o.spec.objectType].kind;
    if (kind === 'analog') return { type: TAG.real, value: Number(o.value) };
    if (kind === 'binary') return { type: TAG.enumerated, value: o.value === true || o.value === 1 ? 1 : 0 };
    return { type: TAG.unsigned, value: Number(o.value) };
  }

  #flags(o: SimObject): AppData {
    // Bit i of the stack's BIT STRING is (value[i >> 3] >> (i & 7)) & 1: in-alarm 0, fault 1, overridden 2, out-of-service 3.
    const f = o.flags;
    const byte = (f.inAlarm ? 1 : 0) | (f.fault ? 2 : 0) | (f.overridden ? 4 : 0) | (f.outOfService ? 8 : 0);
    return { type: TAG.bitString, value: { bitsUsed: 4, value: [byte] } };
  }

  #prune(): void {
    const now = this.#clock.monotonic();
    this.#subs = this.#subs.filter((s) => s.until === null || s.until > now);
  }

  #notify(o: SimObject, only?: string): void {
    const client = this.#client;
    if (client === null) return;
    this.#prune();
    const key = `${o.type}:${o.spec.instance}`;
    const now = this.#clock.monotonic();
    for (const s of this.#subs) {
      if (s.key !== key || (only !== undefined && s.who !== only)) continue;
      const remaining = s.until === null ? 0 : Math.max(1, Math.round((s.until - now) / 1000));
      const values = [
        { property: { id: PROP.presentValue }, value: [this.#presentValue(o)] },
        { property: { id: PROP.statusFlags }, value: [this.#flags(o)] },
      ] as never;
      const objectId = { type: o.type, instance: o.spec.instance };
      if (!s.confirmed) {
        client.unconfirmedCOVNotification(s.peer, s.processId, this.deviceInstance, objectId, remaining, values);
        continue;
      }
      // Confirmed: sent again once if no acknowledgement comes (a device's APDU retries), then given up.
      const send = (): Promise<void> => client.confirmedCOVNotification(s.peer, objectId, s.processId, this.deviceInstance, remaining, values);
      send().catch(() => (this.#client === client ? send().catch(() => undefined) : undefined));
    }
  }
}

function peerOf(sender: Sender): Peer {
  const address = sender.address ?? '';
  return sender.net === undefined || sender.adr === undefined ? { address } : { address, net: sender.net, adr: sender.adr };
}

function whoOf(p: Peer): string {
  return p.net === undefined ? p.address : `${p.address} net ${p.net} mac ${Buffer.from(p.adr ?? []).toString('hex')}`;
}
