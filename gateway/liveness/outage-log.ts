import { z } from 'zod';
import type { Logger } from '../../core/log.js';
import type { Store } from '../store/store.js';
import { causeCode, type Absence } from './absence.js';

/** One time the gateway was away: wall times (epoch ms) and why (`crash`, `power`, `stopped:SIGTERM`...). */
const Outage = z.object({ from: z.number(), to: z.number(), cause: z.string() });
export type Outage = z.infer<typeof Outage>;

const GatewayRuns = z.object({ firstStartedAt: z.number(), outages: z.array(Outage) });
type GatewayRuns = z.infer<typeof GatewayRuns>;

/** What a month's report says about the gateway itself. */
export interface Availability {
  /** Share of the month (so far, and since the gateway's first start) it was up, in per cent, one decimal. */
  readonly percentUp: number;
  readonly outages: number;
  readonly longestMinutes: number;
  readonly downMinutes: number;
}

const KEY = 'gatewayRuns';
/** Kept for the monthly reports of the last year and a bit; older ones are dropped at each start. */
const KEEP_MS = 400 * 86_400_000;

/**
 * The gateway's own outages, kept in the store (its `extra` section) so the monthly report can show
 * availability: per cent of the month up, how many outages, the longest. One record a start that
 * followed an absence, written in that start's durable write.
 */
export class OutageLog {
  readonly #store: Store;
  readonly #log: Logger;

  constructor(store: Store, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  #read(): GatewayRuns | null {
    const v = this.#store.data.extra[KEY];
    if (v === undefined) return null;
    const parsed = GatewayRuns.safeParse(v);
    if (parsed.success) return parsed.data;
    this.#log.warn({ event: 'liveness.outages_unreadable', err: parsed.error.message }, "the store's record of gateway outages does not read; availability counts from now");
    return null;
  }

  /** This start: the first one is remembered, an absence is added. The caller commits. */
  recordStart(startedAt: number, absence: Absence | null): void {
    const runs = this.#read() ?? { firstStartedAt: absence?.from ?? startedAt, outages: [] };
    // An absence from the same moment as the last one is that outage, longer (a run that stopped
    // again at once, its UPS still low, carried its start forward): it replaces it.
    const kept = runs.outages.filter((o) => absence === null || o.from !== absence.from);
    const outages = absence === null || absence.to <= absence.from ? kept : [...kept, { from: absence.from, to: absence.to, cause: causeCode(absence.cause) }];
    this.#store.data.extra[KEY] = { firstStartedAt: runs.firstStartedAt, outages: outages.filter((o) => o.to >= startedAt - KEEP_MS) };
  }

  outages(): readonly Outage[] {
    return this.#read()?.outages ?? [];
  }

  /** Availability between `from` and `to` (a month), counted up to `now` and from the first start. */
  availability(from: number, to: number, now: number): Availability | null {
    const runs = this.#read();
    if (runs === null) return null;
    const start = Math.max(from, runs.firstStartedAt);
    const end = Math.min(to, now);
    if (end <= start) return null;
    let down = 0;
    let longest = 0;
    let count = 0;
    for (const o of runs.outages) {
      const part = Math.min(o.to, end) - Math.max(o.from, start);
      if (part <= 0) continue;
      count += 1;
      down += part;
      longest = Math.max(longest, o.to - o.from);
    }
    return { percentUp: Math.round((1 - down / (end - start)) * 1000) / 10, outages: count, longestMinutes: Math.round(longest / 6_000) / 10, downMinutes: Math.round(down / 6_000) / 10 };
  }
}
