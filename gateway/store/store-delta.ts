import type { AlarmRecord } from '../alarms/alarm-record.js';
import type { PendingAlert } from '../notify/pending-alert.js';
import type { Ticket } from '../tickets/ticket.js';
import type { StoreData } from './store-data.js';
import type { OutboxEntry } from '../../cloud-sync/sync-ledger.js';

/** The parts of StoreData journaled whole when they change (each is small next to the tickets). */
const SECTIONS = ['counters', 'deadLetters', 'sync', 'audit', 'extra'] as const;
type Section = (typeof SECTIONS)[number];

/**
 * A ticket's change since the version last written: the fields replaced, the fields gone, and the
 * lists that only grew (history, occurrences) as what was added at their end. A change after the
 * first write of a ticket costs what changed, not the ticket: its evidence (most of its size, about
 * 15 KB) is written once. `from` is the version it applies to, so a line replayed onto anything
 * else is found out as damage, not applied.
 */
export interface TicketPatch {
  readonly from: number;
  readonly set?: Record<string, unknown>;
  readonly unset?: readonly string[];
  readonly append?: Record<string, readonly unknown[]>;
}

/** One journal line: what changed in one durable write. `null` removes a ticket or an alarm. */
export interface JournalRecord {
  /** Write sequence: a snapshot holds every line up to its own `seq`, so replay skips those. */
  readonly seq: number;
  /** Tickets written whole (new ones) or removed. */
  readonly tickets?: Record<string, Ticket | null>;
  /** Tickets changed since their last write: only the change (see TicketPatch). */
  readonly ticketPatches?: Record<string, TicketPatch>;
  /** Outbox entries by ticket id. */
  readonly outbox?: Record<string, OutboxEntry | null>;
  readonly alarms?: Record<string, AlarmRecord | null>;
  readonly alerts?: Record<string, PendingAlert | null>;
  readonly sections?: Partial<Pick<StoreData, Section>>;
}

/** A change found by StoreDelta.diff(): `accept()` once its line is durable. */
export interface PendingDelta {
  readonly record: JournalRecord;
  accept(): void;
}

/**
 * Finds what changed since the last durable write, so a write journals the change and not the
 * whole store. Tickets, outbox entries, pending alerts and alarm records are immutable values
 * replaced on every change (TicketService, cloud-sync/outbox.ts, notify/alert-book.ts,
 * alarms/alarm-ticketing.ts), so a changed one is a different object: comparing references costs
 * nothing per unchanged ticket, and a backlog of 10,000 costs no stringify. (Alarm records were
 * compared by their JSON text: at 300 alarms that was most of a write's own time.) The small
 * sections are compared by their JSON text.
 */
export class StoreDelta {
  #tickets = new Map<string, Ticket>();
  #outbox = new Map<string, OutboxEntry>();
  #alerts = new Map<string, PendingAlert>();
  #alarms = new Map<string, AlarmRecord>();
  #sections = new Map<string, string>();

  /** Takes `data` as what is on disk now (after open or a snapshot). */
  baseline(data: StoreData): void {
    this.#tickets = new Map(Object.entries(data.tickets));
    this.#outbox = new Map(Object.entries(outboxByTicket(data)));
    this.#alerts = new Map(Object.entries(data.alerts));
    this.#alarms = new Map(Object.entries(data.alarms));
    this.#sections = new Map(Object.entries(sectionTexts(data)));
  }

