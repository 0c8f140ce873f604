import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { Adapter, AdapterEvents, AdapterStatus, LinkState, StatusOptions, UpstreamStatus } from '../../core/adapter.js';
import { AdapterLife } from '../adapter-life.js';
import { upstreamAdapterStatus } from '../status-parts.js';
import type { Reading } from '../../core/reading.js';
import { TypedEmitter } from '../../core/typed-emitter.js';
import { resolveSecret } from '../../core/secrets.js';
import { AgentSession, usmUser, type Sdk } from './agent-session.js';
import type { SnmpSource } from './config.js';
import { SnmpDevicePoller, type PollFailure } from './device-poller.js';
import { TrapReceiver, type Trap } from './trap-receiver.js';
import { OUTPUT_SOURCE_BATTERY, UPS_OID, UPS_TRAP } from './ups-mib.js';
import { SMI } from './varbind-decode.js';
import { staggerPhase } from '../poll-phase.js';
import { ChangeLog } from '../log-on-change.js';

export interface SnmpAdapter extends Adapter {
  readonly kind: 'snmp';
}

export interface SnmpAdapterOptions {
  readonly devices: ReadonlyArray<{ id: string; source: SnmpSource }>;
}

export interface SnmpAdapterDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/** One agent address (host:port) and what the adapter knows of it: the upstream of its devices. */
interface AgentLink {
  readonly id: string;
  readonly address: string;
  readonly deviceIds: string[];
  state: LinkState;
  since: number;
  lastError: string | null;
  reconnects: number;
  /** Devices behind it whose last poll got no answer. */
  readonly silent: Set<string>;
  down: boolean;
}


/**
 * Creates the SNMP adapter. net-snmp is imported here, on demand, so sites without SNMP devices
 * never load it (gateway/app.ts imports this module only when a device speaks SNMP).
 */
export async function createSnmpAdapter(opts: SnmpAdapterOptions, deps: SnmpAdapterDeps): Promise<SnmpAdapter> {
  // Every secret is resolved now, so a variable the site file names but nobody set stops the start
  // (GW_CONFIG_SECRET_MISSING), as for MQTT and OPC UA, instead of leaving a device silently bad.
  const env = deps.env ?? process.env;
  for (const d of opts.devices) {
    const where = `devices.${d.id}.source`;
    if (d.source.version === '3' && d.source.user !== undefined) usmUser(d.source.user, where, env);
    else resolveSecret(d.source.community, `${where}.community`, env);
  }
  const mod = await import('net-snmp');
  const sdk = mod.default;
  return new SnmpAdapterImpl(sdk, opts, deps);
}

/** Resolves `localhost` as agents send from it; other names are compared as written. */
const hostAddress = (h: string): string => (h === 'localhost' ? '127.0.0.1' : h);

class SnmpAdapterImpl extends TypedEmitter<AdapterEvents> implements SnmpAdapter {
  readonly kind = 'snmp' as const;
  readonly #sdk: Sdk;
  readonly #opts: SnmpAdapterOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #env: NodeJS.ProcessEnv;
  readonly #life = new AdapterLife();
  #pollers = new Map<string, SnmpDevicePoller>();
  #links = new Map<string, AgentLink>();
  #receivers: TrapReceiver[] = [];
  #readings = 0;
  #lastGood: number | null = null;
  #lastError: string | null = null;
  readonly #errors: Record<string, number> = {};
  #lastTrapLog = -Infinity;
  readonly #pollLog = new ChangeLog();

  constructor(sdk: Sdk, opts: SnmpAdapterOptions, deps: SnmpAdapterDeps) {
    super();
    this.#sdk = sdk;
    this.#opts = opts;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#env = deps.env ?? process.env;
  }

