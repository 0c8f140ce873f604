import { createWriteStream, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';
import type { Reading } from '../../core/reading.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';

/** One line of a recording: elapsed ms since the recording began (monotonic), then the reading. */
export interface RecordedLine {
  readonly t: number;
  readonly d: string;
  readonly p: string;
  readonly v: Reading['value'];
  readonly q: Reading['quality'];
  readonly ts: number;
  /** An event's own words (a pushed "火警 3 区"); absent for a sampled value. */
  readonly e?: string;
}

export interface RecordingHeader {
  readonly recording: 1;
  readonly siteId: string;
  /** Wall time the recording began (epoch ms), so a replay stamps tickets as they would have been. */
  readonly startedAt: number;
}

/** Compressed output is flushed this often, so a crash loses at most this much of the recording. */
const FLUSH_MS = 5_000;

/**
 * Records a site's readings to a gzip file of JSON lines (`npm start -- --record FILE`) for
 * `npm run replay`. Bounded: once `maxBytes` of readings (JSON text, before compression, so the
 * file itself stays well below) are written it stops, logs `record.full` and leaves the gateway
 * running. The compressed size is known only as zlib catches up, which would let a burst of
 * readings overshoot a cap on it. A crash leaves a readable file up to its last flush.
 */
export class ReadingRecorder {
  readonly #gzip: Gzip;
  readonly #out: WriteStream;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #maxBytes: number;
  readonly #start: number;
  readonly #flush: TimerHandle;
  #written = 0;
  #state: 'recording' | 'full' | 'closed' = 'recording';

  constructor(o: { file: string; maxBytes: number; siteId: string; clock: Clock; log: Logger }) {
    this.#clock = o.clock;
    this.#log = o.log;
    this.#maxBytes = o.maxBytes;
    this.#start = o.clock.monotonic();
    this.#gzip = createGzip();
    this.#out = createWriteStream(o.file);
    this.#gzip.pipe(this.#out);
    this.#out.on('error', (err) => {
      this.#state = 'closed';
      this.#log.error({ event: 'record.failed', file: o.file, err: err.message }, `cannot write the recording ${o.file}; recording stopped`);
    });
    const header: RecordingHeader = { recording: 1, siteId: o.siteId, startedAt: o.clock.now() };
    this.#gzip.write(`${JSON.stringify(header)}\n`);
    this.#flush = o.clock.setInterval(() => {
      if (this.#state === 'recording') this.#gzip.flush();
    }, FLUSH_MS);
    this.#log.info({ event: 'record.started', file: o.file, maxBytes: o.maxBytes }, `recording readings to ${o.file} (at most ${o.maxBytes} bytes)`);
  }

  write(r: Reading): void {
    if (this.#state !== 'recording') return;
    if (this.#written >= this.#maxBytes) {
      this.#state = 'full';
      this.#log.warn({ event: 'record.full', bytes: this.#written }, `the recording reached its size limit (${this.#maxBytes} bytes) and stopped; the gateway goes on`);
      this.#gzip.end();
      return;
    }
    const line: RecordedLine = { t: Math.round(this.#clock.monotonic() - this.#start), d: r.deviceId, p: r.pointId, v: r.value, q: r.quality, ts: r.ts, ...(r.event === undefined ? {} : { e: r.event.text }) };
    const text = `${JSON.stringify(line)}\n`;
    this.#written += Buffer.byteLength(text);
    this.#gzip.write(text);
  }

  /** Ends the file; safe to call twice. */
  async close(): Promise<void> {
    this.#flush.cancel();
    if (this.#state === 'closed') return;
    const wasRecording = this.#state === 'recording';
    this.#state = 'closed';
    if (wasRecording) this.#gzip.end();
    if (!this.#out.closed) await new Promise<void>((resolve) => this.#out.once('close', () => resolve()));
  }
}
