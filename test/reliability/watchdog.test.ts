import { beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_STALL_ON_SIGUSR2 } from '../../gateway/runtime-flags.js';
import { freePort } from '../../simulators/free-port.js';
import { ensureBuilt, startGatewayProcess, stopGateway } from '../helpers/gateway-process.js';
import { writeLeakSite } from '../helpers/leak-site.js';
import { tempDir } from '../helpers/temp-dir.js';

async function watchedGateway(stallAfterMs: number) {
  const dir = await tempDir('gw-watchdog-');
  const httpPort = await freePort();
  const siteFile = await writeLeakSite({ dir, sensors: 1, mqttPort: await freePort(), httpPort, extra: { watchdog: { stallAfterMs } } });
  const gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info', [TEST_STALL_ON_SIGUSR2]: '1' });
  await vi.waitFor(() => expect(gw.events('watchdog.started')).toHaveLength(1), { timeout: 30_000, interval: 50 });
  return gw;
}

describe('event-loop watchdog', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('logs GW_EVENT_LOOP_STALLED and kills a gateway whose event loop stands still, so its supervisor restarts it', async () => {
    const gw = await watchedGateway(1_500);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => gw.child.once('exit', (code, signal) => resolve({ code, signal })));
    // The main thread busy-loops for good from here: nothing in it can log or exit.
    gw.child.kill('SIGUSR2');
    const { code, signal } = await exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
    await vi.waitFor(() => expect(gw.events('watchdog.stall')).toHaveLength(1), { timeout: 5_000 });
    const stall = gw.events('watchdog.stall')[0] ?? {};
    expect(stall).toMatchObject({ level: 60, code: 'GW_EVENT_LOOP_STALLED', component: 'watchdog', siteId: 'rel-site', limitMs: 1_500 });
    expect(stall['stalledMs']).toBeGreaterThanOrEqual(1_500);
  }, 90_000);

  it('lets a running gateway stop cleanly: its thread holds nothing after SIGTERM', async () => {
    const gw = await watchedGateway(10_000);
    expect(await stopGateway(gw.child)).toBe(0);
    expect(gw.events('watchdog.stall')).toEqual([]);
    expect(gw.events('gateway.exit_forced')).toEqual([]);
  }, 90_000);
});
