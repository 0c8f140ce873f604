import type { Adapter } from '../core/adapter.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/log.js';
import { createHttpPushAdapter, type HttpPushAdapter } from '../adapters/http-push/http-push-adapter.js';
import { createMqttAdapter, type MqttAdapter } from '../adapters/mqtt/index.js';
import type { MqttPresence } from '../adapters/mqtt/mqtt-adapter.js';
import type { SiteConfig } from './config/site-schema.js';
import { DetectionEngine } from './detect/detection-engine.js';

/**
 * What reads the site: the adapters of its protocols and the detection engine their readings feed.
 * A single gateway makes it with the rest (app.ts); one of a pair makes it once and keeps it
 * running whatever its role, so the standby's detection is warm (its faults already in their
 * on-delays) when it is promoted, and the acting parts come and go around it.
 */
export interface Sensing {
  readonly adapters: readonly Adapter[];
  readonly mqtt: MqttAdapter;
  readonly push: HttpPushAdapter | null;
  readonly detect: DetectionEngine;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SensingDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly presence: MqttPresence;
  readonly connectionCap: { max: number; fileLimit: number } | null;
  /** Devices left unread (a standby's `standby: "cold"` sources, read by the active only). */
  readonly skip?: (deviceId: string) => boolean;
}

/** The adapters of every protocol but MQTT for the devices `read` keeps: loaded only when a site has such devices. */
async function protocolAdapters(site: SiteConfig, deps: Pick<SensingDeps, 'clock' | 'log' | 'env'>, read: (id: string) => boolean): Promise<{ adapters: Adapter[]; push: HttpPushAdapter | null }> {
  const { clock, log, env } = deps;
  const byProtocol = <P extends SiteConfig['devices'][number]['source']['protocol']>(p: P) =>
    site.devices.flatMap((d) => (d.source.protocol === p && read(d.id) ? [{ id: d.id, source: d.source as Extract<typeof d.source, { protocol: P }> }] : []));
  const adapters: Adapter[] = [];
  const modbusDevices = byProtocol('modbus');
  if (modbusDevices.length > 0) {
    // Loaded only when the site has Modbus devices: modbus-serial brings serialport's native binding (~16 MB).
    const { createModbusAdapter } = await import('../adapters/modbus/modbus-adapter.js');
    adapters.push(createModbusAdapter({ devices: modbusDevices }, { clock, log: log.child({ component: 'adapter.modbus' }) }));
  }
  const opcuaDevices = byProtocol('opcua');
  if (opcuaDevices.length > 0) {
    // Loaded only when the site has OPC UA devices: the SDK costs ~110 MB of memory on import.
    const { createOpcuaAdapter } = await import('../adapters/opcua/index.js');
    adapters.push(await createOpcuaAdapter({ devices: opcuaDevices, dataDir: site.dataDir }, { clock, log: log.child({ component: 'adapter.opcua' }), env }));
  }
  const bacnetDevices = byProtocol('bacnet');
  if (bacnetDevices.length > 0) {
    // Loaded only when the site has BACnet devices, like OPC UA: the stack is not imported otherwise.
    const { createBacnetAdapter } = await import('../adapters/bacnet/index.js');
    adapters.push(await createBacnetAdapter({ devices: bacnetDevices, site: site.bacnet }, { clock, log: log.child({ component: 'adapter.bacnet' }) }));
  }
  const snmpDevices = byProtocol('snmp');
  if (snmpDevices.length > 0) {
    // Loaded only when the site has SNMP devices, like OPC UA: no site pays for a library it does not use.
    const { createSnmpAdapter } = await import('../adapters/snmp/index.js');
    adapters.push(await createSnmpAdapter({ devices: snmpDevices }, { clock, log: log.child({ component: 'adapter.snmp' }), env }));
  }
  // Pushing devices reach the gateway on its own HTTP port: the adapter is fed by a route of the API.
  const httpDevices = byProtocol('http');
  const push = httpDevices.length > 0 ? createHttpPushAdapter({ devices: httpDevices }, { clock, log: log.child({ component: 'adapter.http' }), env }) : null;
  if (push !== null) adapters.push(push);
  return { adapters, push };
}

/**
 * The cold sources of a pair (readByActiveOnly), read by the active beside its warm sensing and
 * feeding its engine: made at promotion, stopped when it stands down. Never MQTT: a broker serves both.
 */
export async function createColdSensing(site: SiteConfig, warm: Sensing, deps: Pick<SensingDeps, 'clock' | 'log' | 'env'>): Promise<Sensing> {
  const cold = new Set(site.devices.filter(readByActiveOnly).map((d) => d.id));
  const { adapters, push } = await protocolAdapters(site, deps, (id) => cold.has(id));
  const feed = (r: Parameters<DetectionEngine['ingest']>[0]): void => warm.detect.ingest(r);
  for (const a of adapters) a.on('reading', feed);
  const both: Sensing = {
    adapters: [...warm.adapters, ...adapters],
    mqtt: warm.mqtt,
    push: warm.push ?? push,
    detect: warm.detect,
    start: async () => {
      warm.detect.setUnread(new Set());
      for (const a of adapters) await a.start();
    },
    stop: async () => {
      for (const a of [...adapters].reverse()) await a.stop();
      for (const a of adapters) a.off('reading', feed);
      warm.detect.setUnread(cold);
    },
  };
  return both;
}

/** Whether one of a pair reads this device only while it is the active (`standby: "cold"`; Modbus RTU by default; never MQTT). */
export function readByActiveOnly(d: SiteConfig['devices'][number]): boolean {
  if (d.source.protocol === 'mqtt') return false;
  if (d.standby !== undefined) return d.standby === 'cold';
  return d.source.protocol === 'modbus' && d.source.transport.type === 'rtu';
}

export async function createSensing(site: SiteConfig, deps: SensingDeps): Promise<Sensing> {
  const { clock, log, env } = deps;
  const read = (id: string): boolean => deps.skip === undefined || !deps.skip(id);
  const mqttDevices = site.devices.flatMap((d) => (d.source.protocol === 'mqtt' && read(d.id) ? [{ id: d.id, source: d.source }] : []));
  const mqtt = await createMqttAdapter({ broker: site.broker, devices: mqttDevices, connectionCap: deps.connectionCap, presence: deps.presence }, { clock, log: log.child({ component: 'adapter.mqtt' }), env });
  const others = await protocolAdapters(site, { clock, log, env }, read);
  const adapters: Adapter[] = [mqtt, ...others.adapters];
  const push = others.push;
  const detect = new DetectionEngine(site, clock);
  const feed = (r: Parameters<DetectionEngine['ingest']>[0]): void => detect.ingest(r);
  for (const a of adapters) a.on('reading', feed);
  return {
    adapters,
    mqtt,
    push,
    detect,
    async start() {
      detect.start();
      for (const a of adapters) await a.start();
    },
    async stop() {
      for (const a of [...adapters].reverse()) await a.stop();
      detect.stop();
    },
  };
}
