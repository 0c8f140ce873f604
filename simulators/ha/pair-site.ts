import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { CentralService } from '../central/central-service.js';
import { EtcdCluster, type RunAs } from '../etcd/etcd-cluster.js';
import { LoopbackPartition } from './loopback-partition.js';
import { freePort, freeRestartablePort } from '../free-port.js';
import { startExternalBroker, type ExternalBroker } from '../mqtt/external-broker.js';
import { GatewayChild, type ChildEnd } from '../scenarios/gateway-child.js';

const TOKEN = 'pair-site-token';
/** The engineer of the pair site (a staff token, only its hash in the site file). */
export const PAIR_ENGINEER_TOKEN = 'pair-site-engineer';

/** One gateway of the pair as a real process, with its own site file, data folder and HTTP port. */
export interface PairGateway {
  readonly id: string;
  readonly url: string;
  readonly port: number;
  readonly child: GatewayChild;
  readonly dataDir: string;
  /** Its site file (the bench starts a single gateway on the same site from it). */
  readonly siteFile: string;
  readonly ends: ChildEnd[];
  /** Its /readyz body (null when it does not answer). */
  readyz(): Promise<{ status: number; body: Record<string, unknown> } | null>;
}

export interface PairSiteOptions {
  /** Leak sensors on the site broker (each raises an emergency water-leak when wet). Default 4. */
  readonly leakSensors?: number;
  readonly leaseSeconds?: number;
  readonly aloneAfterSeconds?: number;
  /** Changes etcd keeps behind the newest (`ha.keptChanges`, default 10,000). */
  readonly keptChanges?: number;
  /** etcd's space quota in bytes (default 2 GB). */
  readonly etcdQuotaBytes?: number;
  /**
   * Each gateway and its etcd member run with a group of their own (`ha-gw-a`, `ha-gw-b`; the witness
   * as the test), so `partition` can cut the two machines from each other while both see the witness.
   */
  readonly separateMachines?: boolean;
  /** Extra environment for both gateway processes. */
  readonly env?: NodeJS.ProcessEnv;
  /** The leak sensors' water-leak on-delay (the bench: 0, so a fault's time is the gateway's, not the delay's). Default the built-in 5 s. */
  readonly leakOnDelaySeconds?: number;
  /** Each line either gateway writes, as it comes (the bench times `ticket.raised` by it). */
  readonly onLine?: (gatewayId: string, line: string) => void;
  /** More top-level keys of both site files (the bench: `alarms` with flood grouping off, so each of its faults is a lone one). */
  readonly siteFileExtra?: Record<string, unknown>;
}

/**
 * A site with two gateways (docs/high-availability.md), everything real on 127.0.0.1: three etcd
 * members (the two gateways' and the witness), the site's own MQTT broker (aedes with persistent
 * sessions, as a mosquitto would keep them), the reference central service, and both gateways as
 * processes of dist/gateway/main.js. Used by the HA tests, the gateway-failover scenario and the bench.
 */
export class PairSite {
  readonly etcd: EtcdCluster;
  readonly broker: ExternalBroker;
  readonly central: CentralService;
  readonly gateways: readonly [PairGateway, PairGateway];
  readonly sensors: readonly string[];
  /** With `separateMachines`: cuts gateway A's machine (it and its etcd member) from B's, the witness still seen by both. */
  partition: LoopbackPartition | null = null;
  readonly #root: string;
  #device: MqttClient | null = null;

  private constructor(root: string, etcd: EtcdCluster, broker: ExternalBroker, central: CentralService, gateways: [PairGateway, PairGateway], sensors: string[]) {
    this.#root = root;
    this.etcd = etcd;
    this.broker = broker;
    this.central = central;
    this.gateways = gateways;
    this.sensors = sensors;
  }

