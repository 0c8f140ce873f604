import { beforeAll, describe, expect, it } from 'vitest';
import { runCrashStorm } from '../helpers/crash-storm.js';
import { ensureBuilt } from '../helpers/gateway-process.js';
import { secretLeaks } from '../helpers/log-secrets.js';

const KILLS = 50;

describe('crash', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it(`keeps every announced ticket and delivers each exactly once in effect across ${KILLS} SIGKILLs during a storm and its upload`, async () => {
    const lines: string[] = [];
    // Debug level: the most the gateway ever logs, so the secret check below sees everything.
    const result = await runCrashStorm({ kills: KILLS, env: { LOG_LEVEL: 'debug' }, onLogLine: (l) => void lines.push(l) });
    process.stdout.write(`crash: ${KILLS} kills, ${result.announced.size} tickets announced, ${result.atCentral} at the central service, ${lines.length} log lines\n`);
    expect(lines.length).toBeGreaterThan(0);
    expect(secretLeaks(lines, result.secrets)).toEqual([]);
    expect(lines.filter((l) => l.includes('process.unhandled_rejection'))).toEqual([]);
  }, 400_000);
});
