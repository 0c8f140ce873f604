import type { Ticket } from '../tickets/ticket.js';
import type { StoreData } from './store-data.js';

/** The parts of StoreData journaled whole when they change (each is small next to the tickets). */
const SECTIONS = ['counters', 'outbox', 'deadLetters', 'sync', 'audit', 'extra'] as const;
type Section = (typeof SECTIONS)[number];

/** One journal line: what changed in one durable write. `null` removes a ticket or an alarm. */
export interface JournalRecord {
  /** Write sequence: a snapshot holds every line up to its own `seq`, so replay skips those. */
  readonly seq: number;
  readonly tickets?: Record<string, Ticket | null>;
  readonly alarms?: Record<string, unknown>;
  readonly sections?: Partial<Pick<StoreData, Section>>;
}

/** A change found by StoreDelta.diff(): `accept()` once its line is durable. */
export interface PendingDelta {
  readonly record: JournalRecord;
  accept(): void;
}

/**
 * Finds what changed since the last durable write, so a write journals the change and not the
 * whole store. Tickets are immutable values replaced on every change (TicketService), so a changed
 * ticket is a different object: comparing references costs nothing per unchanged ticket. Alarm
 * records are updated in place, so they and the small sections are compared by their JSON text.
 */
export class StoreDelta {
  #tickets = new Map<string, Ticket>();
  #alarms = new Map<string, string>();
  #sections = new Map<Section, string>();

  /** Takes `data` as what is on disk now (after open or a snapshot). */
  baseline(data: StoreData): void {
    this.#tickets = new Map(Object.entries(data.tickets));
    this.#alarms = new Map(Object.entries(data.alarms).map(([k, v]) => [k, JSON.stringify(v)]));
    this.#sections = new Map(SECTIONS.map((s) => [s, JSON.stringify(data[s])]));
  }

  /** The change since the baseline or the last accepted delta, or null when nothing changed. */
  diff(data: StoreData, seq: number): PendingDelta | null {
    const tickets: Record<string, Ticket | null> = {};
    const ticketRefs: [string, Ticket | null][] = [];
    let present = 0;
    let added = 0;
    for (const id in data.tickets) {
      present += 1;
      const t = data.tickets[id];
      const before = this.#tickets.get(id);
      if (t !== undefined && before !== t) {
        if (before === undefined) added += 1;
        tickets[id] = t;
        ticketRefs.push([id, t]);
      }
    }
    // Some ticket on disk is no longer in memory (moved to an archive): journal its removal.
    if (this.#tickets.size + added > present) {
      for (const id of this.#tickets.keys()) {
        if (!(id in data.tickets)) {
          tickets[id] = null;
          ticketRefs.push([id, null]);
        }
      }
    }
    const alarms: Record<string, unknown> = {};
    const alarmTexts: [string, string | null][] = [];
    for (const key in data.alarms) {
      const text = JSON.stringify(data.alarms[key]);
      if (this.#alarms.get(key) !== text) {
        alarms[key] = data.alarms[key];
        alarmTexts.push([key, text]);
      }
    }
    for (const key of this.#alarms.keys()) {
      if (!(key in data.alarms)) {
        alarms[key] = null;
        alarmTexts.push([key, null]);
      }
    }
    const sections: Partial<Record<Section, unknown>> = {};
    const sectionTexts: [Section, string][] = [];
    for (const s of SECTIONS) {
      const text = JSON.stringify(data[s]);
      if (this.#sections.get(s) !== text) {
        sections[s] = data[s];
        sectionTexts.push([s, text]);
      }
    }
    if (ticketRefs.length === 0 && alarmTexts.length === 0 && sectionTexts.length === 0) return null;
    const record: JournalRecord = {
      seq,
      ...(ticketRefs.length > 0 ? { tickets } : {}),
      ...(alarmTexts.length > 0 ? { alarms } : {}),
      ...(sectionTexts.length > 0 ? { sections: sections as Partial<Pick<StoreData, Section>> } : {}),
    };
    return {
      record,
      accept: () => {
        for (const [id, t] of ticketRefs) {
          if (t === null) this.#tickets.delete(id);
          else this.#tickets.set(id, t);
        }
        for (const [key, text] of alarmTexts) {
          if (text === null) this.#alarms.delete(key);
          else this.#alarms.set(key, text);
        }
        for (const [s, text] of sectionTexts) this.#sections.set(s, text);
      },
    };
  }
}

/** Replays one journal line onto the data read from the snapshot. */
export function applyRecord(data: StoreData, record: JournalRecord): void {
  for (const [id, t] of Object.entries(record.tickets ?? {})) {
    if (t === null) delete data.tickets[id];
    else data.tickets[id] = t;
  }
  for (const [key, rec] of Object.entries(record.alarms ?? {})) {
    if (rec === null) delete data.alarms[key];
    else data.alarms[key] = rec;
  }
  Object.assign(data, record.sections ?? {});
}

/** A journal line as read back: the shape is checked before it touches the data. */
export function isJournalRecord(x: unknown): x is JournalRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  const isMap = (v: unknown): boolean => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v));
  return typeof r['seq'] === 'number' && Number.isInteger(r['seq']) && isMap(r['tickets']) && isMap(r['alarms']) && isMap(r['sections']);
}
