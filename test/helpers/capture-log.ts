import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACT_PATHS, type Logger } from '../../core/log.js';

/** A debug-level logger configured like the root one (same redaction), writing into memory. */
export function captureLog(): { log: Logger; text(): string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const log = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  return { log, text: () => chunks.join('') };
}
