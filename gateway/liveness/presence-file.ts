import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { writeWhole } from './write-whole.js';

/**
 * Why a gateway stopped cleanly, as its next start tells staff: a signal from the service manager
 * or an operator (SIGTERM) or a console (SIGINT), its own UPS running flat, the event-loop
 * watchdog, or a stop called by the program that hosts it (a restart in a scenario, a test).
 */
export const StopBy = z.enum(['SIGTERM', 'SIGINT', 'ups-battery-low', 'watchdog', 'program']);
export type StopBy = z.infer<typeof StopBy>;

export const PresenceRecord = z.object({
  gatewayId: z.string(),
  /** The kernel's boot id: a different one at the next start means the machine itself restarted. */
  bootId: z.string().nullable(),
  pid: z.number().int(),
  /** Wall time (epoch ms) the run started and was last known alive. */
  startedAt: z.number(),
  aliveAt: z.number(),
  /** Set by a clean stop; null while running, and after a crash or a power loss. */
  stop: z.object({ at: z.number(), by: StopBy }).nullable(),
});
export type PresenceRecord = z.infer<typeof PresenceRecord>;

export const PRESENCE_FILE = 'presence.json';
/** How often the alive stamp is written: the time a gateway was away is known to this much. */
export const ALIVE_STAMP_MS = 10_000;

/** The kernel's id of this boot (Linux); null elsewhere. */
export function currentBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * `presence.json` in the data folder: when this run started, when it was last alive, and whether
 * it stopped cleanly. Read at the next start, it tells how long the gateway was away and why
 * (absence.ts). Written whole each time (temp file, fsync, rename): a few hundred bytes every
 * ten seconds, synchronous, so a stamp is never half written when the power goes.
 */
export class PresenceFile {
  readonly #file: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  #record: PresenceRecord;
  #timer: TimerHandle | null = null;
  #failing = false;

  constructor(o: { dataDir: string; gatewayId: string; clock: Clock; log: Logger }) {
    this.#file = path.join(o.dataDir, PRESENCE_FILE);
    this.#clock = o.clock;
    this.#log = o.log;
    const now = o.clock.now();
    this.#record = { gatewayId: o.gatewayId, bootId: currentBootId(), pid: process.pid, startedAt: now, aliveAt: now, stop: null };
  }

  /** What the previous run left, or null (a first start, or a file that does not read: said in the log). */
  previous(): PresenceRecord | null {
    return readPresence(this.#file, this.#log);
  }

  get startedAt(): number {
    return this.#record.startedAt;
  }

  get bootId(): string | null {
    return this.#record.bootId;
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#record = { ...this.#record, startedAt: this.#clock.now(), aliveAt: this.#clock.now(), stop: null };
    this.#write();
    this.#timer = this.#clock.setInterval(() => this.stamp(), ALIVE_STAMP_MS);
  }

  stamp(): void {
    this.#record = { ...this.#record, aliveAt: this.#clock.now() };
    this.#write();
  }

  /**
   * A clean stop: the next start reads who stopped it. `awaySince` carries an earlier stop's time
   * through a run that told nobody it was back (started and stopped again while its UPS still ran low).
   */
  stop(by: StopBy, awaySince?: number): void {
    this.#timer?.cancel();
    this.#timer = null;
    const now = this.#clock.now();
    this.#record = { ...this.#record, aliveAt: now, stop: { at: awaySince ?? now, by } };
    this.#write();
  }

  #write(): void {
    try {
      writeWhole(this.#file, JSON.stringify(this.#record));
      if (this.#failing) this.#log.info({ event: 'liveness.stamp_written' }, 'the alive stamp is written again');
      this.#failing = false;
    } catch (err) {
      // The store says loudly when the disk fails; this stamp only sharpens the next start's words.
      if (!this.#failing) this.#log.warn({ event: 'liveness.stamp_failed', err: errorMessage(err) }, `the alive stamp ${PRESENCE_FILE} cannot be written: the next start may tell the time away less exactly`);
      this.#failing = true;
    }
  }
}

export function readPresence(file: string, log: Logger): PresenceRecord | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return PresenceRecord.parse(JSON.parse(text));
  } catch (err) {
    log.warn({ event: 'liveness.presence_unreadable', file, err: errorMessage(err) }, `${PRESENCE_FILE} does not read; this start cannot tell how long the gateway was away`);
    return null;
  }
}
