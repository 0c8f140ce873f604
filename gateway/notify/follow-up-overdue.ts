import type { Clock, TimerHandle } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import { siteDateTime } from '../../core/local-time.js';
import type { Logger } from '../../core/log.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { Draft, Ticket } from '../tickets/ticket.js';
import type { Bilingual } from '../../core/vocabulary.js';
import type { AlertFacts } from './alert-facts.js';
import type { Addressee } from './roster.js';

/** Follow-ups are due hours or days after a repair: a look a minute is soon enough. */
const SWEEP_MS = 60_000;

/**
 * One follow-up a repair is owed (the re-check of a public-area repair, the callback to the owner of
 * an in-unit one) and what its being overdue is called, told and written.
 */
export interface FollowUp {
  /** The history action of the overdue entry, and the alert's kind. */
  readonly kind: 'recheck-overdue' | 'callback-overdue';
  /** Its due time (ISO) while it waits and its lateness has not been told; else null. */
  dueBy(t: Ticket): string | null;
  /** On the live draft, as the overdue entry is written: marks it told; false when it no longer waits (done meanwhile). */
  markTold(d: Draft, dueBy: string): boolean;
  /** The history entry's words: `due` is the site-local due time, `who` whom it was told to. */
  note(due: string, who: Bilingual): string;
  /** The alert, for `to`. */
  facts(t: Ticket, to: Addressee, due: string): AlertFacts;
  /** Who is told: the team on duty for the repair, the desk. */
  addressee(t: Ticket): Addressee;
  /** The log line's event and words. */
  readonly event: string;
  logWords(number: string, due: string, who: Bilingual): string;
}

/** `11-29 14:00`, site-local: the day too, as a follow-up is due hours or days after the repair. */
export function dueWords(iso: string, timeZone: string): string {
  return siteDateTime(Date.parse(iso), timeZone).slice(5, 16);
}

export interface FollowUpOverdueDeps {
  readonly tickets: TicketService;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timeZone: string;
  /** Whom an alert names, in words. */
  readonly whoOf: (to: Addressee) => Bilingual;
  /** Stages the alert in the same durable write as the history entry on the ticket. */
  readonly stage: (t: Ticket, key: string, facts: AlertFacts, to: Addressee) => void;
  /** The entry and its alert are on disk: send it. */
  readonly onWritten: (key: string) => void;
}

/**
 * A follow-up whose due time passed without it is told once per repair: an overdue entry in the
 * ticket's history (and the follow-up marked told), written in the same durable write as the alert
 * record, so a restart neither forgets nor repeats it. The follow-up done (or the ticket closed)
 * before the alert went out takes the alert back (notify/index.ts).
 *
 * When it is due is counted in elapsed time from when the gateway first saw the due time, as the
 * escalations are: a wall-clock step does not bring every follow-up due at once.
 */
export class FollowUpOverdue {
  #timer: TimerHandle | null = null;
  readonly #inFlight = new Set<string>();
  readonly #pending = new Set<Promise<void>>();
  /** Monotonic time each waiting follow-up falls due, by ticket id and due time. */
  readonly #dueAt = new Map<string, number>();
  readonly #onChanged = (t: Ticket): void => {
    const due = this.spec.dueBy(t);
    if (due !== null) this.#due(t.id, due);
  };

  constructor(
    private readonly spec: FollowUp,
    private readonly deps: FollowUpOverdueDeps,
  ) {}

  start(): void {
    if (this.#timer !== null) return;
    this.deps.tickets.on('changed', this.#onChanged);
    this.#timer = this.deps.clock.setInterval(() => this.sweep(), SWEEP_MS);
    this.sweep();
  }

  async stop(): Promise<void> {
    this.deps.tickets.off('changed', this.#onChanged);
    this.#timer?.cancel();
    this.#timer = null;
    await Promise.allSettled([...this.#pending]);
  }

  /** One pass over the repairs waiting for this follow-up. */
  sweep(): void {
    const now = this.deps.clock.monotonic();
    const waitingKeys = new Set<string>();
    for (const t of this.deps.tickets.all()) {
      const due = this.spec.dueBy(t);
      if (due === null) continue;
      waitingKeys.add(`${t.id}|${due}`);
      if (this.#inFlight.has(t.id) || now < this.#due(t.id, due)) continue;
      this.#inFlight.add(t.id);
      const p = this.#tell(t, due).finally(() => {
        this.#inFlight.delete(t.id);
        this.#pending.delete(p);
      });
      this.#pending.add(p);
    }
    for (const k of this.#dueAt.keys()) if (!waitingKeys.has(k)) this.#dueAt.delete(k);
  }

  /** When it falls due on the monotonic clock, fixed the first time the gateway sees it. */
  #due(id: string, dueBy: string): number {
    const key = `${id}|${dueBy}`;
    let at = this.#dueAt.get(key);
    if (at === undefined) {
      at = this.deps.clock.monotonic() + (Date.parse(dueBy) - this.deps.clock.now());
      this.#dueAt.set(key, at);
    }
    return at;
  }

  async #tell(t: Ticket, dueBy: string): Promise<void> {
    const spec = this.spec;
    const to = spec.addressee(t);
    const due = dueWords(dueBy, this.deps.timeZone);
    const who = this.deps.whoOf(to);
    const key = `${t.id}/${spec.kind}-${t.history.filter((h) => h.action === spec.kind).length + 1}`;
    let written = false;
    try {
      const after = await this.deps.tickets.mutate(
        t.id,
        'gateway',
        // Checked again on the live draft: the follow-up may have been done meanwhile.
        (d) => (spec.markTold(d, dueBy) ? { action: spec.kind, note: spec.note(due, who) } : null),
        (next) => {
          written = true;
          this.deps.stage(next, key, spec.facts(next, to, due), to);
        },
      );
      if (!written) return;
      this.deps.log.warn({ event: spec.event, ticketId: t.id, number: t.number, dueBy, to: to.level }, spec.logWords(after.number, due, who));
      this.deps.onWritten(key);
    } catch (err) {
      this.deps.log.error({ event: `${spec.event}_failed`, ticketId: t.id, err: errorMessage(err) }, `could not write the overdue follow-up (${spec.kind}) of ${t.number}; tried again at the next sweep`);
    }
  }
}
