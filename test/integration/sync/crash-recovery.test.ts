import { beforeAll, describe, it } from 'vitest';
import { runCrashStorm } from '../../helpers/crash-storm.js';
import { ensureBuilt } from '../../helpers/gateway-process.js';

// A quick smoke test of crash recovery; the 50-kill version is in test/reliability/crash.test.ts.
const KILLS = 5;

describe('crash recovery', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it(`delivers every announced ticket exactly once in effect across ${KILLS} SIGKILLs during a storm and its upload`, async () => {
    await runCrashStorm({ kills: KILLS });
  }, 120_000);
});
