import { createSocket } from 'node:dgram';
import type * as NetSnmp from 'net-snmp';
import { OUTPUT_SOURCE_BATTERY, UPS_OID, UPS_TRAP } from '../../adapters/snmp/ups-mib.js';

type Sdk = (typeof NetSnmp)['default'];

/** A UDP port free on 127.0.0.1 right now (net-snmp's agent cannot bind port 0: it takes 0 for 161). */
export function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, host, () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

export interface SimulatedUpsOptions {
  readonly community?: string;
  /** A v3 user the agent accepts (authPriv SHA/AES unless said). */
  readonly v3?: { readonly name: string; readonly authKey: string; readonly privKey: string };
  /** Where traps go (the gateway's trap port on 127.0.0.1); none: no traps. */
  readonly trapPort?: number;
  /** Send traps as v3 with the v3 user, else v2c with the community. */
  readonly trapVersion?: '2c' | '3';
}

export type UpsValue = 'batteryStatus' | 'secondsOnBattery' | 'runtimeMinutes' | 'batteryChargePercent' | 'inputVoltage' | 'outputSource' | 'outputLoadPercent' | 'alarmsPresent' | 'batteryTemperature' | 'selfTest';

const SCALARS: ReadonlyArray<{ key: UpsValue; type: 'Integer' | 'Gauge' }> = [
  { key: 'batteryStatus', type: 'Integer' },
  { key: 'secondsOnBattery', type: 'Integer' },
  { key: 'runtimeMinutes', type: 'Integer' },
  { key: 'batteryChargePercent', type: 'Integer' },
  { key: 'outputSource', type: 'Integer' },
  { key: 'alarmsPresent', type: 'Gauge' },
  { key: 'batteryTemperature', type: 'Integer' },
  { key: 'selfTest', type: 'Integer' },
];

/** The scalar's object OID (its instance `.0` stripped): net-snmp adds the `.0`. */
const objectOf = (oid: string): string => oid.replace(/\.0$/, '');

/**
 * A UPS with a network card, as far as the gateway can tell: an SNMP agent (net-snmp) serving the
 * UPS-MIB (RFC 1628) over v2c and v3 on 127.0.0.1, that sends upsTrapOnBattery when mains fails.
 * start()/stop() take it away and bring it back on the same port, as a rebooting card would.
 */
