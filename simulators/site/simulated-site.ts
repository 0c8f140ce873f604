import type { Clock } from '../../core/clock.js';
import type { Device, SiteConfig } from '../../gateway/config/site-schema.js';
import { SimulatedPushDevice } from '../http-push/simulated-push-device.js';
import { SimulatedPump, type PumpPointId } from '../modbus/simulated-pump.js';
import { LEAK_SENSOR_POINTS, POWER_METER_POINTS, SimulatedMqttDevice, type PointModel, type SimValue } from '../mqtt/simulated-mqtt-device.js';
import { SimulatedElevatorServer } from '../opcua/simulated-elevator.js';
import { SimulatedElevatorBox } from '../mqtt/simulated-elevator-box.js';
import { codeTable } from '../../gateway/detect/elevator-codes.js';
import { SimulatedInternetwork, type SimulatedBacnetEntry } from '../bacnet/simulated-internetwork.js';
import { shortCycle } from '../bacnet/simulated-chiller.js';
import { airHandlerNormal, mapsAirHandler, valveLeak } from '../bacnet/simulated-air-handler.js';
import type { TimerHandle } from '../../core/clock.js';
import { freeUdpPort, SimulatedUps, type UpsValue } from '../snmp/simulated-ups.js';

export type DeviceMode = 'silence' | 'resume' | 'entrap' | 'out-of-service' | 'burst' | 'fail' | 'dry-run' | 'run-flat' | 'normal' | ElevatorEventMode | FddMode;

/** What an elevator does in the lift-monitoring vocabulary, as the OPC UA car acts it or an elevator box reports it. */
type ElevatorEventMode = 'overtravel-top' | 'overtravel-bottom' | 'moving-doors-open';

/** The elevator fault each mode is (an elevator box reports it as that fault's code). */
const MODE_FAULTS: Readonly<Partial<Record<DeviceMode, string>>> = {
  entrap: 'elevator-entrapment',
  'out-of-service': 'elevator-out-of-service',
  'overtravel-top': 'elevator-overtravel-top',
  'overtravel-bottom': 'elevator-overtravel-bottom',
  'moving-doors-open': 'elevator-moving-doors-open',
};

/** The rule pack's faults (issue 35): a pump that loses its suction, a chiller short-cycling, a coil valve leaking. */
export type FddMode = 'lose-suction' | 'short-cycle' | 'valve-leak';

/** One simulated device, whatever protocol it speaks. */
export interface SimDeviceHandle {
  readonly id: string;
  readonly protocol: Device['source']['protocol'];
  set(pointId: string, value: SimValue): Promise<void>;
  mode(mode: DeviceMode): Promise<void>;
}

export interface SimulatedSiteOptions {
  readonly clock: Clock;
  /** 'free': Modbus and OPC UA simulators on free ports (tests, scenarios); 'config': on the site file's ports (operators). */
  readonly ports: 'free' | 'config';
}

const SUMP_POINTS: Readonly<Record<string, PointModel>> = { level: { base: 0.3, noise: 0.02 } };

/**
 * The simulators a site file needs: a Modbus TCP server per Modbus address, an OPC UA server per
 * endpoint, an MQTT client per MQTT device. `siteForGateway()` is the site file pointed at them.
 */
export class SimulatedSite {
  readonly #site: SiteConfig;
  readonly #o: SimulatedSiteOptions;
  readonly #pumps = new Map<string, SimulatedPump>();
  readonly #elevators = new Map<string, { server: SimulatedElevatorServer; name: string }>();
  readonly #mqtt = new Map<string, SimulatedMqttDevice>();
  readonly #boxes = new Map<string, { box: SimulatedElevatorBox; codePoint: string; raises: Readonly<Record<string, string>> }>();
  readonly #push = new Map<string, SimulatedPushDevice>();
  readonly #upses = new Map<string, SimulatedUps>();
  readonly #endpoints = new Map<string, string>();
  readonly #modbusPorts = new Map<string, number>();
  #bacnet: SimulatedInternetwork | null = null;
  /** Chillers short-cycling (mode short-cycle) until normal. */
  readonly #cycling = new Map<string, TimerHandle>();
  #rewritten: SiteConfig;

  private constructor(site: SiteConfig, o: SimulatedSiteOptions) {
    this.#site = site;
    this.#o = o;
    this.#rewritten = site;
  }

