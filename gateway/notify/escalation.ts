import type { Clock, TimerHandle } from '../clock.js';
import type { Contract } from '../config/site-schema.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { Ticket } from '../tickets/ticket.js';
import type { Addressee, DutyRoster, EscalationStep } from './roster.js';

/** Team first, then these, each after one more acknowledge period with no acknowledgement. */
const LADDER: readonly EscalationStep[] = ['supervisor', 'manager'];
const SWEEP_MS = 1_000;

function escalationsSoFar(t: Pick<Ticket, 'history'>): number {
  return t.history.filter((h) => h.action === 'escalated').length;
}

/**
 * The escalation step a ticket is due at `now`, or null. A ticket escalates only while nobody has
 * acknowledged it; children of an incident escalate with their incident, except emergencies.
 */
function dueEscalation(t: Ticket, contract: Contract, now: number): EscalationStep | null {
  if (t.status !== 'raised') return null;
  if (t.parentId !== null && t.tier !== 'emergency') return null;
  const done = escalationsSoFar(t);
  const step = LADDER[done];
  if (step === undefined) return null;
  const periodMs = contract[t.tier].acknowledgeMinutes * 60_000;
  return now >= Date.parse(t.createdAt) + (done + 1) * periodMs ? step : null;
}

/**
 * Sweeps open tickets on the clock and moves an unacknowledged one up the ladder: the step is
 * written on the ticket's history (durably) before the alert to the next level goes out.
 */
export class Escalator {
  #timer: TimerHandle | null = null;
  readonly #inFlight = new Set<string>();
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      tickets: TicketService;
      contract: Contract;
      roster: DutyRoster;
      clock: Clock;
      log: Logger;
      /** Sends the escalation alert once the step is on the ticket. */
      onEscalated: (t: Ticket, step: EscalationStep, to: Addressee) => void;
    },
  ) {}

  start(): void {
    if (this.#timer !== null) return;
    this.#timer = this.deps.clock.setInterval(() => this.sweep(), SWEEP_MS);
  }

  async stop(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = null;
    await Promise.allSettled([...this.#pending]);
  }

  /** One pass over the open tickets. */
  sweep(): void {
    const now = this.deps.clock.now();
    for (const t of this.deps.tickets.open()) {
      if (this.#inFlight.has(t.id)) continue;
      const step = dueEscalation(t, this.deps.contract, now);
      if (step === null) continue;
      this.#inFlight.add(t.id);
      const p = this.#escalate(t, step).finally(() => {
        this.#inFlight.delete(t.id);
        this.#pending.delete(p);
      });
      this.#pending.add(p);
    }
  }

  async #escalate(t: Ticket, step: EscalationStep): Promise<void> {
    const to = this.deps.roster.addressee(step, this.deps.clock.now(), t.skill, t.location.building);
    const minutes = this.deps.contract[t.tier].acknowledgeMinutes * (escalationsSoFar(t) + 1);
    try {
      const after = await this.deps.tickets.mutate(t.id, 'gateway', (d, now) => {
        // Re-checked on the live draft: an acknowledgement may have landed meanwhile.
        if (dueEscalation(d, this.deps.contract, now) !== step) return null;
        return { action: 'escalated', note: `升级至${to.name.zh}：${minutes} 分钟内无人响应 / escalated to ${to.name.en}: not acknowledged within ${minutes} min` };
      });
      if (escalationsSoFar(after) === escalationsSoFar(t)) return;
      this.deps.log.warn({ event: 'ticket.escalated', ticketId: t.id, number: t.number, step, tier: t.tier }, `ticket ${t.number} escalated to ${step}`);
      this.deps.onEscalated(after, step, to);
    } catch (err) {
      this.deps.log.error({ event: 'ticket.escalation_failed', ticketId: t.id, err: errorMessage(err) }, `could not escalate ${t.number}`);
    }
  }
}
