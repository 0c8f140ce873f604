import { z } from 'zod';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import { spanWords } from '../../core/shared-words.js';
import type { Logger } from '../../core/log.js';
import type { Store } from '../store/store.js';
import type { TicketService } from './ticket-service.js';
import { isOpen, type Ticket } from './ticket.js';
import { type Bilingual } from '../../core/vocabulary.js';

/** The longest a storm mode may last: it ends by itself, so a forgotten one never holds tickets for days. */
export const STORM_MAX_HOURS = 24;
const HOUR = 3_600_000;
/** Tickets named one by one in a digest; more are counted. */
const NAMED = 10;

const Storm = z.object({
  building: z.string().nullable(),
  reason: z.string(),
  by: z.string(),
  /** Wall time it began and ends by itself (epoch ms), for people; it lasts its hours of elapsed time. */
  startedAt: z.number(),
  until: z.number(),
  /** General and low tickets raised during it, not yet told in a digest. */
  held: z.array(z.string()),
});
export type Storm = z.infer<typeof Storm>;

const PastStorm = z.object({ from: z.number(), to: z.number(), building: z.string().nullable(), reason: z.string() });
export type PastStorm = z.infer<typeof PastStorm>;

const KEY = 'storm';
const PAST = 'storms';
/** Storms kept for the monthly reports of the last year and a bit. */
const KEEP_MS = 400 * 86_400_000;

export interface StormModeDeps {
  readonly store: Store;
  readonly tickets: TicketService;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timeZone: string;
  /** Tells staff (a digest of the held tickets, once an hour). */
  readonly tell: (key: string, title: Bilingual, detail: Bilingual) => void;
}

/**
 * Storm mode (the three-level after-sales standard: in storms and floods emergencies jump the queue
 * and resources shift to them, non-urgent orders are paused): for a bounded time, on the whole site
 * or one building, the general and low tickets' deadlines stop, their escalations are held, and
 * their alerts are told as one digest an hour; emergencies alert and escalate as always. When it
 * ends (by hand, or by itself after its hours) each paused ticket's deadlines move by the time it
 * was paused, so the on-time KPIs leave paused time out. Start, end and every ticket paused are in
 * the tickets' history, and so at central.
 */
export class StormMode {
  readonly #d: StormModeDeps;
  #ends: TimerHandle | null = null;
  #digest: TimerHandle | null = null;