  /** Starts the Modbus and OPC UA simulators (MQTT devices need the broker: `connectMqtt`). */
  static async start(site: SiteConfig, o: SimulatedSiteOptions): Promise<SimulatedSite> {
    const s = new SimulatedSite(site, o);
    await s.#startServers();
    return s;
  }

  siteForGateway(): SiteConfig {
    return this.#rewritten;
  }

  /** Connects every MQTT device of the site to the broker with its own credentials. */
  async connectMqtt(brokerUrl: string): Promise<void> {
    for (const d of this.#site.devices) {
      if (d.source.protocol !== 'mqtt') continue;
      const password = d.source.password !== undefined && 'value' in d.source.password ? d.source.password.value : process.env[d.source.password && 'env' in d.source.password ? d.source.password.env : ''];
      const table = codeTable(d.eventCodes);
      if (d.kind === 'elevator' && d.source.points.some((p) => p.id === table.point)) {
        // An elevator box: it reports event codes, not sampled points.
        const box = new SimulatedElevatorBox({
          deviceId: d.id,
          brokerUrl,
          username: d.source.username ?? d.id,
          ...(password === undefined ? {} : { password }),
          topic: d.source.topic,
          codePoint: table.point,
          ...(d.source.points.some((p) => p.id === 'floor') ? { floorPoint: 'floor' } : {}),
          heartbeatMs: Math.min(60_000, (d.source.heartbeatSeconds * 1000) / 4),
          clock: this.#o.clock,
        });
        await box.start();
        this.#boxes.set(d.id, { box, codePoint: table.point, raises: table.raises });
        continue;
      }
      const points: Record<string, PointModel> = {};
      const model = d.kind === 'leak-sensor' ? LEAK_SENSOR_POINTS : d.kind === 'power-meter' ? POWER_METER_POINTS : d.kind === 'sump' ? SUMP_POINTS : {};
      for (const p of d.source.points) points[p.id] = model[p.id] ?? { base: 0 };
      const dev = new SimulatedMqttDevice({
        deviceId: d.id,
        brokerUrl,
        username: d.source.username ?? d.id,
        ...(password === undefined ? {} : { password }),
        topic: d.source.topic,
        points,
        // Well inside the heartbeat window, so a healthy device is never taken for offline.
        heartbeatMs: Math.min(60_000, (d.source.heartbeatSeconds * 1000) / 4),
        clock: this.#o.clock,
      });
      await dev.start();
      this.#mqtt.set(d.id, dev);
    }
  }

