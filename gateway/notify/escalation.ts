import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Escalation } from '../config/repair-contract-schema.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { DEADLINE_STEPS, lastReopen, stepOwed } from '../tickets/deadlines.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { EscalationLevel, EscalationStage, HistoryEntry, Ticket, Tier } from '../tickets/ticket.js';
import type { Addressee, DutyRoster } from './roster.js';

export type { EscalationLevel, EscalationStage };

const SWEEP_MS = 1_000;

const STEP_WORDS: Readonly<Record<EscalationStage, { zh: string; en: string }>> = {
  acknowledgeBy: { zh: '接单', en: 'take the repair' },
  dispatchBy: { zh: '派单', en: 'dispatch it' },
  onSiteBy: { zh: '到场', en: 'arrive on site' },
  resolveBy: { zh: '完成', en: 'resolve it' },
  grab: { zh: '接单（抢单）', en: 'take the order' },
  stalled: { zh: '到场或完成', en: 'move the repair on' },
};

export interface DueEscalation {
  readonly step: EscalationStage;
  readonly level: EscalationLevel;
}

export interface EscalationRules {
  readonly escalation: Escalation;
  readonly acknowledgeMinutes: (tier: Tier) => number;
  /** The grab rule: an order nobody takes in this many minutes goes to the supervisor (any tier). */
  readonly grabMinutes: number;
  /** A repair taken and not moved on for this long chases the team leader (0: never). */
  readonly chaseLeaderAfterMinutes: number;
}

/** Whether this level heard about this step since the ticket was last reopened. */
function escalated(t: Pick<Ticket, 'history'>, step: EscalationStage, level: EscalationLevel): boolean {
  const since = lastReopen(t);
  // Entries written before escalations named their step and level were the acknowledge ladder, in order.
  const legacy = t.history.filter((x) => x.action === 'escalated' && x.step === undefined);
  const heard = (s: EscalationStage, l: EscalationLevel): boolean =>
    t.history.some((h, i) => i > since && h.action === 'escalated' && (h.step ?? 'acknowledgeBy') === s && (h.level ?? (legacy.indexOf(h) === 0 ? 'supervisor' : 'manager')) === l);
  // The supervisor who was told nobody grabbed the order has heard that nobody took it.
  return heard(step, level) || (step === 'acknowledgeBy' && level === 'supervisor' && heard('grab', 'supervisor'));
}

/** Whether what an escalation asked for is still owed (its alert still worth sending). */
export function stageOwed(t: Pick<Ticket, 'history' | 'status'>, stage: EscalationStage): boolean {
  if (stage === 'grab') return stepOwed(t, 'acknowledgeBy');
  if (stage === 'stalled') return stepOwed(t, 'onSiteBy') && stepOwed(t, 'resolveBy');
  return stepOwed(t, stage);
}

/** The take since the last reopen (the engineer's own step). */
function takenSinceReopen(t: Pick<Ticket, 'history'>): HistoryEntry | undefined {
  const since = lastReopen(t);
  return t.history.find((h, i) => i > since && h.action === 'acknowledged');
}

/**
 * The escalation a ticket is due after `elapsedMs` since it was raised, or null: the first deadline
 * (acknowledge 接单, dispatch 派单, on site 到场, resolve 完成) whose step is still owed and whose time
 * has come for a level not told yet. The supervisor hears when the deadline passes, the manager
 * `managerAfterMinutes` later (default the tier's acknowledge time). Children of an incident
 * escalate with their incident, except emergencies; a ticket that has ended owes nothing. A ticket
 * the central service holds (挂起: waiting for parts, for the owner) escalates nothing while held:
 * the hold is a decision someone made; once central resumes it, a deadline that passed escalates.
 */
export function dueEscalation(t: Ticket, cfg: EscalationRules, elapsedMs: number): DueEscalation | null {
  if (t.parentId !== null && t.tier !== 'emergency') return null;
  if (t.status === 'on_hold') return null;
  // Storm mode holds a general or low ticket's clock: nothing escalates until it resumes (its deadlines moved then).
  if (t.paused !== undefined) return null;
  const created = Date.parse(t.createdAt);
  const tier = cfg.escalation[t.tier];
  const ackMs = cfg.acknowledgeMinutes(t.tier) * 60_000;
  // The grab rule, where it comes before the tier's acknowledge time (an emergency's 5 min is both).
  if (stepOwed(t, 'acknowledgeBy') && cfg.grabMinutes * 60_000 < ackMs) {
    // From the raise, or from the last reopen (its deadlines were stamped then).
    const atMs = Date.parse(t.deadlines.acknowledgeBy) - ackMs - created + cfg.grabMinutes * 60_000;
    if (elapsedMs >= atMs && !escalated(t, 'grab', 'supervisor')) return { step: 'grab', level: 'supervisor' };
  }
  const taken = takenSinceReopen(t);
  if (taken !== undefined && cfg.chaseLeaderAfterMinutes > 0 && stepOwed(t, 'onSiteBy') && stepOwed(t, 'resolveBy')) {
    const atMs = Date.parse(taken.at) - created + cfg.chaseLeaderAfterMinutes * 60_000;
    if (elapsedMs >= atMs && !escalated(t, 'stalled', 'leader')) return { step: 'stalled', level: 'leader' };
  }
  const gapMs = (tier.managerAfterMinutes ?? cfg.acknowledgeMinutes(t.tier)) * 60_000;
  for (const step of DEADLINE_STEPS) {
    const by = t.deadlines[step];
    if (by === null || !stepOwed(t, step)) continue;
    const dueMs = Date.parse(by) - created;
    for (const [i, level] of tier.levels.entries()) {
      // The first level hears at the deadline; each next one when the one before had its time.
      const atMs = dueMs + i * gapMs;
      if (elapsedMs >= atMs && !escalated(t, step, level)) return { step, level };
    }
  }
  return null;
}

