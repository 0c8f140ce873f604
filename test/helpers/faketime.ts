import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Debian's libfaketime, preloaded into a real gateway process so its wall clock can be stepped
 * while it runs (NTP correcting a board with a flat RTC battery). Only the wall clock moves: the
 * monotonic clock is left alone, as on a real board. `npm test` installs the `faketime` package (scripts/ensure-test-tools.sh).
 */
export interface SteppableClock {
  /** Environment for the child process. */
  readonly env: NodeJS.ProcessEnv;
  /** Sets the child's wall clock to real time plus `seconds` (negative: behind). */
  offset(seconds: number): Promise<void>;
}

function libfaketime(): string {
  const candidates = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'];
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    const listed = execFileSync('dpkg', ['-L', 'libfaketime'], { encoding: 'utf8' }).split('\n').find((l) => l.endsWith('/libfaketime.so.1'));
    if (listed !== undefined) return listed;
  } catch {
    // not a Debian package here
  }
  throw new Error('libfaketime is not installed: apt-get install faketime (npm test does, scripts/ensure-test-tools.sh)');
}

export async function steppableClock(dir: string): Promise<SteppableClock> {
  const file = path.join(dir, 'faketime.rc');
  const offset = async (seconds: number): Promise<void> => writeFile(file, `${seconds >= 0 ? '+' : ''}${Math.round(seconds)}\n`);
  await offset(0);
  return {
    env: {
      LD_PRELOAD: libfaketime(),
      FAKETIME_TIMESTAMP_FILE: file,
      // Re-read the offset at most once a second: a step shows within a second, and a reading
      // path that asks for the time thousands of times a second does not read a file each time.
      FAKETIME_CACHE_DURATION: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      FAKETIME_DONT_RESET: '1',
    },
    offset,
  };
}
