import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildGateway } from '../../gateway/app.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import type { ReadingValue } from '../../core/reading.js';
import { launchBrowser, watchErrors } from '../helpers/browser.js';
import { testSite } from '../helpers/site.js';
import { STAFF, staffUsers } from '../helpers/staff.js';
import { tempDir } from '../helpers/temp-dir.js';

const SHOTS = path.resolve(process.env['SCREENSHOTS'] ?? 'test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });

// Issue 35: a suspected entrapment shows on the engineering page before its ticket exists.
describe('the engineering page’s suspected entrapment', () => {
  it('shows 疑似困人 live with the elevator, the place and the site’s local time, in Chinese and English, and takes it away when the car moves on', async () => {
    const site = testSite({
      dataDir: await tempDir(),
      http: { host: '127.0.0.1', port: 0, readsNeedToken: true },
      users: staffUsers(),
      devices: [
        {
          id: 'lift-a',
          kind: 'elevator',
          name: 'A 号客梯',
          nameEn: 'Elevator A',
          location: { building: 'T1', floor: '1F', description: 'T1 大堂 A 梯', descriptionEn: 'T1 lobby, elevator A', publicArea: true },
          source: { protocol: 'mqtt', username: 'lift-a', password: { value: 'pw-lift-a' }, points: ['moving', 'inDoorZone', 'doorsClosed', 'occupied'].map((id) => ({ id })) },
        },
      ],
    });
    const gw = await buildGateway(site, { clock: systemClock, log: silentLogger() });
    await gw.start();
    onTestFinished(() => gw.stop());
    const feed = (values: Record<string, ReadingValue>): void => {
      for (const [pointId, value] of Object.entries(values)) gw.pipeline.ingest({ deviceId: 'lift-a', pointId, value, quality: 'good', ts: Date.now() });
    };
    const browser = await launchBrowser();
    // The phone an engineer carries, and the desk screen of the control room.
    const zh = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const en = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    await en.addInitScript(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('gw.lang', 'en'));
    const errors = [...watchErrors(zh), ...watchErrors(en)];
    await zh.goto(`${gw.httpUrl()}/engineering#token=${STAFF.engineer.token}`);
    await en.goto(`${gw.httpUrl()}/engineering#token=${STAFF.engineer.token}`);
    await zh.locator('.live').waitFor();
    await en.locator('.live').waitFor();

    feed({ moving: false, inDoorZone: false, doorsClosed: true, occupied: true });
    const line = zh.locator('li.warning[data-device=lift-a]');
    await line.waitFor();
    const said = (await line.textContent()) ?? '';
    expect(said).toMatch(/^疑似困人 A 号客梯 · T1 大堂 A 梯 · \d\d:\d\d 起（\d+ 秒前） · \d+ 秒后确认并生成工单$/);
    const enSaid = (await en.locator('li.warning').textContent()) ?? '';
    expect(enSaid).toMatch(/^Suspected entrapment Elevator A · T1 lobby, elevator A · since \d\d:\d\d \(\d+ s ago\) · ticket in \d+ s if it holds$/);
    // Site time, short: never an ISO or UTC stamp.
    for (const text of [said, enSaid]) expect(text).not.toMatch(/\d{4}-\d\d-\d\dT|Z\b|UTC/);
    // For a reviewer to look at (git-ignored).
    await zh.screenshot({ path: path.join(SHOTS, 'engineering-suspected-entrapment-390x844.png'), fullPage: true });
    await en.screenshot({ path: path.join(SHOTS, 'engineering-suspected-entrapment-en-1366x768.png'), fullPage: true });

    feed({ moving: true });
    await line.waitFor({ state: 'detached' });
    await en.locator('li.warning').waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  });
});