  /** Starts a pusher per HTTP push device of the site, pushing to the gateway at `gatewayUrl` with its own token. */
  async connectHttp(gatewayUrl: string): Promise<void> {
    for (const d of this.#site.devices) {
      if (d.source.protocol !== 'http' || this.#push.has(d.id)) continue;
      const t = d.source.token;
      const token = 'value' in t ? t.value : process.env[t.env];
      if (token === undefined) throw new Error(`device "${d.id}": environment variable ${'env' in t ? t.env : ''} holds no push token`);
      const dev = new SimulatedPushDevice({ deviceId: d.id, source: d.source, token, gatewayUrl, clock: this.#o.clock });
      await dev.start();
      this.#push.set(d.id, dev);
    }
  }

  device(id: string): SimDeviceHandle {
    const d = this.#site.devices.find((x) => x.id === id);
    if (d === undefined) throw new Error(`no device "${id}" in the site file`);
    const mqttDev = this.#mqtt.get(id);
    const pump = this.#pumps.get(id);
    const lift = this.#elevators.get(id);
    const bac = this.#bacnet?.device(id);
    const pusher = this.#push.get(id);
    const ups = this.#upses.get(id);
    const box = this.#boxes.get(id);
    return {
      id,
      protocol: d.source.protocol,
      set: async (pointId, value) => {
        if (mqttDev !== undefined) return mqttDev.set(pointId, value);
        if (box !== undefined) {
          if (pointId === box.codePoint) return box.box.event(String(value));
          if (pointId === 'floor') return box.box.event(box.box.code, Number(value));
          throw new Error(`elevator box "${id}" reports only its codes (${box.codePoint}) and floor, not "${pointId}"`);
        }
        if (pusher !== undefined) {
          const answer = await pusher.set(pointId, value);
          if (answer.status !== 200) throw new Error(`the gateway refused the push of ${id}/${pointId}: ${answer.status} ${JSON.stringify(answer.body)}`);
          return;
        }
        if (pump !== undefined) return pump.set(pointId as PumpPointId, typeof value === 'string' ? Number(value) : value);
        if (lift !== undefined) return lift.server.set(pointId, typeof value === 'string' ? Number(value) : value, lift.name);
        if (bac !== undefined) return bacnetSet(bac, pointId, typeof value === 'string' ? Number(value) : value);
        if (ups !== undefined) {
          // onBattery is what happens to the UPS (mains fails: it traps at once); other points are UPS-MIB values.
          if (pointId === 'onBattery') return value === true ? ups.mainsFail() : ups.mainsRestore();
          return ups.set(pointId as UpsValue, Number(value));
        }
        throw new Error(`device "${id}" has no simulator`);
      },
      mode: async (mode) => {
        if (mqttDev !== undefined) {
          if (mode === 'silence') return mqttDev.silence();
          if (mode === 'resume' || mode === 'normal') return mqttDev.resume();
        } else if (pusher !== undefined) {
          if (mode === 'silence') return pusher.silence();
          if (mode === 'resume' || mode === 'normal') return pusher.resume();
        } else if (pump !== undefined) {
          if (mode === 'burst') return pump.setMode('burst');
          if (mode === 'fail') return pump.setMode('failure');
          if (mode === 'dry-run') return pump.set('faultCode', 3);
          if (mode === 'lose-suction') return pump.setMode('dry');
          if (mode === 'normal') {
            pump.release('faultCode');
            return pump.setMode('normal');
          }
        } else if (box !== undefined) {
          if (mode === 'normal') return box.box.event(0);
          const fault = MODE_FAULTS[mode];
          const code = Object.entries(box.raises).find(([, f]) => f === fault)?.[0];
          if (code !== undefined) return box.box.event(code);
        } else if (lift !== undefined) {
          if (mode === 'overtravel-top' || mode === 'overtravel-bottom') return lift.server.overTravel(mode === 'overtravel-top' ? 'top' : 'bottom', lift.name);
          if (mode === 'moving-doors-open') return lift.server.moveWithDoorsOpen(lift.name);
          if (mode === 'entrap') return lift.server.entrap(lift.name);
          if (mode === 'out-of-service') return lift.server.outOfService(21, lift.name);
          if (mode === 'normal') return lift.server.normal(lift.name);
        } else if (bac !== undefined) {
          if (mode === 'short-cycle') {
            this.#cycling.get(id)?.cancel();
            this.#cycling.set(id, shortCycle(bac.sim, this.#o.clock));
            return;
          }
          if (mode === 'valve-leak') return valveLeak(bac.sim);
          if (mode === 'normal') {
            this.#cycling.get(id)?.cancel();
            this.#cycling.delete(id);
            if (mapsAirHandler(bac.src.points)) airHandlerNormal(bac.sim);
          }
          // A unit's fault: its `fault` point (a binary object) goes active; normal clears it.
          if ((mode === 'fail' || mode === 'normal') && bac.src.points.some((p) => p.id === 'fault')) return bacnetSet(bac, 'fault', mode === 'fail');
          if (mode === 'normal') return;
        } else if (ups !== undefined) {
          if (mode === 'normal') return ups.mainsRestore();
          // Mains still out, the battery flat: the UPS switches its output off.
          if (mode === 'run-flat') return ups.runFlat();
        }
        throw new Error(`device "${id}" (${d.kind}) has no mode "${mode}"`);
      },
    };
  }

  deviceIds(): string[] {
    return this.#site.devices.map((d) => d.id);
  }

  /** Takes every server of a protocol away, or brings it back on the same port. */
  async server(target: 'modbus' | 'opcua' | 'bacnet' | 'snmp', action: 'stop' | 'start'): Promise<void> {
    if (target === 'snmp') {
      for (const ups of this.#upses.values()) await (action === 'stop' ? ups.stop() : ups.start(ups.port));
      return;
    }
    if (target === 'bacnet') return this.#bacnet?.server(action);
    if (target === 'modbus') {
      const sims = new Set([...this.#pumps.values()].map((p) => p.simulator));
      for (const sim of sims) {
        if (action === 'stop') await sim.stop();
        else await sim.start(sim.port);
      }
      return;
    }
    const servers = new Set([...this.#elevators.values()].map((e) => e.server));
    for (const s of servers) {
      if (action === 'stop') await s.stop();
      else await s.start(s.port);
    }
  }

  async stop(): Promise<void> {
    for (const c of this.#cycling.values()) c.cancel();
    this.#cycling.clear();
    await Promise.all([...this.#mqtt.values()].map((d) => d.stop()));
    await Promise.all([...this.#boxes.values()].map((b) => b.box.stop()));
    await Promise.all([...this.#push.values()].map((d) => d.stop()));
    await Promise.all([...this.#pumps.values()].map((p) => p.stop()));
    await Promise.all([...this.#upses.values()].map((u) => u.stop()));
    await Promise.all([...new Set([...this.#elevators.values()].map((e) => e.server))].map((s) => s.stop()));
    await this.#bacnet?.stop();
  }

  async #startServers(): Promise<void> {
    const devices: Device[] = [];
    const servers = new Map<string, SimulatedElevatorServer>();
    for (const d of this.#site.devices) {
      const src = d.source;
      if (src.protocol === 'modbus' && src.transport.type === 'tcp') {
        const key = `${src.transport.host}:${src.transport.port}`;
        const pump = new SimulatedPump({ unitId: src.unitId, clock: this.#o.clock });
        const port = await pump.start(this.#o.ports === 'free' ? 0 : (this.#modbusPorts.get(key) ?? src.transport.port));
        this.#modbusPorts.set(key, port);
        this.#pumps.set(d.id, pump);
        devices.push({ ...d, source: { ...src, transport: { ...src.transport, host: '127.0.0.1', port } } });
      } else if (src.protocol === 'opcua') {
        const name = /s=([A-Za-z0-9_]+)\./.exec(src.points[0]?.nodeId ?? '')?.[1] ?? 'ElevatorA';
        let server = servers.get(src.endpoint);
        if (server === undefined) {
          const names = this.#site.devices.flatMap((x) => (x.source.protocol === 'opcua' && x.source.endpoint === src.endpoint ? [/s=([A-Za-z0-9_]+)\./.exec(x.source.points[0]?.nodeId ?? '')?.[1] ?? 'ElevatorA'] : []));
          server = new SimulatedElevatorServer({ elevators: names, clock: this.#o.clock });
          const configPort = Number(new URL(src.endpoint.replace('opc.tcp://', 'http://')).port || 4840);
          const endpoint = await server.start(this.#o.ports === 'free' ? 0 : configPort);
          servers.set(src.endpoint, server);
          this.#endpoints.set(src.endpoint, endpoint);
        }
        this.#elevators.set(d.id, { server, name });
        devices.push({ ...d, source: { ...src, endpoint: this.#endpoints.get(src.endpoint) ?? src.endpoint } });
      } else if (src.protocol === 'snmp') {
        const secret = (r: { value: string } | { env: string } | undefined): string | undefined => (r === undefined ? undefined : 'value' in r ? r.value : process.env[r.env]);
        const u = src.user;
        const trapPort = src.trapPort === undefined ? undefined : this.#o.ports === 'free' ? await freeUdpPort() : src.trapPort;
        const ups = new SimulatedUps({
          community: secret(src.community) ?? 'public',
          ...(u === undefined ? {} : { v3: { name: u.name, authKey: secret(u.authKey) ?? '', privKey: secret(u.privKey) ?? '' } }),
          ...(trapPort === undefined ? {} : { trapPort }),
          trapVersion: src.version,
        });
        const port = await ups.start(this.#o.ports === 'free' ? undefined : src.port);
        this.#upses.set(d.id, ups);
        devices.push({ ...d, source: { ...src, host: '127.0.0.1', port, ...(trapPort === undefined ? {} : { trapPort }) } });
      } else {
        devices.push(d);
      }
    }
    // BACnet devices, their routers and the BBMD: one internetwork (simulated-internetwork.ts).
    this.#bacnet = await SimulatedInternetwork.start(this.#site, this.#o);
    this.#rewritten = this.#bacnet.siteFor({ ...this.#site, devices });
  }
}

/** Sets a BACnet device's point by the object the site file maps it to. */
function bacnetSet(b: SimulatedBacnetEntry, pointId: string, value: number | boolean): Promise<void> {
  const p = b.src.points.find((x) => x.id === pointId);
  if (p === undefined) throw new Error(`BACnet device ${b.src.deviceInstance} maps no point "${pointId}"`);
  b.sim.set(p.objectType, p.instance, value);
  return Promise.resolve();
}
