import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildGateway } from '../../../gateway/app.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('a custom rule of the site file through the whole gateway', () => {
  it('raises one ticket with its own fault id, tier, skill and words from MQTT readings', async () => {
    const site = testSite({
      dataDir: await tempDir(),
      devices: [
        {
          id: 'chiller-1',
          kind: 'generic',
          name: '1 号冷水机组',
          nameEn: 'Chiller 1',
          location: { building: 'T1', floor: 'RF', description: '屋顶机房', descriptionEn: 'Roof plant room' },
          source: { protocol: 'mqtt', username: 'chiller-1', password: { value: 'pw-chiller' }, points: [{ id: 'running' }, { id: 'flow', unit: 'm3/h' }] },
          rules: [
            {
              id: 'pump-dry-running',
              tier: 'general',
              skill: 'plumbing',
              title: { zh: '水泵干转', en: 'Pump running dry' },
              when: { kind: 'composite', all: [{ kind: 'state', point: 'running', equals: true }, { kind: 'threshold', point: 'flow', below: 1 }] },
            },
          ],
        },
      ],
    });
    const gw = await buildGateway(site, { clock: systemClock, log: silentLogger() });
    await gw.start();
    onTestFinished(() => gw.stop());
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqtt.address()?.port}`, { username: 'chiller-1', password: 'pw-chiller', reconnectPeriod: 0 });
    onTestFinished(() => device.endAsync(true));
    await device.publishAsync('site/chiller-1/flow', JSON.stringify({ value: 0.2 }), { qos: 1 });
    await device.publishAsync('site/chiller-1/running', JSON.stringify({ value: true }), { qos: 1 });
    await vi.waitFor(() => expect(gw.tickets.all()).toHaveLength(1), { timeout: 10_000 });
    const t = gw.tickets.all()[0]!;
    expect(t).toMatchObject({ fault: 'pump-dry-running', tier: 'general', skill: 'plumbing', title: { en: 'Pump running dry: Chiller 1' } });
    expect(t.description.zh).toBe('running = true；且flow = 0.2 m3/h，低于 1 m3/h');
    expect(t.evidence.map((e) => e.pointId)).toEqual(['running', 'flow']);
  });
});
