import type { Clock, TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';
import { siteDateTime } from '../local-time.js';
import type { Logger } from '../log.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { Bilingual, Ticket } from '../tickets/ticket.js';
import { raisedFacts, whoOf, type AlertFacts } from './alert-facts.js';
import type { Addressee } from './roster.js';

/** Re-checks are due days after a repair: a look a minute is soon enough. */
const SWEEP_MS = 60_000;

/** Index of the last entry with this action (-1 when none). */
function lastIndexOf(t: Pick<Ticket, 'history'>, action: string): number {
  for (let i = t.history.length - 1; i >= 0; i -= 1) if (t.history[i]?.action === action) return i;
  return -1;
}

/** Whether this repair's overdue re-check was already told (the history says so since it was last resolved). */
export function toldOverdue(t: Pick<Ticket, 'history'>): boolean {
  return lastIndexOf(t, 'recheck-overdue') > lastIndexOf(t, 'resolved');
}

/** A resolved public-area repair waiting for its re-check (复查), not yet told overdue. */
function waiting(t: Ticket): boolean {
  return t.status === 'resolved' && t.recheck.state === 'due' && t.recheck.dueBy !== null && !toldOverdue(t);
}

/** `11-29 14:00`, site-local: the day too, as a re-check is due days after the repair. */
function dueWords(iso: string, timeZone: string): string {
  return siteDateTime(Date.parse(iso), timeZone).slice(5, 16);
}

/**
 * A repair nobody re-checked in time, for the team on duty for its skill and building. Worded as
 * what to do; general at most (an SMS channel kept for emergencies does not wake anyone for it).
 */
export function recheckOverdueFacts(t: Ticket, to: Addressee, timeZone: string, publicUrl: string): AlertFacts {
  const due = dueWords(t.recheck.dueBy ?? '', timeZone);
  const by = t.assignee ?? '维修人员';
  const byEn = t.assignee ?? 'the engineer';
  const detail: Bilingual = {
    zh: `${by} 已完成维修，应在 ${due} 前复查，至今无人复查：请安排巡检复查`,
    en: `Resolved by ${byEn}; its re-check was due by ${due} and nobody has done it: send a patrol to re-check it`,
  };
  return { ...raisedFacts(t, to, publicUrl), kind: 'recheck-overdue', tier: t.tier === 'low' ? 'low' : 'general', reading: null, detail, deadline: null };
}

export interface RecheckOverdueDeps {
  readonly tickets: TicketService;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timeZone: string;
  readonly publicUrl: string;
  /** The team on duty now for the ticket's skill and building (the roster's addressee). */
  readonly addressee: (t: Ticket) => Addressee;
  /** Stages the alert in the same durable write as the history entry on the ticket. */
  readonly stage: (t: Ticket, key: string, facts: AlertFacts, to: Addressee) => void;
  /** The entry and its alert are on disk: send it. */
  readonly onWritten: (key: string) => void;
}

/**
 * A resolved public-area repair whose re-check (`recheck.dueBy`: the procedures' re-check within 3
 * days) passed without one goes back to the team on duty for its skill and building, once per
 * repair: a `recheck-overdue` entry in the ticket's history, written in the same durable write as
 * the alert record, so a restart neither forgets nor repeats it. A re-check done (or the ticket
 * closed) before the alert went out takes the alert back (notify/index.ts).
 *
 * When it is due is counted in elapsed time from when the gateway first saw the due time, as the
 * escalations are: a wall-clock step does not bring every re-check due at once.
 */
export class RecheckOverdue {
  #timer: TimerHandle | null = null;
  readonly #inFlight = new Set<string>();
  readonly #pending = new Set<Promise<void>>();
  /** Monotonic time each waiting re-check falls due, by ticket id and due time. */
  readonly #dueAt = new Map<string, number>();
  readonly #onChanged = (t: Ticket): void => {
    if (waiting(t)) this.#due(t);
  };

  constructor(private readonly deps: RecheckOverdueDeps) {}

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

  /** Resolves once the alerts started so far are written (or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  /** One pass over the repairs waiting for a re-check. */
  sweep(): void {
    const now = this.deps.clock.monotonic();
    const waitingKeys = new Set<string>();
    for (const t of this.deps.tickets.all()) {
      if (!waiting(t)) continue;
      waitingKeys.add(keyOf(t));
      if (this.#inFlight.has(t.id) || now < this.#due(t)) continue;
      this.#inFlight.add(t.id);
      const p = this.#tell(t).finally(() => {
        this.#inFlight.delete(t.id);
        this.#pending.delete(p);
      });
      this.#pending.add(p);
    }
    for (const k of this.#dueAt.keys()) if (!waitingKeys.has(k)) this.#dueAt.delete(k);
  }

  /** When it falls due on the monotonic clock, fixed the first time the gateway sees it. */
  #due(t: Ticket): number {
    const key = keyOf(t);
    let at = this.#dueAt.get(key);
    if (at === undefined) {
      at = this.deps.clock.monotonic() + (Date.parse(t.recheck.dueBy ?? '') - this.deps.clock.now());
      this.#dueAt.set(key, at);
    }
    return at;
  }

  async #tell(t: Ticket): Promise<void> {
    const to = this.deps.addressee(t);
    const due = dueWords(t.recheck.dueBy ?? '', this.deps.timeZone);
    const who = whoOf(to);
    const key = `${t.id}/recheck-overdue-${t.history.filter((h) => h.action === 'resolved').length}`;
    let written = false;
    try {
      const after = await this.deps.tickets.mutate(
        t.id,
        'gateway',
        // Checked again on the live draft: the re-check may have been done meanwhile.
        (d) => (waiting(d) && d.recheck.dueBy === t.recheck.dueBy ? { action: 'recheck-overdue', note: `复查逾期：应在 ${due} 前复查，已通知 ${who.zh} / Re-check overdue: it was due by ${due}; told ${who.en}` } : null),
        (next) => {
          written = true;
          this.deps.stage(next, key, recheckOverdueFacts(next, to, this.deps.timeZone, this.deps.publicUrl), to);
        },
      );
      if (!written) return;
      this.deps.log.warn({ event: 'ticket.recheck_overdue', ticketId: t.id, number: t.number, dueBy: t.recheck.dueBy, to: to.level }, `ticket ${after.number}: its re-check was due by ${due} and nobody did it; told ${who.en}`);
      this.deps.onWritten(key);
    } catch (err) {
      this.deps.log.error({ event: 'ticket.recheck_overdue_failed', ticketId: t.id, err: errorMessage(err) }, `could not write the overdue re-check of ${t.number}; tried again at the next sweep`);
    }
  }
}

function keyOf(t: Ticket): string {
  return `${t.id}|${t.recheck.dueBy ?? ''}`;
}
