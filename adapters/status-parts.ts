import type { AdapterKind, AdapterStatus, DeviceLinkStatus, LinkState, StatusOptions, UpstreamStatus } from '../core/adapter.js';
import type { Lifecycle } from './adapter-life.js';


/** Running: online when every upstream is, backoff when one waits to reconnect, else connecting. */
export function linkStateOf(lifecycle: Lifecycle, upstreams: readonly UpstreamStatus[]): LinkState {
  if (lifecycle !== 'running') return lifecycle;
  if (upstreams.every((u) => u.state === 'online')) return 'online';
  if (upstreams.some((u) => u.state === 'backoff')) return 'backoff';
  return 'connecting';
}

/** The adapter's own error counts (link losses) plus those its devices counted per request. */
export function errorTotals(own: Readonly<Record<string, number>>, devices: readonly Pick<DeviceLinkStatus, 'errors'>[]): Record<string, number> {
  const sum: Record<string, number> = { ...own };
  for (const d of devices) for (const [code, n] of Object.entries(d.errors)) sum[code] = (sum[code] ?? 0) + n;
  return sum;
}

/** What an adapter counts itself: its readings, the last good one, its own error counts and last error. */
export interface OwnCounts {
  readonly readings: number;
  readonly lastGood: number | null;
  readonly errors: Readonly<Record<string, number>>;
  readonly lastError: string | null;
}

/**
 * The status of an adapter over shared upstreams (Modbus, SNMP, BACnet): its state from its life and
 * its upstreams, connected when `connected` says so of the upstreams, the errors of its devices
 * added to its own, the devices left out when the caller asks for the summary only.
 */
export function upstreamAdapterStatus(
  kind: AdapterKind,
  life: Lifecycle,
  own: OwnCounts,
  upstreams: readonly UpstreamStatus[],
  devices: readonly DeviceLinkStatus[],
  opts: StatusOptions & { connected?: (upstreams: readonly UpstreamStatus[]) => boolean },
): AdapterStatus {
  return {
    kind,
    state: linkStateOf(life, upstreams),
    connected: (opts.connected ?? ((u) => u.some((x) => x.state === 'online')))(upstreams),
    lastGoodReadingTs: own.lastGood,
    readings: own.readings,
    errors: errorTotals(own.errors, devices),
    lastError: own.lastError,
    upstreams,
    devices: opts.devices === false ? [] : devices,
  };
}
