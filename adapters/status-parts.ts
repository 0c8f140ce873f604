import type { DeviceLinkStatus, LinkState, UpstreamStatus } from '../core/adapter.js';
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
