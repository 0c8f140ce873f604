import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { markDelivered } from '../../cloud-sync/outbox.js';
import { sha256Hex } from '../../gateway/api/auth.js';
import { buildGateway, type Gateway } from '../../gateway/app.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import type { Ticket } from '../../gateway/tickets/ticket.js';
import { createCentralService } from '../../simulators/central/index.js';
import { freePort } from '../../simulators/free-port.js';
import { LEAK_SENSOR_POINTS, SimulatedMqttDevice } from '../../simulators/mqtt/simulated-mqtt-device.js';
import { launchBrowser, watchErrors, type BrowserElement } from '../helpers/browser.js';
import { pngPhoto } from '../helpers/photo.js';
import { testSite } from '../helpers/site.js';
import { bearer, STAFF, staffUsers, type StaffMember } from '../helpers/staff.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Screenshots of every page at both sizes, for a reviewer to look at (git-ignored). */
const SHOTS = path.resolve(process.env['SCREENSHOTS'] ?? 'test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });
const PHONE = { width: 390, height: 844 };
/** The engineering supervisor (工程主管), who alone with the admin sees the per-engineer figures. */
const SUPERVISOR = { id: 's-wu', name: '吴主管', token: 'tok-supervisor-wu' };
const DESK = { width: 1366, height: 768 };

async function shoot(page: Page, name: string): Promise<void> {
  const v = page.viewportSize();
  await page.screenshot({ path: path.join(SHOTS, `${name}-${v?.width}x${v?.height}.png`), fullPage: true });
}

/** A gateway with two leak sensors (T1 public area, T9), the reference central service, and a live leak simulator. */
async function startSite(more: Parameters<typeof testSite>[0] = {}, port = 0, dataDir?: string) {
  const central = createCentralService({ tokens: ['central-token'], progress: false });
  const centralUrl = await central.start(0);
  onTestFinished(() => central.stop());
  const base = testSite();
  const site = testSite({
    ...more,
    // Reads need a token, as on a new site: the pages send theirs (the live stream a stream ticket).
    http: { host: '127.0.0.1', port, ...more.http, readsNeedToken: true },
    dataDir: dataDir ?? (await tempDir()),
    users: [...staffUsers(), { id: SUPERVISOR.id, name: SUPERVISOR.name, role: 'supervisor', tokenSha256: sha256Hex(SUPERVISOR.token), buildings: [] }],
    central: { url: centralUrl, token: { value: 'central-token' }, pollSeconds: 0.5 },
    devices: [
      { ...base.devices[0]!, location: { ...base.devices[0]!.location, publicArea: true }, faults: { 'water-leak': { onDelaySeconds: 1 } } },
      { ...base.devices[0]!, id: 'leak-2', name: '2 号漏水传感器', location: { building: 'T1', floor: '12F', description: '12 层东侧管井', publicArea: true }, source: { protocol: 'mqtt', username: 'leak-2', password: { value: 'secret-leak-2' }, points: [{ id: 'wet', name: { zh: '管井积水', en: 'Shaft water' } }] } },
    ],
  });
  const gw: Gateway = await buildGateway(site, { clock: systemClock, log: silentLogger() });
  await gw.start();
  onTestFinished(() => gw.stop());
  const leak = new SimulatedMqttDevice({ deviceId: 'leak-1', brokerUrl: `mqtt://127.0.0.1:${gw.mqtt.address()?.port}`, username: 'leak-1', password: 'secret-leak-1', points: LEAK_SENSOR_POINTS, heartbeatMs: 500 });
  await leak.start();
  onTestFinished(() => leak.stop());
  return { gw, central, leak, url: gw.httpUrl()!, site };
}

async function raise(gw: Gateway, deviceIndex = 0, tier: Ticket['tier'] = 'emergency'): Promise<Ticket> {
  return gw.tickets.raise({ fault: 'water-leak', device: gw.site.devices[deviceIndex]!, tier, skill: 'plumbing', title: { zh: '漏水', en: 'Leak' }, description: { zh: '检测到漏水', en: 'Leak detected' } });
}

async function step(url: string, who: StaffMember, ticketId: string, path: string, body: unknown = {}): Promise<void> {
  const res = await fetch(`${url}/api/tickets/${ticketId}/${path}`, { method: 'POST', headers: { ...bearer(who), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

interface BrowserDocument {
  querySelectorAll(selector: string): Iterable<BrowserElement>;
  readonly activeElement: unknown;
}
interface BrowserNavigator {
  readonly serviceWorker: { readonly ready: Promise<unknown>; readonly controller: unknown; addEventListener(e: string, f: () => void, o: { once: boolean }): void };
}

/** Every visible action button's width on the page (the phone rule: none narrower than 96 px). */
async function narrowButtons(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...(globalThis as unknown as { document: BrowserDocument }).document.querySelectorAll('main .actions button')]
      .filter((b) => b.offsetParent !== null)
      .map((b) => ({ text: b.textContent?.trim() ?? '', width: b.getBoundingClientRect().width }))
      .filter((b) => b.width < 96)
      .map((b) => `${b.text}: ${Math.round(b.width)} px`),
  );
}

describe('staff pages in headless Chromium', () => {
  it('shows a simulated leak on the patrol page live; a confirm takes two taps, is a fact beside the work, and reaches the central service', async () => {
    const { gw, central, leak, url } = await startSite();
    const browser = await launchBrowser();
    const phone = await browser.newPage({ viewport: PHONE, isMobile: true });
    const errors = watchErrors(phone);
    await phone.goto(`${url}/patrol#token=${STAFF.patrol.token}`);
    await phone.getByText('暂无待处理工单').waitFor();
    // The sign-in code left the address bar (it was only ever in the fragment).
    expect(phone.url()).toBe(`${url}/patrol`);
    await expect.poll(() => phone.locator('#who').textContent()).toContain(STAFF.patrol.name);

    await leak.set('wet', true);
    const card = phone.locator('li.ticket');
    await card.waitFor({ timeout: 20_000 });
    const ticket = gw.tickets.all()[0]!;
    expect(await card.getAttribute('data-number')).toBe(ticket.number);
    expect(await card.locator('.tier').textContent()).toBe('紧急');
    // The place says its floor once.
    expect(await card.locator('.where').textContent()).toContain('T1 · B1 泵房');

    await card.getByRole('button', { name: '确认属实' }).click();
    // The first tap only arms; nothing is sent yet.
    await card.getByRole('button', { name: '再点一次确认' }).click();
    await card.locator('.act.done').waitFor();
    await card.locator('.flag.verified').waitFor();
    // Confirming is not taking: the engineers' step is still owed.
    expect(await card.locator('.status').textContent()).toBe('待接单');
    expect(gw.tickets.get(ticket.id)).toMatchObject({ status: 'raised', verification: { state: 'confirmed', by: STAFF.patrol.id } });
    await vi.waitFor(() => expect(central.ticket(ticket.id)?.['verification']).toMatchObject({ state: 'confirmed' }), { timeout: 20_000, interval: 100 });

    await phone.locator('#lang').click();
    await card.getByText('Emergency').waitFor();
    expect(await phone.locator('#lang').textContent()).toBe('中文');
    expect(errors).toEqual([]);
  });

  it('keeps a reject reason being typed, and its place on screen, when another ticket arrives; reject has a cancel', async () => {
    const { gw, url } = await startSite();
    const first = await raise(gw, 0, 'general');
    const browser = await launchBrowser();
    const phone = await browser.newPage({ viewport: PHONE, isMobile: true });
    const errors = watchErrors(phone);
    await phone.goto(`${url}/patrol#token=${STAFF.patrol.token}`);
    const card = phone.locator(`li.ticket[data-id="${first.id}"]`);
    await card.getByRole('button', { name: '误报' }).click();
    await card.getByRole('button', { name: '取消' }).click();
    await card.getByRole('button', { name: '确认属实' }).waitFor();
    expect(await card.locator('input.reason').count()).toBe(0);

    await card.getByRole('button', { name: '误报' }).click();
    const reason = card.locator('input.reason');
    await reason.pressSequentially('传感器被水管冷凝水');
    const before = await reason.boundingBox();
    // An emergency arrives while the reason is being typed: it joins below, and a pill points to it.
    const second = await raise(gw, 1, 'emergency');
    await phone.locator(`li.ticket[data-id="${second.id}"]`).waitFor();
    await phone.locator('.arrived-below', { hasText: '下方有 1 张新工单' }).waitFor();
    expect(await reason.inputValue()).toBe('传感器被水管冷凝水');
    expect(await reason.evaluate((el) => el === (globalThis as unknown as { document: BrowserDocument }).document.activeElement)).toBe(true);
    const after = await reason.boundingBox();
    expect(Math.abs((after?.y ?? 0) - (before?.y ?? 0))).toBeLessThan(2);
    await reason.pressSequentially('滴到');
    await card.getByRole('button', { name: '提交误报' }).click();
    await vi.waitFor(() => expect(gw.tickets.get(first.id)).toMatchObject({ status: 'rejected', verification: { note: '传感器被水管冷凝水滴到' } }));
    // Let go: the list is in urgency order again, the emergency first.
    await expect.poll(() => phone.locator('li.ticket').first().getAttribute('data-id')).toBe(second.id);
    await phone.locator('.arrived-below').waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  });

  it('lets an engineer take, arrive and resolve with a photo; met deadlines show as met; a refusal (409) stays on the card until dismissed', async () => {
    const { gw, leak, url } = await startSite();
    const browser = await launchBrowser();
    const desk = await browser.newPage({ viewport: DESK });
    const errors = watchErrors(desk);
    await desk.goto(`${url}/engineering#token=${STAFF.engineer.token}`);
    await desk.getByText('暂无待处理工单').waitFor();
    await leak.set('wet', false);
    await new Promise((r) => setTimeout(r, 1500));
    await leak.set('wet', true);
    const card = desk.locator('li.ticket');
    await card.waitFor({ timeout: 20_000 });
    const t = gw.tickets.all()[0]!;
    // The next deadline counts down; the others are shown by their time.
    const next = card.locator('.deadline.next');
    expect(await next.getAttribute('data-step')).toBe('acknowledgeBy');
    await expect.poll(() => next.locator('b.left').textContent()).toMatch(/^还剩 0[45]:\d\d$/);

    // The evidence: a time axis in local time and the leak as a state band.
    await card.getByRole('button', { name: '现场数据' }).click();
    const band = card.locator('.state-band[data-point=wet]');
    await band.waitFor();
    expect(await band.textContent()).toMatch(/积水：无 \d\d:\d\d:\d\d–\d\d:\d\d:\d\d · 有 自 \d\d:\d\d:\d\d 起/);
    await expect.poll(() => card.locator('.plots').getAttribute('data-time-ticks')).toMatch(/^\d\d:\d\d:\d\d( \d\d:\d\d:\d\d)+$/);
    expect(await card.locator('.plots canvas').count()).toBeGreaterThan(0);
    expect(await card.locator('.fault-at').textContent()).toMatch(/报警时刻 \d\d:\d\d:\d\d/);

    await card.getByRole('button', { name: '接单' }).click();
    await card.locator('.status.acknowledged').waitFor();
    // Met: a tick, the time, on time; the acknowledge countdown no longer runs.
    await expect.poll(() => card.locator('.deadline.met[data-step=acknowledgeBy]').textContent()).toMatch(/^✓ 接单 \d\d:\d\d 按时$/);
    expect(await card.locator('.deadline.next').getAttribute('data-step')).toBe('onSiteBy');
    await card.getByRole('button', { name: '到场' }).click();
    await card.locator('.status.arrived').waitFor();
    await card.getByRole('button', { name: '完成维修' }).click();
    await card.locator('textarea.note').fill('更换 B1 立管阀门');
    await card.locator('input[type=file]').setInputFiles({ name: 'fix.png', mimeType: 'image/png', buffer: pngPhoto(800, 600) });
    await card.locator('ul.thumbs img').waitFor();
    await card.getByRole('button', { name: '提交完成' }).click();
    await vi.waitFor(() => expect(gw.tickets.get(t.id)?.status).toBe('resolved'), { timeout: 20_000 });
    expect(gw.tickets.get(t.id)?.attachments).toEqual([expect.objectContaining({ purpose: 'resolve', contentType: 'image/jpeg' })]);

    // A page whose live stream is cut does not hear that someone else took a ticket first.
    const stale = await browser.newPage({ viewport: DESK });
    await stale.route('**/api/events**', (route) => route.abort());
    await stale.goto(`${url}/engineering#token=${STAFF.engineer.token}`);
    const other = await raise(gw, 1, 'general');
    await stale.reload();
    const staleCard = stale.locator(`li.ticket[data-id="${other.id}"]`);
    await staleCard.waitFor();
    await step(url, 'engineer2', other.id, 'take');
    await staleCard.getByRole('button', { name: '接单' }).click();
    const failed = staleCard.locator('.act.failed');
    await failed.waitFor();
    expect(await failed.textContent()).toContain(`already taken by ${STAFF.engineer2.name}`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await failed.isVisible()).toBe(true);
    await failed.getByRole('button', { name: '知道了' }).click();
    await failed.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  });

  it('sends a confirm tapped while the gateway restarts once it is back, and shows it done', async () => {
    const port = await freePort();
    const dataDir = await tempDir();
    const first = await startSite({}, port, dataDir);
    const t = await raise(first.gw, 0);
    const browser = await launchBrowser();
    const phone = await browser.newPage({ viewport: PHONE, isMobile: true });
    const errors = watchErrors(phone);
    await phone.goto(`${first.url}/tickets/${t.id}#token=${STAFF.patrol.token}`);
    const confirm = phone.getByRole('button', { name: '确认属实' });
    await confirm.waitFor();

    await first.gw.stop();
    await phone.locator('.banner').waitFor({ timeout: 10_000 });
    await confirm.click();
    await phone.getByRole('button', { name: '再点一次确认' }).click();
    const queued = phone.locator('.act.queued');
    await queued.waitFor();
    expect(await queued.textContent()).toContain('待发送');

    const again = await buildGateway(first.site, { clock: systemClock, log: silentLogger() });
    await again.start();
    onTestFinished(() => again.stop());
    await phone.locator('.act.done').waitFor({ timeout: 20_000 });
    expect(await phone.locator('.act.done').textContent()).toContain('已完成');
    expect(again.tickets.get(t.id)).toMatchObject({ verification: { state: 'confirmed', by: STAFF.patrol.id } });
    await phone.locator('.flag.verified').waitFor();
    expect(errors).toEqual([]);
  });

  it('reports a fault found on patrol with a photo from the phone, and re-checks repairs: a fail reopens, a pass closes', async () => {
    const { gw, url } = await startSite();
    const browser = await launchBrowser();
    const phone = await browser.newPage({ viewport: PHONE, isMobile: true });
    const errors = watchErrors(phone);
    await phone.goto(`${url}/patrol#token=${STAFF.patrol.token}`);
    await phone.getByRole('tab', { name: '上报' }).click();
    const form = phone.locator('form.report');
    await form.locator('select[name=deviceId]').selectOption('leak-2');
    await form.locator('select[name=fault]').selectOption('pipe-damage');
    await form.locator('input[name=what]').fill('保温层破损渗水');
    // Sent without a photo: said on the form, nothing sent.
    await form.getByRole('button', { name: '提交上报' }).click();
    await form.getByText('请至少拍一张照片').waitFor();
    await form.locator('input[type=file]').setInputFiles({ name: 'found.png', mimeType: 'image/png', buffer: pngPhoto(2400, 1800) });
    await form.locator('ul.thumbs img').waitFor();
    await shoot(phone, 'patrol-report');
    await form.getByRole('button', { name: '提交上报' }).click();
    await form.locator('.act.done').waitFor({ timeout: 20_000 });
    const found = gw.tickets.all().find((x) => x.source === 'patrol')!;
    expect(found).toMatchObject({ fault: 'pipe-damage', deviceId: 'leak-2', tier: 'general', reporter: { id: STAFF.patrol.id } });
    expect(found.attachments).toHaveLength(1);
    expect(await form.locator('.act.done').textContent()).toContain(found.number);

    // Two resolved public-area repairs wait for a re-check.
    const a = await raise(gw, 0, 'general');
    const b = await raise(gw, 1, 'general');
    for (const x of [a, b]) {
      await step(url, 'engineer', x.id, 'take');
      await step(url, 'engineer', x.id, 'arrive');
      await step(url, 'engineer', x.id, 'resolve', { note: '已修复' });
    }
    await phone.getByRole('tab', { name: /待复查/ }).click();
    const failCard = phone.locator(`li.ticket[data-id="${a.id}"]`);
    await failCard.getByRole('button', { name: '复查不合格' }).click();
    await failCard.getByRole('button', { name: '取消' }).click();
    await failCard.getByRole('button', { name: '复查不合格' }).click();
    await failCard.locator('input.reason').fill('仍在渗水');
    await failCard.locator('input[type=file]').setInputFiles({ name: 'still.png', mimeType: 'image/png', buffer: pngPhoto(640, 480, [200, 30, 30]) });
    await failCard.locator('ul.thumbs img').waitFor();
    await failCard.getByRole('button', { name: '提交，重开工单' }).click();
    await vi.waitFor(() => expect(gw.tickets.get(a.id)).toMatchObject({ status: 'reopened', recheck: { state: 'failed' } }), { timeout: 20_000 });
    expect(gw.tickets.get(a.id)?.attachments.filter((x) => x.purpose === 'recheck')).toHaveLength(1);

    const passCard = phone.locator(`li.ticket[data-id="${b.id}"]`);
    await passCard.getByRole('button', { name: '复查合格' }).click();
    await passCard.getByRole('button', { name: '再点一次确认合格' }).click();
    await vi.waitFor(() => expect(gw.tickets.get(b.id)).toMatchObject({ status: 'closed', recheck: { state: 'passed' } }), { timeout: 20_000 });
    expect(errors).toEqual([]);
  });

  it('renders every page at phone and desk size: one-line header, no action button under 96 px on the phone, local times, status words in Chinese', async () => {
    const { gw, leak, url } = await startSite();
    await leak.set('wet', true);
    await vi.waitFor(() => expect(gw.tickets.all()).toHaveLength(1), { timeout: 20_000 });
    const t = gw.tickets.all()[0]!;
    const resolved = await raise(gw, 1, 'general');
    await step(url, 'engineer', resolved.id, 'take');
    await step(url, 'engineer', resolved.id, 'arrive');
    await step(url, 'engineer', resolved.id, 'resolve', { note: '已修复' });
    const browser = await launchBrowser();
    const pages: [string, StaffMember][] = [['patrol', 'patrol'], ['engineering', 'engineer'], [`tickets/${t.id}`, 'patrol'], ['operator', 'operator'], ['reports', 'operator']];
    for (const viewport of [PHONE, DESK]) {
      for (const [p, who] of pages) {
        const page = await browser.newPage({ viewport, isMobile: viewport === PHONE });
        const errors = watchErrors(page);
        await page.goto(`${url}/${p}#token=${STAFF[who].token}`);
        await page.locator('#who .name').waitFor();
        if (p === 'engineering') {
          await page.locator('li.ticket').first().getByRole('button', { name: '现场数据' }).click();
          await page.locator('.plots canvas').first().waitFor();
        }
        if (p.startsWith('tickets/')) await page.locator('.plots canvas').first().waitFor();
        if (p === 'operator') await page.locator('[data-field=sync-state]').waitFor();
        if (p === 'reports') await page.locator('#daily [data-field=total]').waitFor();
        if (p === 'patrol') await page.locator('li.ticket').first().waitFor();
        const name = p.startsWith('tickets/') ? 'ticket' : p;
        await shoot(page, name);
        const header = await page.locator('header h1').boundingBox();
        expect(header?.height, `${name} header on one line`).toBeLessThan(40);
        if (viewport === PHONE) expect(await narrowButtons(page), name).toEqual([]);
        const text = (await page.locator('main').textContent()) ?? '';
        expect(text, name).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
        expect(text, name).not.toMatch(/\b(online|not-configured)\b/);
        expect(errors, name).toEqual([]);
        await page.close();
      }
    }
  });

  it('shows an archived ticket read-only, in Chinese, with central\'s work-order number', async () => {
    const { gw, url } = await startSite({ store: { compactAfterBytes: 4_000_000, archiveClosedAfterHours: 0 } });
    const t = await raise(gw);
    // Central dispatched it under its own work-order number, then closed it.
    await gw.tickets.mutate(t.id, 'central', (d) => {
      d.centralNumber = 'WO00001234';
      d.status = 'dispatched';
      return { action: 'dispatched', status: 'dispatched' };
    });
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
    expect(await page.locator('.central-number').textContent()).toBe('总部工单号 WO00001234');
    expect(await page.locator('form.note').count()).toBe(0);
    expect(await page.locator('button[data-act]').count()).toBe(0);
  });

  it('turns the counting deadline red once it has passed, and shows a step done late as late', async () => {
    const { gw, url } = await startSite();
    const t = await raise(gw);
    const browser = await launchBrowser();
    const desk = await browser.newPage();
    // The page's clock runs 6 minutes ahead: the 5-minute take deadline is past.
    await desk.clock.install({ time: Date.now() + 6 * 60_000 });
    await desk.clock.resume();
    await desk.goto(`${url}/engineering#token=${STAFF.engineer.token}`);
    const card = desk.locator(`li.ticket[data-id="${t.id}"]`);
    await card.locator('.deadline.next.late[data-step=acknowledgeBy]').waitFor();
    expect(await card.locator('.deadline.next b.left').textContent()).toMatch(/^已超时 0[01]:\d\d$/);
    expect(await card.locator('.deadline.late').count()).toBe(1);
  });

  it('shows the operator devices, adapters and sync in words, shelves a device, and the reports page the KPI sheet', async () => {
    const { leak, url } = await startSite();
    const browser = await launchBrowser();
    const desk = await browser.newPage({ viewport: DESK });
    const errors = watchErrors(desk);
    await desk.goto(`${url}/operator#token=${STAFF.operator.token}`);
    await leak.set('battery', 77);
    await desk.locator('tr[data-device=leak-1] .point.q-good', { hasText: 'battery=77' }).waitFor({ timeout: 15_000 });
    await desk.locator('h2.ok', { hasText: '就绪' }).waitFor();
    expect(await desk.locator('[data-field=sync-state]').textContent()).toMatch(/空闲|发送中/);
    expect(await desk.locator('main').textContent()).toContain('在线');
    await desk.locator('#stats-section [data-field=total]').waitFor();
    // A reason typed into the shelve form survives the live device updates.
    const reason = desk.locator('form#shelve input[name=reason]');
    await reason.fill('更换传感器');
    await leak.set('battery', 76);
    await desk.locator('tr[data-device=leak-1] .point', { hasText: 'battery=76' }).waitFor({ timeout: 15_000 });
    expect(await reason.inputValue()).toBe('更换传感器');
    await desk.locator('form#shelve button[type=submit]').click();
    await desk.getByRole('button', { name: '取消屏蔽' }).waitFor();

    await desk.goto(`${url}/reports`);
    await desk.locator('#daily tr[data-step=acknowledge]').waitFor();
    expect(await desk.locator('#daily a', { hasText: '导出 CSV' }).getAttribute('href')).toMatch(/^\/api\/reports\/daily\.csv\?date=\d{4}-\d\d-\d\d$/);
    await desk.locator('#monthly tr[data-step=resolve]').waitFor();
    expect(errors).toEqual([]);
  });

  it('shows the reports page with its daily, weekly and monthly reports, and the per-engineer figures to the supervisor only; the CSV downloads with reads guarded', async () => {
    const { gw, url } = await startSite();
    const t = await raise(gw, 0);
    for (const p of ['take', 'arrive']) await step(url, 'engineer', t.id, p);
    await step(url, 'engineer', t.id, 'resolve', { note: '更换阀门' });
    const browser = await launchBrowser();
    for (const viewport of [PHONE, DESK]) {
      const page = await browser.newPage({ viewport, isMobile: viewport === PHONE, acceptDownloads: true });
      const errors = watchErrors(page);
      await page.goto(`${url}/reports#token=${SUPERVISOR.token}`);
      await page.locator('#weekly [data-field=total]').waitFor();
      await page.locator('#monthly tr[data-step=onSite]').waitFor();
      expect(await page.locator('#weekly h2').textContent()).toBe('周报');
      expect(await page.locator('#weekly [data-field=week]').textContent()).toMatch(/^\d{4}-\d\d-\d\d（周一）至 \d{4}-\d\d-\d\d（周日）$/);
      expect(await page.locator('#weekly [data-field=total]').textContent()).toBe('1');
      const li = page.locator(`#engineers tr[data-engineer="${STAFF.engineer.id}"]`);
      await li.waitFor();
      expect(await li.locator('td').first().textContent()).toBe(STAFF.engineer.name);
      expect(await li.locator('[data-field=onSite]').textContent()).toBe('1/1 100 %');
      expect(await li.locator('[data-field=resolved]').textContent()).toBe('1/1 100 %');
      // The procedures' figures: a public-area repair owes no callback; it was right the first time.
      expect(await page.locator('#monthly [data-field=firstTimeFix]').textContent()).toBe('100 % 1 / 已修复 1');
      expect(await page.locator('#monthly [data-field=callbackRate]').textContent()).toBe('- 按时 0 / 应回访 0，逾期回访 0，未回访 0');
      await shoot(page, 'reports-supervisor');
      const text = (await page.locator('main').textContent()) ?? '';
      expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
      if (viewport === DESK) {
        // The weekly CSV: fetched with the sign-in code (a plain link could not carry it), saved under the gateway's name.
        const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#weekly a', { hasText: '导出 CSV' }).click()]);
        expect(download.suggestedFilename()).toMatch(/^weekly-\d{4}-\d\d-\d\d\.csv$/);
        const file = await download.path();
        expect(readFileSync(file, 'utf8')).toContain(t.number);
        const [perEngineer] = await Promise.all([page.waitForEvent('download'), page.locator('#engineers a', { hasText: '导出 CSV' }).click()]);
        expect(readFileSync(await perEngineer.path(), 'utf8')).toContain(`${STAFF.engineer.name},${STAFF.engineer.id},1,1,1,0,0,100`);
      }
      expect(errors).toEqual([]);
      await page.close();
    }
    // An operator reads the reports, not the per-engineer figures.
    const operator = await browser.newPage({ viewport: DESK });
    await operator.goto(`${url}/reports#token=${STAFF.operator.token}`);
    await operator.locator('#monthly tr[data-step=onSite]').waitFor();
    expect(await operator.locator('#engineers').count()).toBe(0);
    await shoot(operator, 'reports-operator');
  });

  it('opens the patrol page from its service worker while the gateway is stopped, and says the gateway is out of reach', async () => {
    const { gw, url } = await startSite();
    const t = await raise(gw);
    const browser = await launchBrowser();
    const context = await browser.newContext({ viewport: PHONE, isMobile: true });
    const phone = await context.newPage();
    await phone.goto(`${url}/patrol#token=${STAFF.patrol.token}`);
    await phone.locator(`li.ticket[data-id="${t.id}"]`).waitFor();
    // Installed and in control of the page: the shell is cached.
    await phone.evaluate(async () => {
      const sw = (globalThis as unknown as { navigator: BrowserNavigator }).navigator.serviceWorker;
      await sw.ready;
      if (!sw.controller) await new Promise<void>((r) => sw.addEventListener('controllerchange', r, { once: true }));
    });
    const manifest = (await (await fetch(`${url}/manifest.webmanifest`)).json()) as { icons: { src: string }[]; start_url: string };
    expect(manifest.start_url).toBe('/patrol');
    for (const icon of manifest.icons) expect((await fetch(`${url}${icon.src}`)).status).toBe(200);

    await gw.stop();
    await phone.reload();
    await phone.locator('header h1').waitFor();
    await phone.locator('.banner').waitFor({ timeout: 10_000 });
    expect(await phone.locator('.banner').textContent()).toContain('网关连接中断');
    // What was on the list is still there to work from.
    await phone.locator(`li.ticket[data-id="${t.id}"]`).waitFor();
    await shoot(phone, 'patrol-offline');
  });

  it('says on the patrol and engineering pages, in words, when no channel could deliver an emergency alert, and clears it once someone takes the ticket', async () => {
    // The only alert channel is a robot webhook nobody answers (a port nothing listens on).
    const closed = await freePort();
    const dead = `http://127.0.0.1:${closed}/robot?key=secret-robot-key`;
    const { gw, leak, url } = await startSite({ http: { host: '127.0.0.1', port: 0, publicUrl: 'http://192.168.10.20:8080' }, notify: { channels: [{ id: 'wecom-duty', type: 'wecom', url: { value: dead } }] } });
    const browser = await launchBrowser();
    const phone = await browser.newPage({ viewport: PHONE, isMobile: true });
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
    await shoot(phone, 'patrol-undelivered');

    // The desk page shows it too, in English after a tap.
    const desk = await browser.newPage({ viewport: DESK });
    await desk.goto(`${url}/engineering#token=${STAFF.engineer.token}`);
    await desk.locator('#notice .undelivered').waitFor({ timeout: 20_000 });
    await shoot(desk, 'engineering-undelivered');
    await desk.locator('#lang').click();
    await expect.poll(() => desk.locator('#notice .undelivered').textContent()).toContain(`Emergency alert reached nobody: ${ticket.number}`);
    // An engineer takes the ticket: its alerts are no longer needed, and the banner goes away.
    await desk.locator(`li[data-id="${ticket.id}"]`).getByRole('button', { name: 'Take' }).click();
    await phone.locator('#notice').waitFor({ state: 'hidden', timeout: 20_000 });
    await desk.locator('#notice').waitFor({ state: 'hidden', timeout: 20_000 });
  });
});
