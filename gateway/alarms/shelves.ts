import type { Clock } from '../../core/clock.js';
import type { Store } from '../store/store.js';

export interface Shelf {
  readonly id: string;
  readonly deviceId: string;
  /** A fault id, or '*' for every fault of the device. */
  readonly fault: string;
  /** Wall time it lapses, for people (epoch ms). */
  readonly until: number;
  readonly reason: string;
  readonly actor: string;
  /** Wall time it was made (epoch ms). */
  readonly at: number;
}

/**
 * Shelving (ISA-18.2): an operator silences a chattering point for a limited time with a reason.
 * Shelves are stored, audited, and lapse by themselves: expiry is checked at use, no timer needed.
 *
 * A shelf lasts its minutes of elapsed time. Its wall-time `until` is only what people read: a
 * backward step of the clock must not keep an alarm silenced for hours longer than asked. A shelf
 * read back after a restart gets what is left of it by wall time, never more than it was made for.
 */
export class Shelves {
  /** Monotonic time each shelf lapses, by id. */
  readonly #lapses = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  #all(): Shelf[] {
    const v = this.store.data.extra['shelves'];
    return Array.isArray(v) ? (v as Shelf[]) : [];
  }

  #lapsesAt(s: Shelf): number {
    let at = this.#lapses.get(s.id);
    if (at === undefined) {
      const left = Math.min(Math.max(0, s.until - this.clock.now()), Math.max(0, s.until - s.at));
      at = this.clock.monotonic() + left;
      this.#lapses.set(s.id, at);
    }
    return at;
  }

  #live(s: Shelf): boolean {
    return this.#lapsesAt(s) > this.clock.monotonic();
  }

  list(): Shelf[] {
    return this.#all().filter((s) => this.#live(s));
  }

  isShelved(deviceId: string, fault: string): boolean {
    return this.#all().some((s) => s.deviceId === deviceId && (s.fault === '*' || s.fault === fault) && this.#live(s));
  }

  async shelve(deviceId: string, fault: string, minutes: number, reason: string, actor: string): Promise<Shelf> {
    const now = this.clock.now();
    const shelf: Shelf = { id: `shelf-${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`, deviceId, fault, until: now + minutes * 60_000, reason, actor, at: now };
    this.#lapses.set(shelf.id, this.clock.monotonic() + minutes * 60_000);
    this.store.data.extra['shelves'] = [...this.list(), shelf];
    this.store.data.audit.push({ at: now, actor, action: 'shelve', detail: { ...shelf } });
    await this.store.commit();
    return shelf;
  }

  async unshelve(id: string, actor: string): Promise<boolean> {
    const now = this.clock.now();
    const before = this.#all();
    const after = before.filter((s) => s.id !== id);
    if (after.length === before.length) return false;
    this.store.data.extra['shelves'] = after;
    this.#lapses.delete(id);
    this.store.data.audit.push({ at: now, actor, action: 'unshelve', detail: { id } });
    await this.store.commit();
    return true;
  }
}
