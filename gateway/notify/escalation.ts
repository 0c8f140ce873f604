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
 * The escalation step a ticket is due after `elapsedMs` since it was raised, or null. A ticket
 * escalates only while nobody has acknowledged it; children of an incident escalate with their
 * incident, except emergencies.
 */
function dueEscalation(t: Ticket, contract: Contract, elapsedMs: number): EscalationStep | null {
  if (t.status !== 'raised') return null;
  if (t.parentId !== null && t.tier !== 'emergency') return null;
  const done = escalationsSoFar(t);
  const step = LADDER[done];
  if (step === undefined) return null;
  const periodMs = contract[t.tier].acknowledgeMinutes * 60_000;
  return elapsedMs >= (done + 1) * periodMs ? step : null;
}

/**
 * Sweeps open tickets on the clock and moves an unacknowledged one up the ladder: the step is
 * written on the ticket's history (durably) before the alert to the next level goes out.
 *
 * How long a ticket has waited is elapsed time, never wall time: a forward step of a day must not
 * escalate every open ticket at once, nor a backward step hold them for hours. A ticket raised in
 * this process counts from its raise; one read back at start counts its age by wall time once.
 */
export class Escalator {
  #timer: TimerHandle | null = null;
  readonly #inFlight = new Set<string>();
  readonly #pending = new Set<Promise<void>>();
  /** Monotonic time each open ticket was raised at, by id. */
  readonly #raisedAt = new Map<string, number>();
  readonly #onChanged = (t: Ticket, change: string): void => {
    if (change === 'raised') this.#raisedAt.set(t.id, this.deps.clock.monotonic());
  };

  constructor(
    private readonly deps: {
      tickets: TicketService;
      contract: Contract;
      roster: DutyRoster;
      clock: Clock;
      log: Logger;
      /** Stages the escalation alert (the n-th) in the same durable write as the step on the ticket. */
      stage: (t: Ticket, e: { step: EscalationStep; to: Addressee; missedBy: Addressee; minutes: number; n: number }) => void;
      /** The step is on disk: send its alert. */
      onEscalated: (t: Ticket, step: EscalationStep, n: number) => void;
    },
  ) {}

  start(): void {
    if (this.#timer !== null) return;
    this.deps.tickets.on('changed', this.#onChanged);
    this.#timer = this.deps.clock.setInterval(() => this.sweep(), SWEEP_MS);
  }

  async stop(): Promise<void> {
    this.deps.tickets.off('changed', this.#onChanged);
    this.#timer?.cancel();
    this.#timer = null;
    await Promise.allSettled([...this.#pending]);
  }

  /** One pass over the open tickets. */
  sweep(): void {
    const open = this.deps.tickets.open();
    const ids = new Set(open.map((t) => t.id));
    for (const id of this.#raisedAt.keys()) if (!ids.has(id)) this.#raisedAt.delete(id);
    for (const t of open) {
      if (this.#inFlight.has(t.id)) continue;
      const elapsed = this.#elapsed(t);
      const step = dueEscalation(t, this.deps.contract, elapsed);
      if (step === null) continue;
      this.#inFlight.add(t.id);
      const p = this.#escalate(t, step, elapsed).finally(() => {
        this.#inFlight.delete(t.id);
        this.#pending.delete(p);
      });
      this.#pending.add(p);
    }
  }

  #elapsed(t: Ticket): number {
    const now = this.deps.clock.monotonic();
    let at = this.#raisedAt.get(t.id);
    if (at === undefined) {
      at = now - Math.max(0, this.deps.clock.now() - Date.parse(t.createdAt));
      this.#raisedAt.set(t.id, at);
    }
    return now - at;
  }

  async #escalate(t: Ticket, step: EscalationStep, elapsed: number): Promise<void> {
    // Who is on duty is a matter of the local time of day: wall time is right here.
    const now = this.deps.clock.now();
    const to = this.deps.roster.addressee(step, now, t.skill, t.location.building);
    const missedBy = this.deps.roster.addressee(step === 'manager' ? 'supervisor' : 'team', now, t.skill, t.location.building);
    const minutes = this.deps.contract[t.tier].acknowledgeMinutes * (escalationsSoFar(t) + 1);
    const who = (a: Addressee, lang: 'zh' | 'en'): string => [a.name[lang], ...a.people.map((p) => p.name)].join(' ');
    try {
      const after = await this.deps.tickets.mutate(t.id, 'gateway', (d) => {
        // Re-checked on the live draft: an acknowledgement may have landed meanwhile.
        if (dueEscalation(d, this.deps.contract, elapsed) !== step) return null;
        return { action: 'escalated', note: `${who(missedBy, 'zh')} 未在 ${minutes} 分钟内接单，已升级给 ${who(to, 'zh')} / ${who(missedBy, 'en')} did not acknowledge within ${minutes} min: escalated to ${who(to, 'en')}` };
      }, (next) => {
        if (escalationsSoFar(next) > escalationsSoFar(t)) this.deps.stage(next, { step, to, missedBy, minutes, n: escalationsSoFar(next) });
      });
      const n = escalationsSoFar(after);
      if (n === escalationsSoFar(t)) return;
      this.deps.log.warn({ event: 'ticket.escalated', ticketId: t.id, number: t.number, step, tier: t.tier }, `ticket ${t.number} escalated to ${step}`);
      this.deps.onEscalated(after, step, n);
    } catch (err) {
      this.deps.log.error({ event: 'ticket.escalation_failed', ticketId: t.id, err: errorMessage(err) }, `could not escalate ${t.number}`);
    }
  }
}
