import { DEADLINE_STEPS, STEP_ACTIONS, lastReopen, stepOwed } from '../tickets/deadlines.js';
import type { DeadlineStep, Ticket } from '../tickets/ticket.js';

/** One deadline as the pages show it: met (✓ 12:04 按时 / 超时 3 分钟), still owed (a countdown), or none. */
export interface StepView {
  /** The deadline (ISO), or null where the tier sets none. */
  readonly by: string | null;
  /** When its step was done since the ticket was last reopened (ISO), or null. */
  readonly doneAt: string | null;
  /** Still owed: the step (nor a later one) has not been done, and the ticket has not ended. */
  readonly owed: boolean;
}

export type TicketView = Ticket & { readonly steps: Readonly<Record<DeadlineStep, StepView>> };

/**
 * A ticket as the API and the live stream give it to the pages: the ticket itself and, for each
 * deadline, whether its step is met (and when) or still owed, so no page works the rules out again.
 */
export function ticketView(t: Ticket): TicketView {
  const since = lastReopen(t);
  const steps = {} as Record<DeadlineStep, StepView>;
  for (const step of DEADLINE_STEPS) {
    const done = t.history.find((h, i) => i > since && STEP_ACTIONS[step].includes(h.action));
    steps[step] = { by: t.deadlines[step], doneAt: done?.at ?? null, owed: stepOwed(t, step) };
  }
  return { ...t, steps };
}
