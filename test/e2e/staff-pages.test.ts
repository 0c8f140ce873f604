import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { markDelivered } from '../../cloud-sync/outbox.js';
import { buildGateway, type Gateway } from '../../gateway/app.js';
import { systemClock } from '../../gateway/clock.js';
import { silentLogger } from '../../gateway/log.js';
import { createCentralService } from '../../simulators/central/index.js';
import { freePort } from '../../simulators/free-port.js';
import { LEAK_SENSOR_POINTS, SimulatedMqttDevice } from '../../simulators/mqtt/simulated-mqtt-device.js';
import { launchBrowser } from '../helpers/browser.js';
import { testSite } from '../helpers/site.js';
import { STAFF, staffUsers } from '../helpers/staff.js';
import { tempDir } from '../helpers/temp-dir.js';

async function startSite(more: Parameters<typeof testSite>[0] = {}) {
  const central = createCentralService({ tokens: ['central-token'], progress: false });
  const centralUrl = await central.start(0);
  onTestFinished(() => central.stop());
  const base = testSite();
  const site = testSite({
    ...more,
    dataDir: await tempDir(),
    users: staffUsers(),
    central: { url: centralUrl, token: { value: 'central-token' }, pollSeconds: 0.5 },
    devices: [{ ...base.devices[0]!, faults: { 'water-leak': { onDelaySeconds: 1 } } }],
  });
  const gw: Gateway = await buildGateway(site, { clock: systemClock, log: silentLogger() });
  await gw.start();
  onTestFinished(() => gw.stop());
  const leak = new SimulatedMqttDevice({ deviceId: 'leak-1', brokerUrl: `mqtt://127.0.0.1:${gw.mqtt.address()?.port}`, username: 'leak-1', password: 'secret-leak-1', points: LEAK_SENSOR_POINTS, heartbeatMs: 500 });
  await leak.start();
  onTestFinished(() => leak.stop());
  return { gw, central, leak, url: gw.httpUrl()! };
}

