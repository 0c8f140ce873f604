import type { AdapterStatus } from '../../core/adapter.js';
import type { AbsenceReport, GatewayRole, SiteStatus, UpstreamHealth } from '../../cloud-sync/site-status.js';
import type { SyncStatus } from '../../cloud-sync/sync-status.js';
import type { ClockHealth } from '../clock-step-watch.js';
import type { Clock } from '../../core/clock.js';
import type { SiteConfig } from '../config/site-schema.js';
import type { AlertHealth } from '../notify/index.js';
import type { Store } from '../store/store.js';

export interface SiteStatusSources {
  readonly site: SiteConfig;
  readonly gatewayId: string;
  readonly version: string;
  readonly role: GatewayRole;
  readonly epoch?: number | null;
  readonly clock: Clock;
  readonly store: Store;
  readonly startedAt: () => number;
  readonly adapters: () => readonly AdapterStatus[];
  readonly alerts: () => AlertHealth;
  readonly sync: () => SyncStatus;
  readonly clockHealth: () => ClockHealth;
  /** Wall time of the last reading any adapter delivered, null before the first. */
  readonly lastReadingAt: () => number | null;
  readonly lastAbsence: () => AbsenceReport | null;
  /** Storm mode on now, or null. */
  readonly storm: () => { readonly startedAt: number; readonly until: number; readonly building: string | null; readonly reason: string } | null;
}

const iso = (ms: number | null): string | null => (ms === null || ms <= 0 ? null : new Date(ms).toISOString());

/** The devices that have no good readings now: a device-offline alarm is active. */
function offlineDevices(store: Store): Set<string> {
  const out = new Set<string>();
  for (const a of Object.values(store.data.alarms)) if (a.state === 'active' && a.fault === 'device-offline') out.add(a.deviceId);
  return out;
}

/**
 * Each upstream an adapter reports (external broker, Modbus gateway, OPC UA server, BACnet
 * device, SNMP agent) with its devices; devices behind none of them (the embedded broker's,
 * pushing devices) count under their adapter. While an upstream is down all its devices count as
 * offline (their own offline tickets are held back behind its one).
 */
function upstreamHealth(adapters: readonly AdapterStatus[], site: SiteConfig, offline: ReadonlySet<string>): UpstreamHealth[] {
  const out: UpstreamHealth[] = [];
  for (const a of adapters) {
    const covered = new Set<string>();
    for (const u of a.upstreams) {
      for (const id of u.deviceIds) covered.add(id);
      const down = u.state !== 'online';
      out.push({ id: u.id, kind: u.kind, address: u.address, state: u.state, devices: u.deviceIds.length, offlineDevices: down ? u.deviceIds.length : u.deviceIds.filter((id) => offline.has(id)).length, since: iso(u.since), lastError: u.lastError });
    }
    const rest = site.devices.filter((d) => d.source.protocol === a.kind && !covered.has(d.id));
    if (rest.length === 0 && a.upstreams.length > 0) continue;
    out.push({ id: a.kind, kind: a.kind === 'mqtt' ? 'mqtt-broker' : `${a.kind}-devices`, address: a.kind === 'mqtt' ? 'embedded' : 'gateway', state: a.state, devices: rest.length, offlineDevices: rest.filter((d) => offline.has(d.id)).length, since: null, lastError: a.lastError });
  }
  return out;
}

function stormOf(storm: ReturnType<SiteStatusSources['storm']>): Pick<SiteStatus, 'storm'> {
  return storm === null ? {} : { storm: { since: new Date(storm.startedAt).toISOString(), until: new Date(storm.until).toISOString(), building: storm.building, reason: storm.reason } };
}

/** The site status as it is now (contract 2.1), built fresh for each send. */
export function buildSiteStatus(s: SiteStatusSources, stopping?: string): SiteStatus {
  const sync = s.sync();
  const alerts = s.alerts();
  const store = s.store.health();
  const step = s.clockHealth().lastStep;
  return {
    siteId: s.site.site.id,
    gatewayId: s.gatewayId,
    version: s.version,
    role: s.role,
    ...(s.epoch === undefined || s.epoch === null ? {} : { epoch: s.epoch }),
    state: stopping === undefined ? 'running' : 'stopping',
    ...(stopping === undefined ? {} : { stoppingBecause: stopping }),
    startedAt: iso(s.startedAt()) ?? new Date(0).toISOString(),
    sentAt: new Date(s.clock.now()).toISOString(),
    heartbeatSeconds: s.site.central?.heartbeatSeconds ?? 30,
    upstreams: upstreamHealth(s.adapters(), s.site, offlineDevices(s.store)),
    alerts: { undeliveredEmergencies: alerts.undelivered.length, numbers: alerts.undelivered.map((u) => u.number) },
    outbox: { backlog: sync.backlog, oldestAgeSeconds: sync.oldestAgeMs === null ? null : Math.round(sync.oldestAgeMs / 1000), deadLetters: sync.deadLetters },
    store: store.writable ? { writable: true, error: null } : { writable: false, error: store.error },
    clock: { steps: s.clockHealth().steps, lastStep: step === null ? null : { at: new Date(step.to).toISOString(), deltaSeconds: Math.round(step.deltaMs / 1000) } },
    lastReadingAt: iso(s.lastReadingAt()),
    lastAbsence: s.lastAbsence(),
    ...stormOf(s.storm()),
  };
}
