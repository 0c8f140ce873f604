import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildGateway } from '../../../gateway/app.js';
import { ManualClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { currentBootId, PRESENCE_FILE, type PresenceRecord } from '../../../gateway/liveness/presence-file.js';
import { RETURN_SETTLE_MS } from '../../../gateway/liveness/return-report.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { webhookServer } from '../../helpers/webhook-server.js';

// 2026-11-27 10:00 in Shanghai; the gateway died at 09:48 without a clean stop.
const NOW = Date.UTC(2026, 10, 27, 2, 0, 0);
const DIED = NOW - 12 * 60_000;

async function gatewayAfter(previous: PresenceRecord | null) {
  const dataDir = await tempDir('gw-back-');
  if (previous !== null) await writeFile(path.join(dataDir, PRESENCE_FILE), JSON.stringify(previous));
  const hook = await webhookServer();
  const site = {
    ...testSite({
      http: { port: 0, host: '127.0.0.1', publicUrl: 'http://gw.site.lan' },
      notify: { channels: [{ id: 'robot', type: 'webhook', url: { value: `${hook.url}/robot` }, retries: 0 }] },
      devices: [
        {
          id: 'leak-1',
          kind: 'leak-sensor',
          name: '1 号漏水传感器',
          location: { building: 'T1', floor: 'B1', description: 'B1 泵房' },
          faults: { 'water-leak': { onDelaySeconds: 0 } },
          source: { protocol: 'mqtt', username: 'leak-1', password: { value: 'pw-leak-1' }, points: [{ id: 'wet' }] },
        },
      ],
    }),
    dataDir,
  };
  const clock = new ManualClock(NOW);
  const gw = await buildGateway(site, { clock, log: silentLogger(), gatewayId: 'gw-test' });
  onTestFinished(() => gw.stop());
  await gw.start();
  const system = () => hook.received.filter((r) => r.path === '/robot').flatMap((r) => (r.body['alerts'] as { kind: string; number: string }[]).filter((a) => a.kind === 'system').map((a) => ({ code: a.number, text: String(r.body['text']) })));
  return { gw, clock, dataDir, system, url: gw.httpUrl() ?? '' };
}

describe('a gateway back after a time away', () => {
  it('tells staff once how long it was away, that it crashed, and what the readings at start raised; the month counts the outage', async () => {
    const { gw, clock, system, url } = await gatewayAfter({ gatewayId: 'gw-test', bootId: currentBootId(), pid: 1, startedAt: DIED - 86_400_000, aliveAt: DIED, stop: null });
    // The pump room flooded while it was down: the sensor says so as soon as it can.
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqtt.address()?.port}`, { username: 'leak-1', password: 'pw-leak-1', reconnectPeriod: 0 });
    onTestFinished(() => device.endAsync(true));
    await device.publishAsync('site/leak-1/wet', JSON.stringify({ value: true }), { qos: 1 });
    await vi.waitFor(() => expect(gw.tickets.all()).toHaveLength(1));
    await gw.pipeline.idle();
    expect(system()).toEqual([]);
    clock.advance(RETURN_SETTLE_MS);
    // The robot channel paces its messages on the gateway's clock: it moves a second at a time.
    await vi.waitFor(() => {
      clock.advance(1_000);
      expect(system()).toHaveLength(1);
    });
    const [back] = system();
    expect(back?.code).toBe('GW_BACK');
    expect(back?.text).toContain('网关已恢复运行：离线约 12 分钟，进程崩溃（未记录正常停止）');
    expect(back?.text).toContain('09:48 至 10:00');
    expect(back?.text).toContain(`恢复后新报 1 条：漏水：1 号漏水传感器 (${gw.tickets.all()[0]?.number})`);
    expect(back?.text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    // Once: more time changes nothing.
    clock.advance(RETURN_SETTLE_MS * 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(system()).toHaveLength(1);

    const ready = (await (await fetch(`${url}/readyz`)).json()) as { liveness: { gatewayId: string; lastAbsence: { cause: string; seconds: number; raised: unknown[] } } };
    expect(ready.liveness).toMatchObject({ gatewayId: 'gw-test', lastAbsence: { cause: 'crash', seconds: 720, raised: [expect.objectContaining({ fault: 'water-leak' })] } });
    const month = (await (await fetch(`${url}/api/reports/monthly?month=2026-11`)).json()) as { gateway: { outages: number; downMinutes: number; longestMinutes: number; percentUp: number } };
    expect(month.gateway).toMatchObject({ outages: 1, downMinutes: 12, longestMinutes: 12 });
    expect(month.gateway.percentUp).toBeLessThan(100);
  });

  it('says who stopped it cleanly, and says nothing on a first start', async () => {
    const first = await gatewayAfter(null);
    first.clock.advance(RETURN_SETTLE_MS * 2);
    await first.gw.stop('SIGTERM');
    const written = JSON.parse(await readFile(path.join(first.dataDir, PRESENCE_FILE), 'utf8')) as PresenceRecord;
    expect(written.stop).toEqual({ at: NOW + RETURN_SETTLE_MS * 2, by: 'SIGTERM' });
    expect(first.system()).toEqual([]);

    const again = await gatewayAfter({ ...written, bootId: 'another-boot' });
    again.clock.advance(RETURN_SETTLE_MS);
    await vi.waitFor(() => expect(again.system()).toHaveLength(1));
    expect(again.system()[0]?.text).toContain('正常停止（服务管理器或运维人员停止，SIGTERM）');
    expect(again.system()[0]?.text).toContain('恢复后读数未见新的故障或恢复');
  });
});