  static async start(opts: PairSiteOptions = {}): Promise<PairSite> {
    const root = await mkdtemp(path.join(tmpdir(), 'pair-site-'));
    const users = opts.separateMachines === true ? [await LoopbackPartition.side('ha-gw-a'), await LoopbackPartition.side('ha-gw-b')] : null;
    const etcd = await EtcdCluster.start(3, { ...(opts.etcdQuotaBytes === undefined ? {} : { quotaBytes: opts.etcdQuotaBytes }), ...(users === null ? {} : { users: [users[0] ?? null, users[1] ?? null, null] }) });
    const broker = await startExternalBroker({ persistent: true });
    const central = new CentralService({ tokens: [TOKEN], progress: false });
    const centralUrl = await central.start(await freePort(), '127.0.0.1');
    const sensors = Array.from({ length: opts.leakSensors ?? 4 }, (_, i) => `leak-${i + 1}`);
    const make = async (id: string, as: RunAs | null): Promise<PairGateway> => {
      // Outside the ephemeral range: a killed gateway starts again on it (free-port.ts).
      const port = await freeRestartablePort();
      const dir = path.join(root, id);
      const dataDir = path.join(dir, 'data');
      await mkdir(dataDir, { recursive: true });
      const file = path.join(dir, 'site.json');
      await writeFile(file, JSON.stringify({ ...pairSiteFile({ id, port, dataDir, brokerUrl: broker.url, centralUrl, etcd: etcd.endpoints, sensors, leaseSeconds: opts.leaseSeconds ?? 2, aloneAfterSeconds: opts.aloneAfterSeconds ?? 10, ...(opts.keptChanges === undefined ? {} : { keptChanges: opts.keptChanges }), ...(opts.leakOnDelaySeconds === undefined ? {} : { leakOnDelaySeconds: opts.leakOnDelaySeconds }) }), ...opts.siteFileExtra }, null, 2));
      const ends: ChildEnd[] = [];
      const onLine = opts.onLine;
      const child = new GatewayChild(file, { CENTRAL_TOKEN: TOKEN, ...opts.env }, (e) => ends.push(e), { as, ...(onLine === undefined ? {} : { onLine: (line: string) => onLine(id, line) }) });
      const url = `http://127.0.0.1:${port}`;
      return { id, url, port, child, dataDir, siteFile: file, ends, readyz: () => readyz(url) };
    };
    const gateways: [PairGateway, PairGateway] = [await make('gw-a', users?.[0] ?? null), await make('gw-b', users?.[1] ?? null)];
    const site = new PairSite(root, etcd, broker, central, gateways, sensors);
    if (users !== null) {
      const [ua, ub] = users as [RunAs, RunAs];
      const [a, b] = gateways;
      const m0 = etcd.ports(0);
      const m1 = etcd.ports(1);
      site.partition = new LoopbackPartition([
        { as: ua, theirPorts: [m1.client, m1.peer, b.port] },
        { as: ub, theirPorts: [m0.client, m0.peer, a.port] },
      ]);
    }
    return site;
  }

  /** Starts both gateways (the first one first, so it becomes the active). */
  async startBoth(): Promise<void> {
    await this.gateways[0].child.start();
    await this.waitForActive(15_000);
    await this.gateways[1].child.start();
    await this.waitForStandby(this.gateways[1], 15_000);
  }

