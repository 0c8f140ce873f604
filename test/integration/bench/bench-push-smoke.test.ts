import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/gateway-process.js';

/** The push measure at tiny sizes proves its path (gateway, pusher process, /ingest); it asserts no timing. */
describe('npm run bench --only push --quick', () => {
  it('pushes through /ingest and reports the cost per reading', async () => {
    const run = path.resolve('dist/bench/run.js');
    ensureBuilt(run);
    const { stdout } = await promisify(execFile)(process.execPath, [run, '--quick', '--json', '--only', 'push'], { timeout: 60_000 });
    const figures = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, Record<string, number>>;
    expect(figures['push']?.['readingsPerSecond']).toBeGreaterThan(0);
    expect(figures['push']?.['cpuMicrosPerReading']).toBeGreaterThan(0);
    expect(figures['push']?.['refused']).toBe(0);
  });
});
