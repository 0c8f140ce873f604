import type { ReceivedTicket } from '../central/central-service.js';
import type { Ticket } from '../../gateway/tickets/ticket.js';

/** What happened to a pair of gateways in a scenario (pair-runner.ts). */
export interface PairRun {
  /** Each kill of the active: who, when (scenario seconds), and who took over how many real seconds after the SIGKILL. */
  readonly kills: { readonly victim: string; readonly at: number; takeover: { readonly by: string; readonly seconds: number } | null }[];
  /** Gateways started again after a kill (or restarted): each must follow the active by the end. */
  readonly restarts: string[];
  /** A gateway that ended without being killed or stopped by the scenario. */
  readonly ownExits: { readonly gatewayId: string; readonly code: number | null; readonly signal: string | null }[];
}

/** Whether a gateway started again follows the active by the end: its applied change is the active's. */
export interface Following {
  readonly gatewayId: string;
  readonly why: string | null;
}

/**
 * What a pair must have done beyond the expected tickets: the other gateway took over after every
 * kill; each (device, fault) is exactly one ticket at the central service (one identity across
 * the pair); every emergency, at central or on the active, reached the engineers' console on the
 * site broker; no gateway ended on its own; each one started again follows the active.
 */
export function judgePair(run: PairRun, atCentral: readonly ReceivedTicket[], onActive: readonly Ticket[], alerted: ReadonlyMap<string, unknown>, following: readonly Following[]): string[] {
  const problems: string[] = [];
  if (run.kills.length === 0) problems.push('the scenario killed no gateway: nothing failed over');
  for (const k of run.kills) {
    if (k.takeover === null) problems.push(`after ${k.victim} was killed at +${k.at.toFixed(0)} s, no other gateway said it was the active`);
  }
  const byFault = new Map<string, ReceivedTicket[]>();
  for (const t of atCentral) {
    const key = `${t.fault} @ ${t.deviceId}`;
    byFault.set(key, [...(byFault.get(key) ?? []), t]);
  }
  for (const [key, list] of byFault) {
    if (list.length > 1) problems.push(`${key} is ${list.length} tickets at the central service (${list.map((t) => t.number).join(', ')}), expected one`);
  }
  const emergencies = new Map<string, string>();
  for (const t of [...atCentral, ...onActive]) if (t.tier === 'emergency') emergencies.set(t.id, `${t.number} ${t.fault} @ ${t.deviceId}`);
  for (const [id, what] of emergencies) if (!alerted.has(id)) problems.push(`emergency ${what} was never alerted on the site broker (alerts/#)`);
  for (const e of run.ownExits) problems.push(`${e.gatewayId} ended on its own (${e.code === null ? `signal ${e.signal ?? '?'}` : `exit status ${e.code}`})`);
  for (const f of following) if (f.why !== null) problems.push(`${f.gatewayId}, started again, does not follow the active: ${f.why}`);
  return problems;
}