  /**
   * Takes a line applied to `data` from elsewhere (a pair's standby applying the active's change)
   * as written: only the keys the line names are looked at, so a standby following a storm does not
   * walk every ticket and stringify every section after each line, as baseline() would.
   */
  absorb(data: StoreData, record: JournalRecord): void {
    const now = <T>(keys: Iterable<string>, from: Readonly<Record<string, T>>): Map<string, T | null> => new Map([...keys].map((k) => [k, from[k] ?? null]));
    accept(this.#tickets, now([...Object.keys(record.tickets ?? {}), ...Object.keys(record.ticketPatches ?? {})], data.tickets));
    if (record.outbox !== undefined) accept(this.#outbox, now(Object.keys(record.outbox), outboxByTicket(data)));
    if (record.alerts !== undefined) accept(this.#alerts, now(Object.keys(record.alerts), data.alerts));
    if (record.alarms !== undefined) accept(this.#alarms, now(Object.keys(record.alarms), data.alarms));
    if (record.sections !== undefined) accept(this.#sections, now(Object.keys(record.sections), sectionTexts(data)));
  }

  /** The change since the baseline or the last accepted delta, or null when nothing changed. */
  diff(data: StoreData, seq: number): PendingDelta | null {
    const tickets = changed(this.#tickets, data.tickets);
    const outbox = changed(this.#outbox, outboxByTicket(data));
    const alerts = changed(this.#alerts, data.alerts);
    const alarms = changed(this.#alarms, data.alarms);
    const sections = changed(this.#sections, sectionTexts(data));
    if (tickets.size === 0 && outbox.size === 0 && alerts.size === 0 && alarms.size === 0 && sections.size === 0) return null;
    // What goes on the line is the data itself; the texts are only how a change was noticed.
    const valuesOf = <V>(keys: ReadonlyMap<string, unknown>, from: Record<string, V>): Record<string, V | null> =>
      Object.fromEntries([...keys].map(([k, v]) => [k, v === null ? null : (from[k] ?? null)]));
    // A ticket written before goes on the line as its change; a new one (or one removed) whole.
    const whole: [string, Ticket | null][] = [];
    const patches: [string, TicketPatch][] = [];
    for (const [id, t] of tickets) {
      const before = this.#tickets.get(id);
      if (t === null || before === undefined) whole.push([id, t]);
      else patches.push([id, ticketPatch(before, t)]);
    }
    const record: JournalRecord = {
      seq,
      ...(whole.length > 0 ? { tickets: Object.fromEntries(whole) } : {}),
      ...(patches.length > 0 ? { ticketPatches: Object.fromEntries(patches) } : {}),
      ...(outbox.size > 0 ? { outbox: Object.fromEntries(outbox) } : {}),
      ...(alerts.size > 0 ? { alerts: Object.fromEntries(alerts) } : {}),
      ...(alarms.size > 0 ? { alarms: valuesOf(alarms, data.alarms) } : {}),
      ...(sections.size > 0 ? { sections: valuesOf(sections, data as unknown as Record<string, unknown>) as Partial<Pick<StoreData, Section>> } : {}),
    };
    return {
      record,
      accept: () => {
        accept(this.#tickets, tickets);
        accept(this.#outbox, outbox);
        accept(this.#alerts, alerts);
        accept(this.#alarms, alarms);
        accept(this.#sections, sections);
      },
    };
  }
}

/**
 * What differs between two versions of a ticket. Tickets are immutable values that share what did
 * not change (`{ ...t, status, history: [...t.history, entry] }`), so fields and list items are
 * compared by reference: an unchanged evidence list costs one comparison.
 */
export function ticketPatch(before: Ticket, after: Ticket): TicketPatch {
  const b = before as unknown as Record<string, unknown>;
  const a = after as unknown as Record<string, unknown>;
  const set: Record<string, unknown> = {};
  const append: Record<string, unknown[]> = {};
  for (const key of Object.keys(a)) {
    const was = b[key];
    const now = a[key];
    if (was === now) continue;
    if (Array.isArray(was) && Array.isArray(now) && now.length > was.length && was.every((x, i) => x === now[i])) append[key] = now.slice(was.length);
    else set[key] = now;
  }
  const unset = Object.keys(b).filter((key) => !(key in a));
  return {
    from: before.version,
    ...(Object.keys(set).length > 0 ? { set } : {}),
    ...(unset.length > 0 ? { unset } : {}),
    ...(Object.keys(append).length > 0 ? { append } : {}),
  };
}

/** The ticket a patch makes of `base`; an error in words when it does not apply to it. */
export function patchedTicket(base: Ticket | undefined, id: string, patch: TicketPatch): Ticket {
  if (base === undefined) throw new Error(`a change to ticket ${id}, which is not in the store`);
  if (base.version !== patch.from) throw new Error(`a change to version ${patch.from} of ticket ${id}, which is at version ${base.version}`);
  const next: Record<string, unknown> = { ...base, ...patch.set };
  for (const key of patch.unset ?? []) delete next[key];
  for (const [key, items] of Object.entries(patch.append ?? {})) {
    const list = next[key];
    if (!Array.isArray(list)) throw new Error(`ticket ${id} has no list "${key}" to add to`);
    next[key] = [...(list as unknown[]), ...items];
  }
  return next as unknown as Ticket;
}

function outboxByTicket(data: StoreData): Record<string, OutboxEntry> {
  const byTicket: Record<string, OutboxEntry> = {};
  for (const e of data.outbox) byTicket[e.ticketId] = e;
  return byTicket;
}

function sectionTexts(data: StoreData): Record<string, string> {
  return Object.fromEntries(SECTIONS.map((s) => [s, JSON.stringify(data[s])]));
}

/**
 * What differs between the values last written (by key) and the current ones, null for a key that
 * is gone. Values are compared with ===: objects by reference, texts by content. It runs inside
 * every write, with every ticket and alarm in memory: it walks the keys once and makes no pair
 * per unchanged value.
 */
function changed<T>(written: ReadonlyMap<string, T>, current: Readonly<Record<string, T>>): Map<string, T | null> {
  const out = new Map<string, T | null>();
  const keys = Object.keys(current);
  let added = 0;
  for (const key of keys) {
    const value = current[key] as T;
    const before = written.get(key);
    if (before === value) continue;
    if (before === undefined) added += 1;
    out.set(key, value);
  }
  // Some key on disk is gone from memory (an outbox entry delivered, a ticket archived).
  if (written.size + added > keys.length) {
    for (const key of written.keys()) if (!Object.hasOwn(current, key)) out.set(key, null);
  }
  return out;
}

function accept<T>(written: Map<string, T>, changes: ReadonlyMap<string, T | null>): void {
  for (const [key, value] of changes) {
    if (value === null) written.delete(key);
    else written.set(key, value);
  }
}

/**
 * Replays one journal line onto the data read from the snapshot. `check` reads a patched ticket
 * back through the store schema; a line that does not apply (a change to a ticket that is not
 * there, or to another version of it) throws, and nothing of it is applied.
 */
export function applyRecord(data: StoreData, record: JournalRecord, check: (t: Ticket) => Ticket = (t) => t): void {
  const patched = Object.entries(record.ticketPatches ?? {}).map(([id, p]) => [id, check(patchedTicket(data.tickets[id], id, p))] as const);
  for (const [id, t] of Object.entries(record.tickets ?? {})) {
    if (t === null) delete data.tickets[id];
    else data.tickets[id] = t;
  }
  for (const [id, t] of patched) data.tickets[id] = t;
  if (record.outbox !== undefined) {
    const outbox = new Map(data.outbox.map((e) => [e.ticketId, e]));
    for (const [id, e] of Object.entries(record.outbox)) {
      if (e === null) outbox.delete(id);
      else outbox.set(id, e);
    }
    data.outbox = [...outbox.values()];
  }
  for (const [key, rec] of Object.entries(record.alarms ?? {})) {
    if (rec === null) delete data.alarms[key];
    else data.alarms[key] = rec;
  }
  for (const [key, rec] of Object.entries(record.alerts ?? {})) {
    if (rec === null) delete data.alerts[key];
    else data.alerts[key] = rec;
  }
  Object.assign(data, record.sections ?? {});
}