export interface EscalatorDeps extends EscalationRules {
  readonly tickets: TicketService;
  readonly roster: DutyRoster;
  readonly clock: Clock;
  readonly log: Logger;
  /** Stages the escalation alert (the n-th of the ticket) in the same durable write as the step on the ticket. */
  readonly stage: (t: Ticket, e: { step: EscalationStage; level: EscalationLevel; to: Addressee; missedBy: Addressee; minutes: number; n: number }) => void;
  /** The step is on disk: send its alert. */
  readonly onEscalated: (t: Ticket, level: EscalationLevel, n: number) => void;
}

/**
 * Sweeps open tickets on the clock and moves each deadline that passed without its step up the
 * roster's chain, once per level: the escalation is written on the ticket's history (durably)
 * before the alert to the next level goes out.
 *
 * How long a ticket has waited is elapsed time, never wall time: a forward step of a day must not
 * escalate every open ticket at once, nor a backward step hold them for hours. A ticket raised in
 * this process counts from its raise; one read back at start counts its age by wall time once.
 */
export class Escalator {
  #timer: TimerHandle | null = null;
  readonly #inFlight = new Set<string>();
  readonly #pending = new Set<Promise<void>>();
  /** Monotonic time each ticket was raised at, by id. */
  readonly #raisedAt = new Map<string, number>();
  readonly #onChanged = (t: Ticket, change: string): void => {
    if (change === 'raised') this.#raisedAt.set(t.id, this.deps.clock.monotonic());
  };

  constructor(private readonly deps: EscalatorDeps) {}

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

  /** Resolves once the escalations started so far are written (or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  /** One pass over the tickets that still owe a step. */
  sweep(): void {
    const owing = this.deps.tickets.all().filter((t) => t.status !== 'closed' && t.status !== 'rejected');
    const ids = new Set(owing.map((t) => t.id));
    for (const id of this.#raisedAt.keys()) if (!ids.has(id)) this.#raisedAt.delete(id);
    for (const t of owing) {
      if (this.#inFlight.has(t.id)) continue;
      const elapsed = this.#elapsed(t);
      const due = dueEscalation(t, this.deps, elapsed);
      if (due === null) continue;
      this.#inFlight.add(t.id);
      const p = this.#escalate(t, due, elapsed).finally(() => {
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

  /** Who missed the step: the engineer who took it (arrive, resolve, a stalled repair), else the team on duty; for the manager, the supervisor too. */
  #missedBy(t: Ticket, due: DueEscalation, now: number): Addressee {
    if (due.level === 'manager') return this.deps.roster.addressee('supervisor', now, t.skill, t.location.building);
    const team = this.deps.roster.addressee('team', now, t.skill, t.location.building);
    if ((due.step === 'onSiteBy' || due.step === 'resolveBy' || due.step === 'stalled') && t.assignee !== null) return { ...team, people: [{ name: t.assignee }] };
    return team;
  }

  /** How many minutes the missed step had: the deadline's from the raise, the grab rule's, the stalled repair's from the take. */
  #minutes(t: Ticket, step: EscalationStage): number {
    if (step === 'grab') return this.deps.grabMinutes;
    if (step === 'stalled') return this.deps.chaseLeaderAfterMinutes;
    return Math.round((Date.parse(t.deadlines[step] ?? t.createdAt) - Date.parse(t.createdAt)) / 60_000);
  }

  async #escalate(t: Ticket, due: DueEscalation, elapsed: number): Promise<void> {
    // Who is on duty is a matter of the local time of day: wall time is right here.
    const now = this.deps.clock.now();
    const to = this.deps.roster.addressee(due.level, now, t.skill, t.location.building);
    const missedBy = this.#missedBy(t, due, now);
    const minutes = this.#minutes(t, due.step);
    const who = (a: Addressee, lang: 'zh' | 'en'): string => [a.name[lang], ...a.people.map((p) => p.name)].join(' ');
    const words = STEP_WORDS[due.step];
    try {
      const before = t.history.filter((h) => h.action === 'escalated').length;
      const after = await this.deps.tickets.mutate(
        t.id,
        'gateway',
        (d) => {
          // Re-checked on the live draft: the step may have been taken meanwhile.
          const still = dueEscalation(d, this.deps, elapsed);
          if (still === null || still.step !== due.step || still.level !== due.level) return null;
          return {
            action: 'escalated',
            step: due.step,
            level: due.level,
            note: `${who(missedBy, 'zh')} 未在 ${minutes} 分钟内${words.zh}，已升级给 ${who(to, 'zh')} / ${who(missedBy, 'en')} did not ${words.en} within ${minutes} min: escalated to ${who(to, 'en')}`,
          };
        },
        (next) => {
          const n = next.history.filter((h) => h.action === 'escalated').length;
          if (n > before) this.deps.stage(next, { step: due.step, level: due.level, to, missedBy, minutes, n });
        },
      );
      const n = after.history.filter((h) => h.action === 'escalated').length;
      if (n === before) return;
      this.deps.log.warn({ event: 'ticket.escalated', ticketId: t.id, number: t.number, step: due.step, escalatedTo: due.level, tier: t.tier }, `ticket ${t.number} escalated to ${due.level}: ${due.step} passed`);
      this.deps.onEscalated(after, due.level, n);
    } catch (err) {
      this.deps.log.error({ event: 'ticket.escalation_failed', ticketId: t.id, err: errorMessage(err) }, `could not escalate ${t.number}`);
    }
  }
}