describe('staff pages in headless Chromium', () => {
  it('shows a simulated leak on the patrol page without a reload; the patrol confirms it in two taps; the central service has it confirmed', async () => {
    const { gw, central, leak, url } = await startSite();
    const browser = await launchBrowser();
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    const errors: string[] = [];
    phone.on('pageerror', (e) => errors.push(e.message));
    await phone.goto(`${url}/patrol#token=${STAFF.patrol.token}`);
    await phone.getByText('暂无待处理工单').waitFor();
    // The token left the address bar (it was only ever in the fragment).
    expect(phone.url()).toBe(`${url}/patrol`);
    await expect.poll(() => phone.locator('#who').textContent()).toContain(STAFF.patrol.name);

    await leak.set('wet', true);
    const card = phone.locator('li.ticket');
    await card.waitFor({ timeout: 20_000 });
    const ticket = gw.tickets.all()[0]!;
    expect(await card.getAttribute('data-number')).toBe(ticket.number);
    expect(await card.locator('.tier').textContent()).toBe('紧急');
    expect(await card.locator('.where').textContent()).toContain('T1 · B1 · B1 泵房');

    const confirm = card.getByRole('button', { name: '确认属实' });
    await confirm.click();
    // First tap only arms; nothing is sent yet.
    await card.getByRole('button', { name: '再点一次确认' }).waitFor();
    expect(gw.tickets.get(ticket.id)?.status).toBe('raised');
    await card.getByRole('button', { name: '再点一次确认' }).click();
    await card.locator('.status.confirmed').waitFor();
    expect(gw.tickets.get(ticket.id)?.history.at(-1)).toMatchObject({ actor: `user:${STAFF.patrol.id}`, status: 'confirmed' });
    await vi.waitFor(() => expect(central.ticket(ticket.id)?.status).toBe('confirmed'), { timeout: 20_000, interval: 100 });

    // English at a tap.
    await phone.locator('#lang').click();
    await card.getByText('Emergency').waitFor();
    expect(await phone.locator('#lang').textContent()).toBe('中文');
    expect(errors).toEqual([]);
  });

  it('lets a patrol reject with a reason in two taps, and refuses a page without a valid token', async () => {
    const { gw, leak, url } = await startSite();
    const browser = await launchBrowser();
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`${url}/patrol#token=wrong-token`);
    await phone.locator('form.login').waitFor();
    await phone.locator('input[name=token]').fill(STAFF.patrol.token);
    await phone.getByRole('button', { name: '登录' }).click();
    await phone.getByText('暂无待处理工单').waitFor();

    await leak.set('wet', true);
    const card = phone.locator('li.ticket');
    await card.waitFor({ timeout: 20_000 });
    await card.getByRole('button', { name: '误报' }).click();
    await card.getByRole('button', { name: '现场无异常' }).click();
    await phone.getByText('暂无待处理工单').waitFor();
    const t = gw.tickets.all()[0]!;
    expect(t.status).toBe('rejected');
    expect(t.history.at(-1)).toMatchObject({ actor: `user:${STAFF.patrol.id}`, note: '现场无异常' });
  });

  it('shows the engineering page a live alert with deadline countdowns and the evidence chart, takes an acknowledgement, and shows the dispatch the central service sends back', async () => {
    const { gw, central, leak, url } = await startSite();
    const browser = await launchBrowser();
    const desk = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    desk.on('pageerror', (e) => errors.push(e.message));
    await desk.goto(`${url}/engineering#token=${STAFF.engineer.token}`);
    await desk.getByText('暂无待处理工单').waitFor();

    await leak.set('wet', true);
    const card = desk.locator('li.ticket');
    await card.waitFor({ timeout: 20_000 });
    const ack = card.locator('.countdown[data-kind=acknowledgeBy] b');
    await expect.poll(() => ack.textContent()).toMatch(/^0[45]:\d\d$/);
    const first = await ack.textContent();
    await expect.poll(() => ack.textContent(), { timeout: 5_000 }).not.toBe(first);
    expect(await card.locator('.countdown').count()).toBe(4);
    expect(await card.locator('.countdown.late').count()).toBe(0);

    await card.getByRole('button', { name: '现场数据' }).click();
    const chart = card.locator('svg.evidence');
    await chart.waitFor();
    expect(await chart.locator('g.series[data-point=wet] path').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+ .*L/);

    await card.getByRole('button', { name: '响应' }).click();
    await card.locator('.status.acknowledged').waitFor();
    const t = gw.tickets.all()[0]!;
    expect(t.history.at(-1)).toMatchObject({ actor: `user:${STAFF.engineer.id}`, status: 'acknowledged' });

    // The central service dispatches it: the status flows back and reaches the page live.
    await vi.waitFor(() => expect(central.ticket(t.id)?.status).toBe('acknowledged'), { timeout: 20_000, interval: 100 });
    central.setStatus(t.id, 'dispatched', '张师傅');
    await card.locator('.status.dispatched').waitFor({ timeout: 20_000 });
    expect(await card.locator('.status').textContent()).toBe('已派单');
    expect(errors).toEqual([]);
  });

  it('shows an archived ticket read-only, in Chinese', async () => {
    const { gw, url } = await startSite({ store: { compactAfterBytes: 4_000_000, archiveClosedAfterHours: 0 } });
    const t = await gw.tickets.raise({ fault: 'water-leak', device: gw.site.devices[0]!, tier: 'emergency', skill: 'plumbing', title: { zh: '漏水', en: 'Leak' }, description: { zh: '漏水', en: 'Leak' } });
    const closed = await gw.tickets.transition(t.id, 'central', 'closed');
    markDelivered(gw.store.data, closed.id, closed.version);
    await gw.store.commit();
    expect(await gw.archiver.sweep()).toBe(1);
    const browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`${url}/tickets/${t.id}#token=${STAFF.engineer.token}`);
    await page.locator('.archived').waitFor();
    expect(await page.locator('.archived').textContent()).toContain('已归档');
    expect(await page.locator('h2').textContent()).toContain(t.number);
    expect(await page.locator('form.note').count()).toBe(0);
    expect(await page.locator('button[data-act]').count()).toBe(0);
  });

  it('turns a countdown red once its deadline has passed', async () => {
    const { gw, url } = await startSite();
    // A contract where acknowledging is due almost at once, so the page shows it late.
    const t = await gw.tickets.raise({ fault: 'water-leak', device: gw.site.devices[0]!, tier: 'emergency', skill: 'plumbing', title: { zh: '漏水', en: 'Leak' }, description: { zh: '漏水', en: 'Leak' } });
    const browser = await launchBrowser();
    const desk = await browser.newPage();
    // The page's clock runs 6 minutes ahead: the 5-minute acknowledge deadline is past.
    await desk.clock.install({ time: Date.now() + 6 * 60_000 });
    await desk.clock.resume();
    await desk.goto(`${url}/engineering#token=${STAFF.engineer.token}`);
    const card = desk.locator(`li.ticket[data-id="${t.id}"]`);
    await card.locator('.countdown[data-kind=acknowledgeBy].late').waitFor();
    expect(await card.locator('.countdown[data-kind=acknowledgeBy] b').textContent()).toMatch(/^-0[01]:\d\d$/);
    expect(await card.locator('.countdown[data-kind=resolveBy].late').count()).toBe(0);
  });

  it('shows the operator the devices with live values, adapters, sync backlog and statistics, and shelves a device', async () => {
    const { leak, url } = await startSite();
    const browser = await launchBrowser();
    const desk = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    desk.on('pageerror', (e) => errors.push(e.message));
    await desk.goto(`${url}/operator#token=${STAFF.operator.token}`);
    await leak.set('battery', 77);
    await desk.locator('tr[data-device=leak-1] .point.q-good', { hasText: 'battery=77' }).waitFor({ timeout: 15_000 });
    await desk.locator('h2.ok', { hasText: '就绪' }).waitFor();
    await desk.locator('[data-field=backlog]').waitFor();
    await desk.locator('#stats-section [data-field=total]').waitFor();

    await desk.locator('form#shelve input[name=reason]').fill('更换传感器');
    await desk.locator('form#shelve button[type=submit]').click();
    await desk.getByRole('button', { name: '取消屏蔽' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('says on the patrol and engineering pages, in words, when no channel could deliver an emergency alert, and clears it once someone takes the ticket', async () => {
    // The only alert channel is a robot webhook nobody answers (a port nothing listens on).
    const closed = await freePort();
    const dead = `http://127.0.0.1:${closed}/robot?key=secret-robot-key`;
    const { gw, leak, url } = await startSite({ http: { host: '127.0.0.1', port: 0, publicUrl: 'http://192.168.10.20:8080' }, notify: { channels: [{ id: 'wecom-duty', type: 'wecom', url: { value: dead } }] } });
    const browser = await launchBrowser();
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await phone.goto(`${url}/patrol#token=${STAFF.patrol.token}`);
    await phone.getByText('暂无待处理工单').waitFor();
    await leak.set('wet', true);
    const banner = phone.locator('#notice .undelivered');
    await banner.waitFor({ timeout: 20_000 });
    const ticket = gw.tickets.all()[0]!;
    const text = (await banner.textContent()) ?? '';
    expect(text).toContain(`紧急告警未能送达任何人：${ticket.number}`);
    expect(text).toContain(`wecom-duty: cannot reach 127.0.0.1:${closed} (ECONNREFUSED)`);
    expect(text).not.toContain('secret-robot-key');
    expect(text).toContain('请立即电话通知值班工程人员');
    if (process.env['SCREENSHOTS'] !== undefined) await phone.screenshot({ path: path.join(process.env['SCREENSHOTS'], 'patrol-undelivered.png') });

    // The desk page shows it too, in English after a tap.
    const desk = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await desk.goto(`${url}/engineering#token=${STAFF.engineer.token}`);
    await desk.locator('#notice .undelivered').waitFor({ timeout: 20_000 });
    if (process.env['SCREENSHOTS'] !== undefined) await desk.screenshot({ path: path.join(process.env['SCREENSHOTS'], 'engineering-undelivered.png') });
    await desk.locator('#lang').click();
    await expect.poll(() => desk.locator('#notice .undelivered').textContent()).toContain(`Emergency alert reached nobody: ${ticket.number}`);
    // An engineer takes the ticket: its alerts are no longer needed, and the banner goes away.
    await desk.locator(`li[data-id="${ticket.id}"]`).getByRole('button', { name: 'Acknowledge' }).click();
    await phone.locator('#notice').waitFor({ state: 'hidden', timeout: 20_000 });
    await desk.locator('#notice').waitFor({ state: 'hidden', timeout: 20_000 });
  });
});