  start(): Promise<void> {
    if (!this.#life.begin()) return Promise.resolve();
    this.#pollers = new Map();
    this.#links = new Map();
    const now = this.#clock.now();
    const n = this.#opts.devices.length;
    this.#opts.devices.forEach((d, i) => {
      const s = d.source;
      const key = `snmp:${s.host}:${s.port}`;
      const link = this.#links.get(key) ?? { id: key, address: `${s.host}:${s.port}`, deviceIds: [], state: 'connecting', since: now, lastError: null, reconnects: 0, silent: new Set(), down: false };
      link.deviceIds.push(d.id);
      this.#links.set(key, link);
      const session = new AgentSession(this.#sdk, s, `devices.${d.id}.source`, this.#clock, this.#env);
      const poller = new SnmpDevicePoller(d.id, s, session, this.#clock, {
        reading: (r) => this.#reading(r),
        polled: (id, failure) => this.#polled(link, id, failure),
        pointError: (id, pointId, code, reason) => {
          this.#log.warn({ event: 'snmp.point_bad', deviceId: id, pointId, code, reason }, 'snmp point read bad');
          this.emit('error', { code, message: reason, deviceId: id, pointId });
        },
      });
      this.#pollers.set(d.id, poller);
      // Spread devices over their period (at most 5 s of it, so a long period does not hold a
      // device's first reading back for minutes) so a site of UPSes is not polled in one burst.
      poller.start(staggerPhase(i, n, Math.min(s.pollMs, 5000)));
    });
    // One receiver per address and port the devices name (trapHost, trapPort).
    const byPort = new Map<string, Array<{ id: string; source: SnmpSource }>>();
    for (const d of this.#opts.devices) if (d.source.trapPort !== undefined) byPort.set(`${d.source.trapHost}:${d.source.trapPort}`, [...(byPort.get(`${d.source.trapHost}:${d.source.trapPort}`) ?? []), d]);
    this.#receivers = [...byPort.values()].map((devices) => {
      const first = devices[0]?.source;
      const port = first?.trapPort ?? 162;
      const r = new TrapReceiver(this.#sdk, { host: first?.trapHost ?? '0.0.0.0', port }, devices, { trap: (t) => this.#trap(port, t), rejected: (code, reason) => this.#trapRejected(code, reason) }, { env: this.#env, log: this.#log });
      r.start();
      return r;
    });
    this.#log.info({ event: 'snmp.started', devices: n, agents: this.#links.size, trapPorts: [...byPort.keys()] }, 'snmp adapter started');
    this.emit('status', this.status());
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.#life.stop(() => this.#stop(), () => this.#stopped());
  }

  async #stop(): Promise<void> {
    for (const p of this.#pollers.values()) p.stop();
    await Promise.all(this.#receivers.map((r) => r.stop()));
    this.#receivers = [];
  }

  #stopped(): void {
    this.#log.info({ event: 'snmp.stopped' }, 'snmp adapter stopped');
    this.emit('status', this.status());
  }

  status(opts: StatusOptions = {}): AdapterStatus {
    const upstreams = [...this.#links.values()].map((l) => this.#upstream(l));
    const devices = [...this.#pollers.values()].map((p) => p.status());
    return upstreamAdapterStatus('snmp', this.#life.state, { readings: this.#readings, lastGood: this.#lastGood, errors: this.#errors, lastError: this.#lastError }, upstreams, devices, opts);
  }


  #upstream(l: AgentLink): UpstreamStatus {
    return { id: l.id, kind: 'snmp-agent', address: l.address, state: l.state, deviceIds: [...l.deviceIds], since: l.since, lastError: l.lastError, reconnects: l.reconnects };
  }

  // Hot path: one call per point per poll.
  #reading(r: Reading): void {
    this.#readings += 1;
    if (r.quality === 'good') this.#lastGood = r.ts;
    this.emit('reading', r);
  }

  /**
   * UDP has no connection: an agent is down when every device behind it got no answer on its last
   * poll (timeouts), and up again at the first answer. A refused v3 key is an answer: the agent is
   * up, the device is bad, and the status says why.
   */
  #polled(link: AgentLink, deviceId: string, failure: PollFailure | null): void {
    if (!this.#life.running()) return;
    const stateBefore = link.state;
    if (failure !== null && failure.code === 'GW_SNMP_TIMEOUT') link.silent.add(deviceId);
    else link.silent.delete(deviceId);
    if (failure !== null) {
      // Per device, on change and then hourly: a dead agent polled every 5 s stays one line, and two
      // devices failing for the same reason (a wrong key, a wrong community) each say so once. No secret is in the reason.
      if (this.#pollLog.due(deviceId, `${failure.code}: ${failure.reason}`, this.#clock.monotonic())) {
        this.#log.warn({ event: 'snmp.poll_failed', deviceId, code: failure.code, reason: failure.reason }, `snmp device ${deviceId} poll failed: ${failure.reason}`);
        this.emit('error', { code: failure.code, message: failure.reason, deviceId });
      }
      this.#lastError = `${deviceId}: ${failure.code}: ${failure.reason}`;
    } else if (this.#pollLog.clear(deviceId)) {
      this.#log.info({ event: 'snmp.poll_ok', deviceId }, `snmp device ${deviceId} answers again`);
    }
    const down = link.silent.size === link.deviceIds.length;
    const now = this.#clock.now();
    if (down && !link.down) {
      link.down = true;
      link.state = 'backoff';
      link.since = now;
      link.lastError = failure === null ? 'no answer' : `${failure.code}: ${failure.reason}`;
      this.#count('GW_SNMP_AGENT_DOWN');
      this.emit('upstream', { upstream: this.#upstream(link), up: false, ts: now });
    } else if (!down && (link.down || link.state !== 'online')) {
      if (link.down) link.reconnects += 1;
      link.down = false;
      link.state = 'online';
      link.since = now;
      this.#log.info({ event: 'snmp.agent_answering', address: link.address }, 'snmp agent answering');
      this.emit('upstream', { upstream: this.#upstream(link), up: true, ts: now });
    }
    // A status on every failed poll (the device is bad, its reason may be new) and on every link change.
    if (failure !== null || stateBefore !== link.state) this.emit('status', this.status());
  }

  /** A trap from an agent: values it carries are read at once, upsTrapOnBattery sets onBattery, and the device is polled now. */
  #trap(port: number, t: Trap): void {
    if (!this.#life.running()) return;
    const candidates = this.#opts.devices.filter((d) => d.source.trapPort === port && hostAddress(d.source.host) === t.from);
    // Several devices behind one address (a proxy, a simulator): the trap's community or user tells them apart.
    const byCredential = candidates.filter((d) => (t.user !== undefined ? d.source.user?.name === t.user : d.source.version === '2c' && this.#community(d.source) === t.community));
    const matched = byCredential.length === 1 ? byCredential : candidates.length === 1 ? candidates : [];
    this.#log.info({ event: 'snmp.trap', from: t.from, trapOid: t.trapOid, devices: matched.map((d) => d.id) }, 'snmp trap received');
    if (matched.length === 0) {
      // Not ours to act on, or ambiguous: poll every candidate now, so the trap still hurries the truth.
      if (candidates.length === 0) this.#trapRejected('GW_SNMP_TRAP_REJECTED', `trap ${t.trapOid ?? '?'} from ${t.from} matches no device with trapPort ${port}`);
      for (const d of candidates) this.#pollers.get(d.id)?.pollNow();
      return;
    }
    for (const d of matched) {
      const poller = this.#pollers.get(d.id);
      if (poller === undefined) continue;
      // RFC 1628 upsTrapOnBattery: "the UPS is operating on battery power", i.e. upsOutputSource
      // battery(5); read with the trap's own varbinds (its minutes left) as one answer.
      const onBattery = t.trapOid === UPS_TRAP.onBattery ? [{ oid: UPS_OID.outputSource, type: SMI.integer, value: OUTPUT_SOURCE_BATTERY }] : [];
      poller.deliver([...t.varbinds, ...onBattery]);
      poller.pollNow();
    }
  }

  /** The device's v2c community (resolved once at creation, so this cannot throw in practice). */
  #community(s: SnmpSource): string | undefined {
    try {
      return resolveSecret(s.community, 'community', this.#env);
    } catch {
      return undefined;
    }
  }

  #trapRejected(code: 'GW_SNMP_TRAP_REJECTED' | 'GW_SNMP_TRAP_PORT', reason: string): void {
    this.#count(code);
    this.#lastError = `${code}: ${reason}`;
    // A flood of forged traps must not flood the log: one line per 10 s at most (the count says how many).
    const now = this.#clock.monotonic();
    if (code === 'GW_SNMP_TRAP_PORT' || now - this.#lastTrapLog >= 10_000) {
      this.#lastTrapLog = now;
      this.#log.warn({ event: 'snmp.trap_rejected', code, reason, count: this.#errors[code] }, 'snmp trap rejected');
    }
    this.emit('error', { code, message: reason });
    this.emit('status', this.status());
  }

  #count(code: string): void {
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
  }
}
