import type { AbsenceReport } from '../../cloud-sync/site-status.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { TicketChange, TicketService } from '../tickets/ticket-service.js';
import type { Ticket } from '../tickets/ticket.js';
import type { Bilingual } from '../../core/vocabulary.js';
import { absenceWords, causeCode, causeWords, type Absence } from './absence.js';

/**
 * How long after a start the readings are taken as telling what changed while the gateway was
 * away: every adapter has connected and the built-in faults' on-delays (3-30 s) have passed.
 */
export const RETURN_SETTLE_MS = 30_000;
/** Tickets named one by one in the message; more are counted. */
const NAMED = 5;

export interface ReturnReportDeps {
  readonly tickets: TicketService;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timeZone: string;
  /** Tells staff once (notify's system alert, on every channel and alerts/system). */
  readonly tell: (title: Bilingual, detail: Bilingual) => void;
  /** The report is complete: central hears it in the next status (sent at once). */
  readonly complete: () => void;
}

/**
 * After a start that followed an absence, says once how long the gateway was away and why, and
 * what the readings at start raised or cleared: the alarms that changed while nobody watched. The
 * message goes when the settle time has passed, so it can name them; tickets raised meanwhile are
 * alerted on their own as always, emergencies first.
 */
export class ReturnReport {
  readonly #d: ReturnReportDeps;
  readonly #absence: Absence;
  readonly #raised: Ticket[] = [];
  readonly #cleared: Ticket[] = [];
  /** Open tickets whose condition was active at start: a clear of one of them is news. */
  readonly #activeAtStart = new Set<string>();
  #timer: TimerHandle | null = null;
  #done = false;
  readonly #onChange = (t: Ticket, change: TicketChange): void => this.#changed(t, change);

  constructor(absence: Absence, d: ReturnReportDeps) {
    this.#absence = absence;
    this.#d = d;
  }

  start(): void {
    if (this.#timer !== null || this.#done) return;
    for (const t of this.#d.tickets.all()) if (t.condition === 'active') this.#activeAtStart.add(t.id);
    this.#d.tickets.on('changed', this.#onChange);
    this.#timer = this.#d.clock.setTimeout(() => this.#finish(), RETURN_SETTLE_MS);
  }

  /** Whether staff were told (the settle time passed). */
  get told(): boolean {
    return this.#done;
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#d.tickets.off('changed', this.#onChange);
  }

  /** What central reads in the status (`lastAbsence`): the raises and clears so far. */
  report(): AbsenceReport {
    const a = this.#absence;
    return {
      from: new Date(a.from).toISOString(),
      to: new Date(a.to).toISOString(),
      seconds: Math.round((a.to - a.from) / 1000),
      cause: causeCode(a.cause),
      raised: this.#raised.map((t) => ({ number: t.number, fault: t.fault, deviceId: t.deviceId, tier: t.tier })),
      cleared: this.#cleared.map((t) => ({ number: t.number, fault: t.fault, deviceId: t.deviceId })),
    };
  }

  #changed(t: Ticket, change: TicketChange): void {
    if (t.kind !== 'fault' || t.source !== 'sensor') return;
    if (change === 'raised') this.#raised.push(t);
    else if (t.condition === 'normal' && this.#activeAtStart.delete(t.id)) this.#cleared.push(t);
  }

  #finish(): void {
    this.#timer = null;
    this.#done = true;
    this.#d.tickets.off('changed', this.#onChange);
    const { title, detail } = backWords(this.#absence, this.#raised, this.#cleared, this.#d.clock.now(), this.#d.timeZone);
    this.#d.log.warn(
      { event: 'gateway.back', cause: causeCode(this.#absence.cause), awaySeconds: Math.round((this.#absence.to - this.#absence.from) / 1000), raised: this.#raised.map((t) => t.number), cleared: this.#cleared.map((t) => t.number) },
      `${title.en}: ${detail.en}`,
    );
    this.#d.tell(title, detail);
    this.#d.complete();
  }
}

/** The GW_BACK message: "网关已恢复运行：离线约 12 分钟，进程崩溃" and, under it, when, why and what the readings at start changed. */
export function backWords(absence: Absence, raised: readonly Ticket[], cleared: readonly Ticket[], now: number, timeZone: string): { title: Bilingual; detail: Bilingual } {
  const away = absenceWords(absence, now, timeZone);
  const changed = changedWords(raised, cleared);
  const minutes = Math.max(1, Math.round((absence.to - absence.from) / 60_000));
  const cause = causeWords(absence.cause);
  return {
    title: { zh: `网关已恢复运行：离线约 ${minutes} 分钟，${cause.zh}`, en: `Gateway back after ${minutes} min, stopped by ${cause.en}` },
    detail: { zh: `${away.zh}。${changed.zh}`, en: `${away.en}. ${changed.en}` },
  };
}

/** "恢复后新报 1 条：漏水 B1 泵房 (SITE-20261207-0003)；恢复正常 1 条" in words. */
function changedWords(raised: readonly Ticket[], cleared: readonly Ticket[]): Bilingual {
  if (raised.length === 0 && cleared.length === 0) return { zh: '恢复后读数未见新的故障或恢复。', en: 'The readings at start raised and cleared nothing.' };
  const name = (list: readonly Ticket[], lang: 'zh' | 'en'): string => {
    const named = list.slice(0, NAMED).map((t) => `${t.title[lang]} (${t.number})`);
    const more = list.length - named.length;
    return named.join(lang === 'zh' ? '；' : '; ') + (more > 0 ? (lang === 'zh' ? `；等 ${more} 条` : `; and ${more} more`) : '');
  };
  const zh: string[] = [];
  const en: string[] = [];
  if (raised.length > 0) {
    zh.push(`恢复后新报 ${raised.length} 条：${name(raised, 'zh')}`);
    en.push(`raised at start ${raised.length}: ${name(raised, 'en')}`);
  }
  if (cleared.length > 0) {
    zh.push(`恢复正常 ${cleared.length} 条：${name(cleared, 'zh')}`);
    en.push(`back to normal ${cleared.length}: ${name(cleared, 'en')}`);
  }
  return { zh: `${zh.join('；')}。`, en: `${en.join('; ')[0]?.toUpperCase() ?? ''}${en.join('; ').slice(1)}.` };
}
