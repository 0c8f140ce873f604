import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';

export interface Shelf {
  readonly id: string;
  readonly deviceId: string;
  /** A fault id, or '*' for every fault of the device. */
  readonly fault: string;
  readonly until: number;
  readonly reason: string;
  readonly actor: string;
  readonly at: number;
}

/**
 * Shelving (ISA-18.2): an operator silences a chattering point for a limited time with a reason.
 * Shelves are stored, audited, and lapse by themselves: expiry is checked at use, no timer needed.
 */
export class Shelves {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  #all(): Shelf[] {
    const v = this.store.data.extra['shelves'];
    return Array.isArray(v) ? (v as Shelf[]) : [];
  }

  list(now = this.clock.now()): Shelf[] {
    return this.#all().filter((s) => s.until > now);
  }

  isShelved(deviceId: string, fault: string, now: number): boolean {
    return this.#all().some((s) => s.until > now && s.deviceId === deviceId && (s.fault === '*' || s.fault === fault));
  }

  async shelve(deviceId: string, fault: string, minutes: number, reason: string, actor: string): Promise<Shelf> {
    const now = this.clock.now();
    const shelf: Shelf = { id: `shelf-${now.toString(36)}-${Math.random().toString(36).slice(2, 8)}`, deviceId, fault, until: now + minutes * 60_000, reason, actor, at: now };
    this.store.data.extra['shelves'] = [...this.list(now), shelf];
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
    this.store.data.audit.push({ at: now, actor, action: 'unshelve', detail: { id } });
    await this.store.commit();
    return true;
  }
}