  /** Until `g` says it is a ready standby: following the active's store and reading the devices. */
  async waitForStandby(g: PairGateway, timeoutMs: number): Promise<void> {
    const started = performance.now();
    for (;;) {
      const r = await g.readyz();
      if (r?.status === 200 && (r.body['pair'] as { role?: string } | undefined)?.role === 'standby') return;
      if (performance.now() - started > timeoutMs) throw new Error(`${g.id} was not a ready standby within ${timeoutMs / 1000} s: ${JSON.stringify(r?.body ?? null)}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** The gateway whose /readyz says it is the active (null when none does). */
  async active(): Promise<PairGateway | null> {
    for (const g of this.gateways) {
      if (!g.child.running) continue;
      const r = await g.readyz();
      const pair = r?.body['pair'] as { role?: string } | undefined;
      if (pair?.role === 'active') return g;
    }
    return null;
  }

  async waitForActive(timeoutMs: number, not?: PairGateway): Promise<PairGateway> {
    const started = performance.now();
    for (;;) {
      const a = await this.active();
      if (a !== null && a !== not) return a;
      if (performance.now() - started > timeoutMs) throw new Error(`no gateway became the active within ${timeoutMs / 1000} s:\n${this.gateways.map((g) => `${g.id}:\n${g.child.lines.slice(-15).join('\n')}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  other(g: PairGateway): PairGateway {
    return g === this.gateways[0] ? this.gateways[1] : this.gateways[0];
  }

  /** A leak sensor publishes on the site broker (QoS 1), as the device would. */
  async publish(sensor: string, wet: boolean): Promise<void> {
    this.#device ??= await mqtt.connectAsync(this.broker.url, { clientId: 'pair-site-devices', reconnectPeriod: 500 });
    await this.#device.publishAsync(`site/${sensor}/wet`, JSON.stringify({ value: wet }), { qos: 1 });
  }

  /** The pair's own events and tickets from both gateways' logs (to read when a test fails). */
  dump(): string {
    return this.gateways.map((g) => `--- ${g.id}\n${g.child.lines.filter((l) => /"event":"(ha|ticket|gateway|sync\.dead|notify\.(sent|given_up))/.test(l)).join('\n')}`).join('\n');
  }

  async stop(): Promise<void> {
    if (process.env['HA_DEBUG'] === '1') process.stderr.write(`${this.dump()}\n`);
    await this.partition?.heal();
    await this.#device?.endAsync(true).catch(() => undefined);
    for (const g of this.gateways) await g.child.stop().catch(() => undefined);
    await this.central.stop();
    await this.broker.close();
    await this.etcd.stop();
    await rm(this.#root, { recursive: true, force: true });
  }
}

async function readyz(url: string): Promise<{ status: number; body: Record<string, unknown> } | null> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } catch {
    return null;
  }
}

interface PairFileParts {
  readonly id: string;
  readonly port: number;
  readonly dataDir: string;
  readonly brokerUrl: string;
  readonly centralUrl: string;
  readonly etcd: readonly string[];
  readonly sensors: readonly string[];
  readonly leaseSeconds: number;
  readonly aloneAfterSeconds: number;
  readonly keptChanges?: number;
  readonly leakOnDelaySeconds?: number;
}

/** The site file of one gateway of the pair: the same site, its own id, port and data folder. */
function pairSiteFile(p: PairFileParts): Record<string, unknown> {
  return {
    site: { id: 'pair-site', code: 'HA01', name: '双机测试站点 Pair site', timeZone: 'Asia/Shanghai' },
    broker: { mode: 'external', url: p.brokerUrl, clientId: 'gw-pair', keepaliveSeconds: 5 },
    http: { host: '127.0.0.1', port: p.port, publicUrl: `http://127.0.0.1:${p.port}` },
    dataDir: p.dataDir,
    central: { url: p.centralUrl, token: { env: 'CENTRAL_TOKEN' } },
    notify: { channels: [{ id: 'mqtt-alerts', type: 'mqtt', topic: 'alerts/{tier}' }] },
    users: [{ id: 'e-li', name: '李工', role: 'engineer', tokenSha256: createHash('sha256').update(PAIR_ENGINEER_TOKEN).digest('hex'), buildings: [] }],
    ha: { gatewayId: p.id, place: p.id === 'gw-a' ? 1 : 2, etcd: p.etcd, leaseSeconds: p.leaseSeconds, aloneAfterSeconds: p.aloneAfterSeconds, ...(p.keptChanges === undefined ? {} : { keptChanges: p.keptChanges }) },
    devices: p.sensors.map((id, i) => ({
      id,
      kind: 'leak-sensor',
      name: `${i + 1} 号漏水传感器`,
      nameEn: `Leak sensor ${i + 1}`,
      location: { building: 'T1', floor: `B${(i % 3) + 1}`, description: `B${(i % 3) + 1} 泵房 ${i + 1} 号点`, descriptionEn: `B${(i % 3) + 1} pump room, spot ${i + 1}` },
      source: { protocol: 'mqtt', heartbeatSeconds: 3600, points: [{ id: 'wet' }] },
      ...(p.leakOnDelaySeconds === undefined ? {} : { faults: { 'water-leak': { onDelaySeconds: p.leakOnDelaySeconds } } }),
    })),
  };
}
