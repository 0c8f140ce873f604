/**
 * Whether this process may act on the world now: alert people, talk to central, make a change
 * durable. A single gateway always may. One of a pair (gateway/ha) may only while it holds the
 * site's leadership, judged on the monotonic clock at the moment it acts (a process paused past
 * its lease finds out before it sends anything, not after). Everything that leaves the process
 * asks, at the last step before it leaves.
 */
export interface ActingRight {
  /** This gateway among the pair (or the company's gateways). */
  readonly gatewayId: string;
  mayAct(): boolean;
  /** The fencing epoch while it holds leadership (the leader key's create revision), else null; null for a single gateway. */
  epoch(): number | null;
  /** single: the site has one gateway; active: the pair's leader; alone: one of a pair acting without a quorum. */
  role(): ActingRole;
}

export type ActingRole = 'single' | 'active' | 'alone';

export const singleGateway = (gatewayId: string): ActingRight => ({ gatewayId, mayAct: () => true, epoch: () => null, role: () => 'single' });

/** Headers an upload or status carries so central can tell which of a pair sent it, and refuse a stale epoch. */
export function actingHeaders(right: ActingRight | undefined): Record<string, string> {
  if (right === undefined) return {};
  const epoch = right.epoch();
  return epoch === null ? { 'x-gateway-id': right.gatewayId } : { 'x-gateway-id': right.gatewayId, 'x-gateway-epoch': String(epoch) };
}
