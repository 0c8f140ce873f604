import type { Logger } from '../../core/log.js';
import { resolveSecret } from '../../core/secrets.js';
import { usmUser, withoutCommunity, type Sdk } from './agent-session.js';
import type { SnmpSource } from './config.js';
import { SNMP_TRAP_OID } from './ups-mib.js';
import type { Varbind } from './varbind-decode.js';

/** A notification that passed the receiver's community / USM check. */
export interface Trap {
  readonly from: string;
  /** snmpTrapOID.0: which notification it is. */
  readonly trapOid: string | null;
  readonly varbinds: readonly Varbind[];
  /** The community (v2c) or the user name (v3) it came with. */
  readonly community?: string;
  readonly user?: string;
}

export interface TrapReceiverHooks {
  readonly trap: (t: Trap) => void;
  /** A datagram that failed the check or did not parse, or the port could not be bound. */
  readonly rejected: (code: 'GW_SNMP_TRAP_REJECTED' | 'GW_SNMP_TRAP_PORT', reason: string) => void;
}

interface NetSnmpReceiver {
  getAuthorizer(): { addCommunity(c: string): void; addUser(u: object): void };
  close(cb?: () => void): void;
}

interface ReceivedData {
  readonly pdu?: { readonly varbinds?: readonly Varbind[]; readonly community?: string; readonly user?: string };
  readonly rinfo?: { readonly address?: string };
}

/**
 * Receives v2c and v3 traps and informs on one UDP port for the devices that name it. Only the
 * communities and v3 users of those devices are accepted (net-snmp's authorizer); the rest are
 * rejected and counted, never acted on.
 */
export class TrapReceiver {
  readonly port: number;
  /** The address it listens on (`trapHost`; 0.0.0.0: every interface). */
  readonly host: string;
  readonly #sdk: Sdk;
  readonly #sources: ReadonlyArray<{ id: string; source: SnmpSource }>;
  readonly #hooks: TrapReceiverHooks;
  readonly #env: NodeJS.ProcessEnv;
  readonly #log: Logger;
  #receiver: NetSnmpReceiver | null = null;

  constructor(sdk: Sdk, at: { readonly host: string; readonly port: number }, sources: ReadonlyArray<{ id: string; source: SnmpSource }>, hooks: TrapReceiverHooks, deps: { env: NodeJS.ProcessEnv; log: Logger }) {
    this.#sdk = sdk;
    this.port = at.port;
    this.host = at.host;
    this.#sources = sources;
    this.#hooks = hooks;
    this.#env = deps.env;
    this.#log = deps.log;
  }

  start(): void {
    if (this.#receiver !== null) return;
    const receiver = this.#sdk.createReceiver({ port: this.port, address: this.host, transport: 'udp4', includeAuthentication: true }, (err: unknown, data: ReceivedData | undefined) => {
      if (err !== null && err !== undefined) {
        const e = err as { code?: string; message?: string };
        if (e.code === 'EADDRINUSE' || e.code === 'EACCES') this.#hooks.rejected('GW_SNMP_TRAP_PORT', `cannot receive traps on UDP ${this.host}:${this.port}: ${e.code}`);
        else this.#hooks.rejected('GW_SNMP_TRAP_REJECTED', withoutCommunity(e.message ?? String(err)).slice(0, 200));
        return;
      }
      const varbinds = data?.pdu?.varbinds ?? [];
      const oidVb = varbinds.find((v) => v.oid === SNMP_TRAP_OID);
      this.#hooks.trap({
        from: data?.rinfo?.address ?? '',
        trapOid: typeof oidVb?.value === 'string' ? oidVb.value : null,
        varbinds,
        ...(data?.pdu?.community === undefined ? {} : { community: data.pdu.community }),
        ...(data?.pdu?.user === undefined ? {} : { user: data.pdu.user }),
      });
    }) as NetSnmpReceiver;
    const auth = receiver.getAuthorizer();
    for (const { id, source: s } of this.#sources) {
      try {
        if (s.version === '2c') auth.addCommunity(resolveSecret(s.community, `devices.${id}.source.community`, this.#env) ?? 'public');
        else if (s.user !== undefined) auth.addUser(usmUser(s.user, `devices.${id}.source`, this.#env));
      } catch (err) {
        this.#hooks.rejected('GW_SNMP_TRAP_REJECTED', `traps of ${id} cannot be checked: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.#receiver = receiver;
    this.#log.info({ event: 'snmp.trap_receiver_started', port: this.port, devices: this.#sources.length }, 'snmp trap receiver listening');
  }

  /** Resolves once the socket is closed. */
  stop(): Promise<void> {
    const r = this.#receiver;
    this.#receiver = null;
    if (r === null) return Promise.resolve();
    return new Promise((resolve) => {
      try {
        r.close(() => resolve());
      } catch {
        resolve(); // never bound (the port was taken): nothing to close
      }
    });
  }
}
