import type { Contract } from '../config/repair-contract-schema.js';
import type { Tier } from '../../core/vocabulary.js';
import { isFinal, type DeadlineStep, type Deadlines, type Ticket } from './ticket.js';

const MINUTE = 60_000;

/**
 * Deadlines are stamped from the contract in force when the ticket is raised (or reopened, or its
 * tier changes: then from its raise). On site: the fault's own time when the site sets one (water:
 * 5 min; an entrapment: the rescue limit), else the tier's, inside a unit its in-unit time.
 */
export function stampDeadlines(contract: Contract, t: { readonly tier: Tier; readonly fault: string; readonly publicArea: boolean }, createdAt: number): Deadlines {
  const c = contract[t.tier];
  const at = (min: number): string => new Date(createdAt + min * MINUTE).toISOString();
  // A person trapped in an elevator: the district's rescue arrival limit (entrapmentRescueMinutes).
  const rescue = t.fault === 'elevator-entrapment' ? contract.entrapmentRescueMinutes : undefined;
  const onSite = contract.onSiteByFault[t.fault] ?? rescue ?? (t.publicArea ? c.onSiteMinutes : (c.onSiteInUnitMinutes ?? c.onSiteMinutes));
  return {
    acknowledgeBy: at(c.acknowledgeMinutes),
    dispatchBy: at(c.dispatchMinutes),
    onSiteBy: onSite === null ? null : at(onSite),
    resolveBy: at(c.resolveMinutes),
  };
}

/** The history actions that do each deadline's step. */
export const STEP_ACTIONS: Readonly<Record<DeadlineStep, readonly string[]>> = {
  // Taking the repair answers the alert.
  acknowledgeBy: ['acknowledged'],
  // An engineer who takes it has it assigned as much as a desk dispatching it.
  dispatchBy: ['acknowledged', 'dispatched'],
  onSiteBy: ['arrived'],
  resolveBy: ['resolved', 'closed'],
};

/** When a deadline's step was first done (epoch ms), or null: what the on-time KPIs count. */
export function stepDoneAt(t: Pick<Ticket, 'history'>, step: DeadlineStep): number | null {
  const h = t.history.find((e) => STEP_ACTIONS[step].includes(e.action));
  return h === undefined ? null : Date.parse(h.at);
}

const ORDER: Readonly<Record<DeadlineStep, number>> = { acknowledgeBy: 0, dispatchBy: 1, onSiteBy: 2, resolveBy: 3 };

/** How far along the steps a history action takes a ticket: a later step done implies the earlier. */
const REACHES: Readonly<Record<string, number>> = { acknowledged: 1, dispatched: 1, arrived: 2, in_progress: 2, resolved: 3, closed: 3, 'recheck-passed': 3 };

/** Index of the last reopen in the history (-1 when never reopened): the steps start again after it. */
export function lastReopen(t: Pick<Ticket, 'history'>): number {
  let at = -1;
  t.history.forEach((e, i) => {
    if (e.action === 'reopened') at = i;
  });
  return at;
}

/**
 * Whether a deadline's step is still owed (what escalation asks): not done, nor any later step
 * (a repair resolved without pressing "arrived" was arrived at). A failed re-check reopens the
 * ticket with fresh deadlines: every step is owed again. A rejected or closed ticket owes nothing.
 */
export function stepOwed(t: Pick<Ticket, 'history' | 'status'>, step: DeadlineStep): boolean {
  if (isFinal(t)) return false;
  const since = lastReopen(t);
  let reached = -1;
  t.history.forEach((e, i) => {
    const r = REACHES[e.action];
    if (r !== undefined && i > since) reached = Math.max(reached, r);
  });
  return ORDER[step] > reached;
}

export const DEADLINE_STEPS: readonly DeadlineStep[] = ['acknowledgeBy', 'dispatchBy', 'onSiteBy', 'resolveBy'];