  constructor(d: StormModeDeps) {
    this.#d = d;
    // A ticket raised during the storm is paused from its raise, in its own durable write.
    d.tickets.setPauseRule((t) => {
      const storm = this.current();
      if (storm === null || !this.#covers(storm, t)) return null;
      storm.held.push(t.id);
      return { reason: storm.reason };
    });
  }

  /** The storm on now, as the store holds it (held tickets are added to it in place, in the raise's write). */
  current(): Storm | null {
    const v = this.#d.store.data.extra[KEY];
    if (v === undefined) return null;
    return Storm.safeParse(v).success ? (v as Storm) : null;
  }

  past(): PastStorm[] {
    const r = z.array(PastStorm).safeParse(this.#d.store.data.extra[PAST] ?? []);
    return r.success ? r.data : [];
  }

  /** The storms (ended, and the one on now up to `now`) in [from, to): how many, and their hours inside it, for the period reports. */
  within(from: number, to: number, now: number): { readonly count: number; readonly hours: number } {
    const on = this.current();
    const spans = [...this.past(), ...(on === null ? [] : [{ from: on.startedAt, to: Math.min(now, on.until) }])];
    const inside = spans.map((p) => Math.max(0, Math.min(p.to, to) - Math.max(p.from, from))).filter((ms) => ms > 0);
    return { count: inside.length, hours: Math.round((inside.reduce((a, b) => a + b, 0) / HOUR) * 10) / 10 };
  }

  /** After a restart, a storm still on goes on for what is left of it (by wall time, never more than it was made for). */
  start(): void {
    const storm = this.current();
    if (storm === null || this.#ends !== null) return;
    const left = Math.min(Math.max(0, storm.until - this.#d.clock.now()), storm.until - storm.startedAt);
    this.#arm(left);
  }

  stop(): void {
    this.#ends?.cancel();
    this.#ends = null;
    this.#digest?.cancel();
    this.#digest = null;
  }

  /** Switches storm mode on for `hours` (at most 24), for the site or one building, with a reason. */
  async begin(o: { building: string | null; hours: number; reason: string; by: string }): Promise<Storm> {
    if (this.current() !== null) throw new StormRefused('storm mode is on already: end it first');
    if (!(o.hours > 0 && o.hours <= STORM_MAX_HOURS)) throw new StormRefused(`a storm mode lasts more than 0 and at most ${STORM_MAX_HOURS} hours`);
    const now = this.#d.clock.now();
    const storm: Storm = { building: o.building, reason: o.reason, by: o.by, startedAt: now, until: now + o.hours * HOUR, held: [] };
    this.#d.store.data.extra[KEY] = storm;
    await this.#d.store.commit();
    this.#d.log.warn({ event: 'storm.started', building: o.building, hours: o.hours, by: o.by }, `storm mode on${o.building === null ? '' : ` in ${o.building}`} for ${o.hours} h: ${o.reason}`);
    const note = `暴雨模式开启，一般/低级工单暂停计时：${o.reason} / storm mode on, general and low deadlines paused: ${o.reason}`;
    for (const t of this.#d.tickets.all().filter((x) => isOpen(x) && x.paused === undefined && this.#covers(storm, x))) {
      await this.#d.tickets.mutate(t.id, `user:${o.by}`, (d) => {
        if (d.paused !== undefined || !isOpen(d)) return null;
        d.paused = { since: new Date(now).toISOString(), reason: o.reason };
        return { action: 'paused', note };
      });
    }
    this.#arm(o.hours * HOUR);
    return storm;
  }

  /** Ends storm mode (by hand, or by itself): the held tickets' digest, and every paused ticket's deadlines moved by the time paused. */
  async end(by: string): Promise<PastStorm | null> {
    const storm = this.current();
    if (storm === null) return null;
    this.stop();
    this.#tellHeld(storm);
    const now = this.#d.clock.now();
    const past: PastStorm = { from: storm.startedAt, to: now, building: storm.building, reason: storm.reason };
    delete this.#d.store.data.extra[KEY];
    this.#d.store.data.extra[PAST] = [...this.past().filter((p) => p.to >= now - KEEP_MS), past];
    await this.#d.store.commit();
    for (const t of this.#d.tickets.all().filter((x) => x.paused !== undefined)) {
      await this.#d.tickets.mutate(t.id, by === 'gateway' ? 'gateway' : `user:${by}`, (d) => {
        if (d.paused === undefined) return null;
        const ms = Math.max(0, now - Date.parse(d.paused.since));
        const move = (iso: string): string => new Date(Date.parse(iso) + ms).toISOString();
        d.deadlines = { acknowledgeBy: move(d.deadlines.acknowledgeBy), dispatchBy: move(d.deadlines.dispatchBy), onSiteBy: d.deadlines.onSiteBy === null ? null : move(d.deadlines.onSiteBy), resolveBy: move(d.deadlines.resolveBy) };
        d.pausedMs = (d.pausedMs ?? 0) + ms;
        delete d.paused;
        return { action: 'resumed', note: `暴雨模式结束，期限顺延 ${spanWords(ms, 'zh')} / storm mode ended, deadlines moved by ${spanWords(ms, 'en')}` };
      });
    }
    this.#d.log.warn({ event: 'storm.ended', by, minutes: Math.round((now - storm.startedAt) / 60_000) }, 'storm mode ended');
    return past;
  }

  #covers(storm: Storm, t: Pick<Ticket, 'tier' | 'location'>): boolean {
    return t.tier !== 'emergency' && (storm.building === null || storm.building === t.location.building);
  }

  #arm(leftMs: number): void {
    this.#ends = this.#d.clock.setTimeout(() => {
      this.#ends = null;
      this.end('gateway').catch((err: unknown) => this.#d.log.error({ event: 'storm.end_failed', err: errorMessage(err) }, 'storm mode could not end by itself; end it from the operator page'));
    }, leftMs);
    this.#digest = this.#d.clock.setInterval(() => {
      const storm = this.current();
      if (storm !== null) this.#tellHeld(storm);
    }, HOUR);
  }

  /** One digest of the general and low tickets raised since the last one: one message, not one a ticket. */
  #tellHeld(storm: Storm): void {
    const held = storm.held.flatMap((id) => this.#d.tickets.get(id) ?? []);
    if (held.length === 0) return;
    storm.held = [];
    const named = held.slice(0, NAMED);
    const more = held.length - named.length;
    const where = (t: Ticket, lang: 'zh' | 'en'): string => `${t.location.building} ${lang === 'en' ? (t.location.descriptionEn ?? t.location.description) : t.location.description}`;
    const line = (lang: 'zh' | 'en'): string => named.map((t) => `${t.number} ${t.title[lang]}（${where(t, lang)}）`).join(lang === 'zh' ? '；' : '; ') + (more > 0 ? (lang === 'zh' ? `；等 ${more} 条` : `; and ${more} more`) : '');
    this.#d.tell(
      `system/GW_STORM_DIGEST/${this.#d.clock.now()}`,
      { zh: `暴雨模式汇总：新增一般/低级工单 ${held.length} 条（已暂停计时）`, en: `Storm mode digest: ${held.length} general or low ticket(s) raised, deadlines paused` },
      { zh: line('zh'), en: line('en') },
    );
  }
}

/** A storm mode request that does not apply (one is on already, too long): answered 409 with the reason. */
export class StormRefused extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'StormRefused';
  }
}
