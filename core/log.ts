import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * Paths pino blanks in every event. Secrets must never reach a log line: tokens, passwords,
 * authorization headers, wherever they sit in an object we log.
 */
export const REDACT_PATHS = [
  'token',
  'password',
  'authorization',
  '*.token',
  '*.password',
  '*.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'central.token',
  '*.secret',
];

export interface RootLoggerOptions {
  readonly level?: LevelWithSilent | undefined;
  /** Pretty output for a person at a terminal; JSON lines otherwise (and always in CI). */
  readonly pretty?: boolean | undefined;
  readonly destination?: NodeJS.WritableStream | undefined;
}

export function createRootLogger(opts: RootLoggerOptions = {}): Logger {
  const level = (process.env['LOG_LEVEL'] as LevelWithSilent | undefined) ?? opts.level ?? 'info';
  const base = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  const pretty = opts.pretty ?? (process.stdout.isTTY === true && process.env['CI'] === undefined);
  if (opts.destination !== undefined) return pino(base, opts.destination as pino.DestinationStream);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(base);
}

/** A logger that drops everything: for unit tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
