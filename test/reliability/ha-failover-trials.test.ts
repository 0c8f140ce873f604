import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/gateway-process.js';

const TRIALS = 10;

/**
 * Issue 34 in CI: the bench's `ha` measure with ten SIGKILL trials (`BENCH_HA_TRIALS`; the bench
 * itself runs fifty). What is judged is what must never happen, whatever the machine: an emergency
 * with no ticket at central or no alert, a fault that is two tickets at central, a trial that did
 * not fail over. The times are printed, not asserted: they are the bench's business.
 */
describe('two gateways on one site, SIGKILL after SIGKILL', () => {
  beforeAll(() => ensureBuilt(path.resolve('dist/bench/run.js')), 120_000);

  it(`loses no emergency and raises none twice across ${TRIALS} kills of the active`, async () => {
    const run = path.resolve('dist/bench/run.js');
    const { stdout } = await promisify(execFile)(process.execPath, [run, '--quick', '--json', '--only', 'ha'], { timeout: 300_000, env: { ...process.env, BENCH_HA_TRIALS: String(TRIALS) } });
    const figures = (JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { ha: Record<string, number> }).ha;
    process.stdout.write(`ha: ${TRIALS} trials, failover p50 ${figures['failoverP50Seconds']} s, p99 ${figures['failoverP99Seconds']} s, first ticket p99 ${figures['firstTicketP99Seconds']} s\n`);
    expect(figures).toMatchObject({ trials: TRIALS, emergenciesLost: 0, duplicateTicketsAtCentral: 0, durableMissed: 0 });
    expect(figures['failoverP99Seconds']).toBeGreaterThan(0);
  }, 360_000);
});
