import type { Contract, Tier } from '../config/site-schema.js';
import type { Deadlines } from './ticket.js';

const MINUTE = 60_000;

/** Deadlines are stamped once, at creation, from the contract in force then. */
export function stampDeadlines(contract: Contract, tier: Tier, createdAt: number): Deadlines {
  const c = contract[tier];
  const at = (min: number): string => new Date(createdAt + min * MINUTE).toISOString();
  return {
    acknowledgeBy: at(c.acknowledgeMinutes),
    dispatchBy: at(c.dispatchMinutes),
    onSiteBy: c.onSiteMinutes === null ? null : at(c.onSiteMinutes),
    resolveBy: at(c.resolveMinutes),
  };
}