export class SimulatedUps {
  readonly #o: SimulatedUpsOptions;
  #sdk: Sdk | null = null;
  #agent: Agent | null = null;
  #port = 0;
  readonly #values: Record<UpsValue, number> = {
    batteryStatus: 2, // batteryNormal
    secondsOnBattery: 0,
    runtimeMinutes: 45,
    batteryChargePercent: 100,
    inputVoltage: 220,
    outputSource: 3, // normal
    outputLoadPercent: 30,
    alarmsPresent: 0,
    batteryTemperature: 25,
    selfTest: 1, // donePass
  };

  constructor(o: SimulatedUpsOptions = {}) {
    this.#o = o;
  }

  get port(): number {
    return this.#port;
  }

  get running(): boolean {
    return this.#agent !== null;
  }

  /** Listens on `port` (default: the last one, else a free one); resolves to it. */
  async start(port?: number): Promise<number> {
    if (this.#agent !== null) return this.#port;
    const sdk = (this.#sdk ??= (await import('net-snmp')).default);
    this.#port = port ?? (this.#port !== 0 ? this.#port : await freeUdpPort());
    const agent = sdk.createAgent({ port: this.#port, address: '127.0.0.1', transport: 'udp4', disableAuthorization: false }, () => undefined) as Agent;
    const auth = (agent as unknown as { getAuthorizer(): { addCommunity(c: string): void; addUser(u: NetSnmp.User): void } }).getAuthorizer();
    auth.addCommunity(this.#o.community ?? 'public');
    if (this.#o.v3 !== undefined) auth.addUser(this.#user(sdk));
    const mib = agent.getMib();
    for (const s of SCALARS) {
      mib.registerProvider({ name: s.key, type: sdk.MibProviderType.Scalar, oid: objectOf(UPS_OID[s.key]), scalarType: sdk.ObjectType[s.type], maxAccess: sdk.MaxAccess['read-only'] });
    }
    // upsInputTable and upsOutputTable, one line each (index 1).
    mib.registerProvider({ name: 'upsInputEntry', type: sdk.MibProviderType.Table, oid: '1.3.6.1.2.1.33.1.3.3.1', maxAccess: sdk.MaxAccess['not-accessible'], tableColumns: [{ number: 1, name: 'upsInputLineIndex', type: sdk.ObjectType.Integer, maxAccess: sdk.MaxAccess['read-only'] }, { number: 2, name: 'upsInputFrequency', type: sdk.ObjectType.Integer, maxAccess: sdk.MaxAccess['read-only'] }, { number: 3, name: 'upsInputVoltage', type: sdk.ObjectType.Integer, maxAccess: sdk.MaxAccess['read-only'] }], tableIndex: [{ columnName: 'upsInputLineIndex' }] });
    mib.registerProvider({ name: 'upsOutputEntry', type: sdk.MibProviderType.Table, oid: '1.3.6.1.2.1.33.1.4.4.1', maxAccess: sdk.MaxAccess['not-accessible'], tableColumns: [1, 2, 3, 4, 5].map((n) => ({ number: n, name: `upsOutput${n}`, type: sdk.ObjectType.Integer, maxAccess: sdk.MaxAccess['read-only'] })), tableIndex: [{ columnName: 'upsOutput1' }] });
    mib.addTableRow('upsInputEntry', [1, 500, this.#values.inputVoltage]);
    mib.addTableRow('upsOutputEntry', [1, 220, 10, 2000, this.#values.outputLoadPercent]);
    this.#agent = agent;
    this.#apply();
    return this.#port;
  }

  async stop(): Promise<void> {
    const a = this.#agent;
    this.#agent = null;
    if (a === null) return;
    await new Promise<void>((resolve) => a.close(() => resolve()));
  }

  value(key: UpsValue): number {
    return this.#values[key];
  }

  /** Sets one UPS-MIB value the agent serves. */
  set(key: UpsValue, value: number): void {
    this.#values[key] = value;
    this.#apply();
  }

  /** Mains fails: the UPS goes on battery, and tells the gateway at once with upsTrapOnBattery. */
  async mainsFail(): Promise<void> {
    this.#values.outputSource = OUTPUT_SOURCE_BATTERY;
    this.#values.inputVoltage = 0;
    this.#values.secondsOnBattery = 1;
    this.#values.alarmsPresent = 1;
    this.#apply();
    const sdk = this.#sdk;
    if (sdk === null) return;
    await this.trap(UPS_TRAP.onBattery, [
      { oid: UPS_OID.runtimeMinutes, type: sdk.ObjectType.Integer, value: this.#values.runtimeMinutes },
      { oid: UPS_OID.secondsOnBattery, type: sdk.ObjectType.Integer, value: this.#values.secondsOnBattery },
    ]);
  }

  /**
   * The battery ran flat: the UPS switches its output off (upsOutputSource none(2), upsBatteryStatus
   * depleted(4)); mains are still out. The load behind it is dark.
   */
  runFlat(): void {
    this.#values.outputSource = 2;
    this.#values.batteryStatus = 4;
    this.#values.runtimeMinutes = 0;
    this.#values.batteryChargePercent = 0;
    this.#values.inputVoltage = 0;
    this.#apply();
  }

  /** Mains is back: output on normal again, the battery charging (the MIB says so; RFC 1628 sends no trap for it, the next poll sees it). */
  mainsRestore(): void {
    this.#values.outputSource = 3;
    this.#values.batteryStatus = 2;
    this.#values.inputVoltage = 220;
    this.#values.secondsOnBattery = 0;
    this.#values.alarmsPresent = 0;
    this.#apply();
  }

  /** Sends one notification to the gateway's trap port (v2c, or v3 with the v3 user). */
  async trap(oid: string, varbinds: NetSnmp.Varbind[] = []): Promise<void> {
    const sdk = this.#sdk;
    const port = this.#o.trapPort;
    if (sdk === null || port === undefined) return;
    const session = this.#o.trapVersion === '3' && this.#o.v3 !== undefined
      ? sdk.createV3Session('127.0.0.1', this.#user(sdk), { version: 3, trapPort: port })
      : sdk.createSession('127.0.0.1', this.#o.community ?? 'public', { version: 1, trapPort: port });
    try {
      await new Promise<void>((resolve, reject) => session.trap(oid, varbinds, (err) => (err === null || err === undefined ? resolve() : reject(err))));
    } finally {
      session.close();
    }
  }

  #user(sdk: Sdk): NetSnmp.User {
    const v3 = this.#o.v3;
    if (v3 === undefined) throw new Error('no v3 user');
    return { name: v3.name, level: sdk.SecurityLevel.authPriv, authProtocol: sdk.AuthProtocols.sha, authKey: v3.authKey, privProtocol: sdk.PrivProtocols.aes, privKey: v3.privKey };
  }

  #apply(): void {
    const mib = this.#agent?.getMib();
    if (mib === undefined) return;
    for (const s of SCALARS) mib.setScalarValue(s.key, this.#values[s.key]);
    mib.setTableSingleCell('upsInputEntry', 3, [1], this.#values.inputVoltage);
    mib.setTableSingleCell('upsOutputEntry', 5, [1], this.#values.outputLoadPercent);
  }
}

interface Agent {
  close(cb?: () => void): void;
  getMib(): Mib;
}

interface Mib {
  registerProvider(p: object): void;
  setScalarValue(name: string, v: number): void;
  addTableRow(name: string, row: number[]): void;
  setTableSingleCell(name: string, column: number, index: number[], v: number): void;
}
