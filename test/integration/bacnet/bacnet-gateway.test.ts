import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildGateway } from '../../../gateway/app.js';
import { ScaledClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { simulatedChiller } from '../../../simulators/bacnet/simulated-chiller.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';

const WAIT = { timeout: 15_000, interval: 50 };

/** The whole gateway with one BACnet chiller (hvac-unit), its time 20x faster so on-delays pass in a moment. */
async function chillerSite(o: { cov: boolean }) {
  const clock = new ScaledClock(20);
  const sim = simulatedChiller({ deviceInstance: 4001, clock });
  const port = await sim.start(0);
  onTestFinished(() => sim.stop());
  const site = testSite({
    dataDir: await tempDir(),
    devices: [
      {
        id: 'chiller-1',
        kind: 'hvac-unit',
        name: '1 号冷水机组',
        nameEn: 'Chiller 1',
        location: { building: 'T1', floor: 'RF', description: '屋顶机房', descriptionEn: 'Roof plant room' },
        source: {
          protocol: 'bacnet',
          deviceInstance: 4001,
          address: `127.0.0.1:${port}`,
          // Scenario time: 1 s polls are 50 ms, a 20 s timeout is 1 s of real time.
          pollMs: 1000,
          timeoutMs: 20_000,
          cov: o.cov,
          points: [
            { id: 'supplyTemp', objectType: 'analog-input', instance: 1, unit: '°C' },
            { id: 'running', objectType: 'binary-input', instance: 1 },
            { id: 'fault', objectType: 'binary-input', instance: 2 },
            { id: 'alarm', objectType: 'binary-input', instance: 3 },
            { id: 'mode', objectType: 'multi-state-value', instance: 1 },
          ],
        },
      },
    ],
  });
  const gw = await buildGateway(site, { clock, log: silentLogger() });
  onTestFinished(() => gw.stop());
  await gw.start();
  await vi.waitFor(() => expect(gw.adapterStatuses().find((s) => s.kind === 'bacnet')?.connected).toBe(true), WAIT);
  return { gw, sim, port };
}

describe('a BACnet chiller through the whole gateway', () => {
  it.each([true, false])('raises one general hvac ticket when the chiller reports a fault (cov %s)', async (cov) => {
    const { gw, sim } = await chillerSite({ cov });
    sim.set('binary-input', 2, true);
    await vi.waitFor(() => expect(gw.tickets.all()).toHaveLength(1), WAIT);
    expect(gw.tickets.all()[0]).toMatchObject({ fault: 'hvac-fault', deviceId: 'chiller-1', tier: 'general', skill: 'hvac', title: { en: 'HVAC unit fault: Chiller 1' } });
  });

  it('a chiller that stops answering is one device-offline ticket, cleared when it answers again', async () => {
    const { gw, sim, port } = await chillerSite({ cov: true });
    await sim.stop();
    await vi.waitFor(() => expect(gw.tickets.all()).toHaveLength(1), WAIT);
    const t = gw.tickets.all()[0]!;
    expect(t).toMatchObject({ fault: 'device-offline', deviceId: `upstream:bacnet://127.0.0.1:${port}/4001`, tier: 'general', skill: 'iot' });
    await sim.start(port);
    await vi.waitFor(() => expect(gw.pipeline.alarms().find((a) => a.deviceId === t.deviceId)?.state).toBe('normal'), WAIT);
    // Still one ticket: the chiller's own device-offline was never raised beside the upstream's.
    expect(gw.tickets.all()).toHaveLength(1);
  });
});
