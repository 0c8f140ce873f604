import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildGateway, type Gateway } from '../../gateway/app.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import type { Ticket } from '../../gateway/tickets/ticket.js';
import { createCentralService } from '../../simulators/central/index.js';
import { launchBrowser, watchErrors, type BrowserElement } from '../helpers/browser.js';
import { testSite } from '../helpers/site.js';
import { bearer, STAFF, staffUsers, type StaffMember } from '../helpers/staff.js';
import { tempDir } from '../helpers/temp-dir.js';

// The staff pages of the repair loop as the procedures write it (issue 32): the supervisor's 派工 /
// 改派 and 改级 on the engineering page, the resolve details, storm mode on the operator page, the
// desk's callbacks on /desk, and what all of it leaves on the ticket page.

/** Screenshots of every new page and control at both sizes, for a reviewer to look at (git-ignored). */
const SHOTS = path.resolve(process.env['SCREENSHOTS'] ?? 'test-results/screenshots');
mkdirSync(SHOTS, { recursive: true });
const PHONE = { width: 390, height: 844 };
const DESK = { width: 1366, height: 768 };
const HOUR = 3_600_000;

async function shoot(page: Page, name: string): Promise<void> {
  const v = page.viewportSize();
  await page.screenshot({ path: path.join(SHOTS, `${name}-${v?.width}x${v?.height}.png`), fullPage: true });
}

/** One part of a long page (the operator page runs to several screens on a phone). */
async function shootPart(page: Page, selector: string, name: string): Promise<void> {
  const v = page.viewportSize();
  await page.locator(selector).screenshot({ path: path.join(SHOTS, `${name}-${v?.width}x${v?.height}.png`) });
}

/** A gateway with a public-area leak sensor in T1 and one inside unit 801 of T2 (its repairs owe a callback), and the reference central service. */
async function startSite() {
  const central = createCentralService({ tokens: ['central-token'], progress: false });
  const centralUrl = await central.start(0);
  onTestFinished(() => central.stop());
  const base = testSite();
  const site = testSite({
    http: { host: '127.0.0.1', port: 0, readsNeedToken: true },
    dataDir: await tempDir(),
    users: staffUsers(),
    central: { url: centralUrl, token: { value: 'central-token' }, pollSeconds: 0.5 },
    devices: [
      { ...base.devices[0]!, location: { ...base.devices[0]!.location, publicArea: true } },
      {
        ...base.devices[0]!,
        id: 'leak-801',
        name: '801 厨房漏水传感器',
        battery: false,
        location: { building: 'T2', floor: '8F', unit: '801', description: '801 厨房水槽下', descriptionEn: '801 kitchen, under the sink', publicArea: false },
        source: { protocol: 'mqtt', username: 'leak-801', password: { value: 'secret-leak-801' }, points: [{ id: 'wet' }] },
      },
    ],
  });
  const gw: Gateway = await buildGateway(site, { clock: systemClock, log: silentLogger() });
  await gw.start();
  onTestFinished(() => gw.stop());
  return { gw, url: gw.httpUrl()! };
}

const PUBLIC = 0;
const IN_UNIT = 1;

async function raise(gw: Gateway, device: number, tier: Ticket['tier'] = 'general'): Promise<Ticket> {
  return gw.tickets.raise({ fault: 'water-leak', device: gw.site.devices[device]!, tier, skill: 'plumbing', title: { zh: '漏水', en: 'Leak' }, description: { zh: '检测到漏水', en: 'Leak detected' } });
}

async function call(url: string, method: string, who: StaffMember, apiPath: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}${apiPath}`, { method, headers: { ...bearer(who), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!res.ok) throw new Error(`${method} ${apiPath}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Taken, on site and resolved by 李工 with a note and materials: an in-unit one is then due its callback. */
async function repaired(url: string, t: Ticket, note = '更换角阀'): Promise<void> {
  for (const step of ['take', 'arrive']) await call(url, 'POST', 'engineer', `/api/tickets/${t.id}/${step}`, {});
  await call(url, 'POST', 'engineer', `/api/tickets/${t.id}/resolve`, { note, cause: '角阀老化', materials: [{ name: '角阀', quantity: 1, unit: '个' }] });
}

/**
 * Opens a page as someone. Through about:blank: going from `/engineering` to `/engineering#token=...`
 * would only change the fragment, and the page would not load again to read the new sign-in code.
 */
async function openAs(page: Page, url: string, pagePath: string, who: StaffMember): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${url}/${pagePath}#token=${STAFF[who].token}`);
}

interface BrowserDocument {
  querySelectorAll(selector: string): Iterable<BrowserElement>;
  readonly documentElement: { readonly scrollWidth: number };
}

/** The page's checks at any size: header on one line, nothing wider than the screen, no action button under 96 px on a phone, no ISO time, no word left as its key. */
async function looksRight(page: Page, name: string): Promise<void> {
  const v = page.viewportSize()!;
  expect((await page.locator('header h1').boundingBox())?.height, `${name}: header on one line`).toBeLessThan(40);
  expect(await page.evaluate(() => (globalThis as unknown as { document: BrowserDocument }).document.documentElement.scrollWidth), `${name}: no sideways scroll`).toBeLessThanOrEqual(v.width);
  if (v.width === PHONE.width) {
    const narrow = await page.evaluate(() =>
      [...(globalThis as unknown as { document: BrowserDocument }).document.querySelectorAll('main .actions button')]
        .filter((b) => b.offsetParent !== null)
        .filter((b) => b.getBoundingClientRect().width < 96)
        .map((b) => b.textContent?.trim() ?? ''),
    );
    expect(narrow, `${name}: narrow buttons`).toEqual([]);
  }
  const text = (await page.locator('main').textContent()) ?? '';
  expect(text, name).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  expect(text, `${name}: a word shown as its key`).not.toMatch(/\b(storm|call|callback|assign|retier|resolve|offsite|material|desk|h|esc|level|satisfaction|complexity|rel|paused|repaired)\.[a-zA-Z-]+/);
}

describe('the repair loop on the staff pages, in headless Chromium', () => {
  it('lets the supervisor assign a ticket from the engineering page, and re-assign it only with a reason; the card and the history say who has it', async () => {
    const { gw, url } = await startSite();
    const t = await raise(gw, PUBLIC);
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: DESK });
    const errors = watchErrors(page);
    await page.goto(`${url}/engineering#token=${STAFF.supervisor.token}`);
    const card = page.locator(`li.ticket[data-id="${t.id}"]`);
    await card.getByRole('button', { name: '派工' }).click();
    // The supervisor decides; the engineer takes: no take button for the supervisor.
    expect(await card.locator('[data-act=take]').count()).toBe(0);
    const box = card.locator('form.assign-box');
    await box.locator(`select[name=engineer] option[value="${STAFF.engineer2.id}"]`).waitFor({ state: 'attached' });
    await box.locator('select[name=engineer]').selectOption(STAFF.engineer2.id);
    await shoot(page, 'engineering-assign');
    await box.getByRole('button', { name: '派工' }).click();
    await expect.poll(() => card.locator('.assignee').textContent()).toBe(`派给 ${STAFF.engineer2.name}`);
    expect(gw.tickets.get(t.id)).toMatchObject({ assignee: STAFF.engineer2.name, assigneeId: STAFF.engineer2.id, status: 'raised' });

    // Giving it to someone else needs a reason: without one nothing is sent.
    await card.getByRole('button', { name: '改派' }).click();
    await box.getByText(`现在在 ${STAFF.engineer2.name} 手上`).waitFor();
    await box.locator('select[name=engineer]').selectOption(STAFF.engineer.id);
    await box.getByRole('button', { name: '改派' }).click();
    expect(await box.locator('input[name=reason]').evaluate((el) => (el as unknown as { matches(s: string): boolean }).matches(':invalid'))).toBe(true);
    expect(gw.tickets.get(t.id)?.history.filter((h) => h.action === 'assigned')).toHaveLength(1);
    await box.locator('input[name=reason]').fill('周工在 T9 抢修爆管');
    await shoot(page, 'engineering-reassign');
    await box.getByRole('button', { name: '改派' }).click();
    await expect.poll(() => card.locator('.assignee').textContent()).toBe(`派给 ${STAFF.engineer.name}`);
    expect(gw.tickets.get(t.id)?.history.at(-1)).toMatchObject({ action: 'assigned', actor: `user:${STAFF.supervisor.id}`, note: expect.stringContaining('周工在 T9 抢修爆管') });

    // 李工 sees it is his, takes it; the card then says he took it.
    const engineer = await browser.newPage({ viewport: PHONE, isMobile: true });
    await engineer.goto(`${url}/engineering#token=${STAFF.engineer.token}`);
    const mine = engineer.locator(`li.ticket[data-id="${t.id}"]`);
    await expect.poll(() => mine.locator('.assignee').textContent()).toBe(`派给 ${STAFF.engineer.name}`);
    await mine.getByRole('button', { name: '接单' }).click();
    await expect.poll(() => mine.locator('.assignee').textContent()).toBe(`接单人 ${STAFF.engineer.name}`);

    // The history on the ticket page: each assignment in the page's language, with the reason.
    await page.goto(`${url}/tickets/${t.id}`);
    const steps = page.locator('ol.history li', { has: page.locator('.step[data-action=assigned]') });
    await expect.poll(() => steps.count()).toBe(2);
    // Names come with /api/people, a moment after the ticket.
    await expect.poll(() => steps.nth(1).textContent()).toMatch(new RegExp(`${STAFF.supervisor.name} · 派工 — ${STAFF.supervisor.name} 派工给 ${STAFF.engineer.name}（原 ${STAFF.engineer2.name}）：周工在 T9 抢修爆管$`));
    expect(await page.locator('ol.history').textContent()).not.toContain('assigned it to');
    await page.locator('#lang').click();
    await expect.poll(() => steps.nth(1).textContent()).toContain(`Assigned — ${STAFF.supervisor.name} assigned it to ${STAFF.engineer.name} (was ${STAFF.engineer2.name}): 周工在 T9 抢修爆管`);
    await shoot(page, 'ticket-assigned-en');
    expect(errors).toEqual([]);
  });

  it('lets an engineer re-tier a ticket after the survey, with the reason it asks for; the tier and the deadlines change', async () => {
    const { gw, url } = await startSite();
    const t = await raise(gw, PUBLIC, 'general');
    const browser = await launchBrowser();
    const phone = await browser.newPage({ viewport: PHONE, isMobile: true });
    const errors = watchErrors(phone);
    await phone.goto(`${url}/engineering#token=${STAFF.engineer.token}`);
    const card = phone.locator(`li.ticket[data-id="${t.id}"]`);
    // An engineer re-tiers but does not assign.
    await card.getByRole('button', { name: '改级' }).click();
    expect(await card.locator('[data-act=assign]').count()).toBe(0);
    const box = card.locator('form.retier-box');
    // Nothing changed: the page says so and sends nothing.
    await box.locator('input[name=reason]').fill('看一下');
    await box.getByRole('button', { name: '提交改级' }).click();
    expect(await box.locator('select[name=tier]').evaluate((el) => (el as unknown as { validationMessage: string }).validationMessage)).toBe('请选择新的级别或难度');
    await box.locator('select[name=tier]').selectOption('low');
    await box.locator('select[name=complexity]').selectOption('complex');
    await box.locator('input[name=reason]').fill('');
    await box.getByRole('button', { name: '提交改级' }).click();
    expect(gw.tickets.get(t.id)?.tier).toBe('general');
    await box.locator('input[name=reason]').fill('现场勘查：冷凝水滴漏，需拆吊顶');
    await shoot(phone, 'engineering-retier');
    await box.getByRole('button', { name: '提交改级' }).click();
    await expect.poll(() => card.locator('.tier').textContent()).toBe('低');
    await card.locator('.flag.complexity', { hasText: '难度 复杂' }).waitFor();
    const after = gw.tickets.get(t.id)!;
    expect(after).toMatchObject({ tier: 'low', complexity: 'complex' });
    expect(Date.parse(after.deadlines.resolveBy)).toBeGreaterThan(Date.parse(t.deadlines.resolveBy));
    expect(after.history.at(-1)).toMatchObject({ action: 'retiered', actor: `user:${STAFF.engineer.id}`, note: expect.stringContaining('现场勘查：冷凝水滴漏，需拆吊顶') });
    await shoot(phone, 'engineering-retiered');
    expect(errors).toEqual([]);
  });

  it('resolves with the cause, what was done, materials on added rows, workers, and fixed without coming on site; the ticket page shows them', async () => {
    const { gw, url } = await startSite();
    const t = await raise(gw, IN_UNIT);
    const browser = await launchBrowser();
    const phone = await browser.newPage({ viewport: PHONE, isMobile: true });
    const errors = watchErrors(phone);
    await phone.goto(`${url}/engineering#token=${STAFF.engineer.token}`);
    const card = phone.locator(`li.ticket[data-id="${t.id}"]`);
    await card.getByRole('button', { name: '接单' }).click();
    await card.locator('.status.acknowledged').waitFor();
    await card.getByRole('button', { name: '完成维修' }).click();
    const box = card.locator('.resolve-box');
    // Not on site yet: the box says what a resolve needs, and offers the off-site word.
    await box.getByText('尚未到场').waitFor();
    await box.locator('textarea.note').fill('电话指导业主关闭角阀，次日上门更换');
    await box.getByText('维修详情（选填）').click();
    await box.locator('input.cause').fill('角阀老化渗水');
    await box.locator('textarea.action').fill('关闭进水角阀，更换角阀和软管');
    const rows = box.locator('.material');
    await rows.nth(0).locator('.m-name').fill('角阀');
    await rows.nth(0).locator('.m-qty').fill('1');
    await rows.nth(0).locator('.m-unit').fill('个');
    await box.getByRole('button', { name: '再加一行材料' }).click();
    await rows.nth(1).locator('.m-name').fill('不锈钢编织软管');
    await rows.nth(1).locator('.m-qty').fill('0.6');
    await rows.nth(1).locator('.m-unit').fill('米');
    // What was typed in the first row survived the redraw that added the second.
    expect(await rows.nth(0).locator('.m-name').inputValue()).toBe('角阀');
    await box.locator('input.workers').fill('李工、周工');
    await box.getByLabel('未到场处理').check();
    await box.locator('input.off-site-reason').fill('业主按电话指导自行关闭角阀');
    await shoot(phone, 'engineering-resolve-details');
    await box.getByRole('button', { name: '提交完成' }).click();
    await vi.waitFor(() => expect(gw.tickets.get(t.id)?.status).toBe('resolved'), { timeout: 20_000 });
    expect(gw.tickets.get(t.id)?.resolution).toEqual({
      cause: '角阀老化渗水',
      action: '关闭进水角阀，更换角阀和软管',
      materials: [{ name: '角阀', quantity: 1, unit: '个' }, { name: '不锈钢编织软管', quantity: 0.6, unit: '米' }],
      workers: ['李工', '周工'],
      offSite: { reason: '业主按电话指导自行关闭角阀' },
    });

    // On site: the off-site word is not offered.
    const other = await raise(gw, PUBLIC);
    for (const step of ['take', 'arrive']) await call(url, 'POST', 'engineer', `/api/tickets/${other.id}/${step}`, {});
    const otherCard = phone.locator(`li.ticket[data-id="${other.id}"]`);
    await otherCard.locator('.status.arrived').waitFor();
    await otherCard.getByRole('button', { name: '完成维修' }).click();
    await otherCard.locator('.resolve-box textarea.note').waitFor();
    expect(await otherCard.locator('.off-site-check').count()).toBe(0);

    await phone.goto(`${url}/tickets/${t.id}`);
    const details = phone.locator('dl.resolution');
    await details.waitFor();
    expect(await details.locator('[data-field=materials]').textContent()).toBe('角阀 1 个、不锈钢编织软管 0.6 米');
    expect(await details.locator('[data-field=workers]').textContent()).toBe('李工、周工');
    expect(await details.locator('[data-field=offSite]').textContent()).toBe('业主按电话指导自行关闭角阀');
    // An in-unit repair: its callback is now due, within 24 h.
    expect(await phone.locator('.callback-state').textContent()).toMatch(/^待回访 · 应于 \d\d-\d\d \d\d:\d\d 前回访 · 还有 2[34] 小时( \d+ 分钟)?$/);
    await shoot(phone, 'ticket-resolution');
    expect(errors).toEqual([]);
  });

  it('switches storm mode on for one building from the operator page, shows when it ends, and ends it', async () => {
    const { gw, url } = await startSite();
    const inT2 = await raise(gw, IN_UNIT, 'general');
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: DESK });
    const errors = watchErrors(page);
    await page.goto(`${url}/operator#token=${STAFF.operator.token}`);
    const card = page.locator('#storm-section');
    await card.locator('[data-state=off]').waitFor();
    // The form on a phone, for the screenshots.
    const phone = await browser.newPage({ viewport: PHONE, isMobile: true });
    await phone.goto(`${url}/operator#token=${STAFF.operator.token}`);
    await phone.locator('#storm-section [data-state=off]').waitFor();
    await shootPart(phone, '#storm-section', 'operator-storm-off');
    await phone.close();
    const form = card.locator('form#storm');
    await form.locator('select[name=building]').selectOption('T2');
    await form.locator('input[name=hours]').fill('3');
    await form.locator('input[name=reason]').fill('台风“海葵”过境，地下室进水');
    await shoot(page, 'operator-storm-off');
    await form.getByRole('button', { name: '开启暴雨模式' }).click();
    await card.locator('[data-state=on]').waitFor();
    expect(await card.locator('[data-field=storm-where]').textContent()).toBe('T2 楼');
    expect(await card.locator('[data-field=storm-reason]').textContent()).toBe('台风“海葵”过境，地下室进水');
    expect(await card.locator('[data-field=storm-until]').textContent()).toMatch(/^\d\d-\d\d \d\d:\d\d · 还有 (2 小时 59 分钟|3 小时)$/);
    expect(await card.textContent()).toContain(STAFF.operator.name);
    const on = (await call(url, 'GET', 'operator', '/api/storm')) as { storm: { building: string; until: number; startedAt: number; by: string } };
    expect(on.storm).toMatchObject({ building: 'T2', by: STAFF.operator.id });
    expect(on.storm.until - on.storm.startedAt).toBe(3 * HOUR);
    expect(gw.tickets.get(inT2.id)?.paused).toBeDefined();
    await shoot(page, 'operator-storm-on');

    await page.locator('#lang').click();
    await expect.poll(() => card.locator('[data-field=storm-until]').textContent()).toMatch(/ · in (2 h 59 min|3 h)$/);
    await shoot(page, 'operator-storm-on-en');
    await page.locator('#lang').click();

    await card.getByRole('button', { name: '结束暴雨模式' }).click();
    await card.locator('[data-state=off]').waitFor();
    expect(await card.locator('ul.past-storms li').first().textContent()).toMatch(/^\d\d-\d\d \d\d:\d\d–(\d\d-\d\d )?\d\d:\d\d · T2 楼 · 台风“海葵”过境，地下室进水$/);
    expect(((await call(url, 'GET', 'operator', '/api/storm')) as { storm: unknown }).storm).toBeNull();
    await vi.waitFor(() => expect(gw.tickets.get(inT2.id)?.paused).toBeUndefined());
    expect(errors).toEqual([]);
  });

  it('lets the desk record callbacks on /desk, soonest due first: satisfied, not reached (it stays), not fixed (it reopens)', async () => {
    const { gw, url } = await startSite();
    const [a, b, c] = [await raise(gw, IN_UNIT), await raise(gw, IN_UNIT), await raise(gw, IN_UNIT)];
    for (const t of [a!, b!, c!]) await repaired(url, t);
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: DESK });
    const errors = watchErrors(page);
    await page.goto(`${url}/desk#token=${STAFF.desk.token}`);
    const waiting = page.locator('#waiting > li');
    await expect.poll(() => waiting.count()).toBe(3);
    // Soonest due first: the first repaired is the first to call.
    expect(await waiting.evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { id: string } }).dataset.id))).toEqual([a!.id, b!.id, c!.id]);
    const first = page.locator(`#waiting li[data-id="${a!.id}"]`);
    expect(await first.locator('[data-field=due]').textContent()).toMatch(/^应于 \d\d-\d\d \d\d:\d\d 前回访 · 还有 2[34] 小时( \d+ 分钟)?$/);
    expect(await first.locator('.where').textContent()).toContain('801');
    expect(await first.locator('.repaired').textContent()).toContain('更换角阀');
    expect(await first.locator('dl.resolution [data-field=materials]').textContent()).toBe('角阀 1 个');

    // Satisfied: reached, five stars, the owner's words.
    await first.getByRole('button', { name: '已接通' }).click();
    await first.getByRole('button', { name: '5 分' }).click();
    await first.locator('input[name=words]').fill('师傅很专业');
    await shoot(page, 'desk-callback-form');
    await first.getByRole('button', { name: '记录回访' }).click();
    const recorded = page.locator(`#recorded li[data-id="${a!.id}"] .answer`);
    await recorded.waitFor();
    expect(await recorded.textContent()).toBe('回访已完成 · 已接通 · ★★★★★ 5/5 · “师傅很专业”');
    expect(gw.tickets.get(a!.id)?.callback).toMatchObject({ state: 'done', calls: [{ reached: true, satisfaction: 5, words: '师傅很专业', fixed: true, by: `user:${STAFF.desk.id}` }] });

    // Not reached: a try; the callback stays waiting, with the try counted.
    const second = page.locator(`#waiting li[data-id="${b!.id}"]`);
    await second.getByRole('button', { name: '未接通' }).click();
    expect(await second.locator('button.star').count()).toBe(0);
    await second.getByRole('button', { name: '记录未接通' }).click();
    await second.locator('.tries', { hasText: '已拨打 1 次未接通' }).waitFor();
    expect(gw.tickets.get(b!.id)?.callback).toMatchObject({ state: 'due', calls: [{ reached: false }] });

    // Not fixed, says the owner: the repair goes back to the team.
    const third = page.locator(`#waiting li[data-id="${c!.id}"]`);
    await third.getByRole('button', { name: '已接通' }).click();
    await third.getByRole('button', { name: '2 分' }).click();
    await third.getByLabel('业主反映仍未修好').check();
    await third.locator('input[name=words]').fill('厨房还在滴水');
    await third.getByRole('button', { name: '记录并重开工单' }).click();
    const reopened = page.locator(`#recorded li[data-id="${c!.id}"] .answer.reopen`);
    await reopened.waitFor();
    expect(await reopened.textContent()).toBe('工单已重开，维修班组已收到通知 · 已接通 · ★★☆☆☆ 2/5 · “厨房还在滴水” · 业主反映未修好');
    expect(gw.tickets.get(c!.id)).toMatchObject({ status: 'reopened', callback: { state: 'done', calls: [{ reached: true, satisfaction: 2, fixed: false }] } });
    await expect.poll(() => waiting.count()).toBe(1);
    await shoot(page, 'desk-recorded');

    // The call on the ticket page, with its satisfaction, and the step in the history.
    const ticket = await browser.newPage({ viewport: PHONE, isMobile: true });
    await ticket.goto(`${url}/tickets/${a!.id}#token=${STAFF.desk.token}`);
    await ticket.locator('.callback-state[data-state=done]').waitFor();
    await expect.poll(() => ticket.locator('ol.calls li').textContent()).toMatch(new RegExp(`^\\d\\d-\\d\\d \\d\\d:\\d\\d ${STAFF.desk.name} · 已接通 · ★★★★★ 5/5 · “师傅很专业”$`));
    expect(await ticket.locator('ol.history li', { has: ticket.locator('.step[data-action=callback]') }).textContent()).toContain('回访 — 回访完成，满意度 5/5：师傅很专业');
    await shoot(ticket, 'ticket-callback');

    // A day and more later the one still waiting reads overdue.
    const late = await browser.newPage({ viewport: PHONE, isMobile: true });
    await late.clock.install({ time: Date.now() + 26 * HOUR });
    await late.clock.resume();
    await late.goto(`${url}/desk#token=${STAFF.desk.token}`);
    const due = late.locator(`#waiting li[data-id="${b!.id}"] .due.late`);
    await due.waitFor();
    expect(await due.textContent()).toMatch(/ · 已逾期 (1 小时 5\d 分钟|2 小时( \d 分钟)?)$/);
    await shoot(late, 'desk-overdue');
    expect(errors).toEqual([]);
  });

  it('renders the new pages and controls at phone and desk size: one-line header, nothing wider than the screen, thumb-sized buttons, local times, every word translated', async () => {
    const { gw, url } = await startSite();
    const waiting = await raise(gw, IN_UNIT);
    await repaired(url, waiting);
    await call(url, 'POST', 'operator', '/api/storm', { building: 'T1', hours: 2, reason: '暴雨红色预警' });
    const browser = await launchBrowser();
    for (const viewport of [PHONE, DESK]) {
      for (const lang of ['zh-CN', 'en'] as const) {
        const suffix = lang === 'en' ? '-en' : '';
        const context = await browser.newContext({ viewport, isMobile: viewport === PHONE });
        // The language is the page's own setting (what its button stores); about:blank has no storage.
        await context.addInitScript((l) => {
          const w = globalThis as unknown as { location: { protocol: string }; localStorage: { setItem(k: string, v: string): void } };
          if (w.location.protocol === 'http:') w.localStorage.setItem('gw.lang', l);
        }, lang);
        const page = await context.newPage();
        const errors = watchErrors(page);
        // Raised during the storm on T1: paused from its raise.
        const open = await raise(gw, PUBLIC, 'general');

        await openAs(page, url, 'engineering', 'supervisor');
        const card = page.locator(`li.ticket[data-id="${open.id}"]`);
        await card.locator('.flag.paused').waitFor();
        await card.locator('[data-act=assign]').click();
        await card.locator('form.assign-box select[name=engineer] option').first().waitFor({ state: 'attached' });
        await shoot(page, `engineering-supervisor${suffix}`);
        await looksRight(page, `engineering-supervisor${suffix}`);

        await openAs(page, url, 'engineering', 'engineer');
        await card.locator('[data-act=take]').click();
        await card.locator('[data-act=resolve]').click();
        await card.locator('details.more summary').click();
        await card.getByLabel(lang === 'en' ? 'Fixed without coming on site' : '未到场处理').check();
        await shoot(page, `engineering-resolve${suffix}`);
        await looksRight(page, `engineering-resolve${suffix}`);
        await card.locator('[data-act=cancel]').click();

        await openAs(page, url, 'desk', 'desk');
        const item = page.locator(`li[data-id="${waiting.id}"]`);
        await item.locator('[data-act=reached]').click();
        await item.locator('[data-star="4"]').click();
        await shoot(page, `desk${suffix}`);
        await looksRight(page, `desk${suffix}`);

        await openAs(page, url, 'operator', 'operator');
        await page.locator('#storm-section [data-state=on]').waitFor();
        await page.locator('[data-field=sync-state]').waitFor();
        await shootPart(page, '#storm-section', `operator-storm-card${suffix}`);
        await looksRight(page, `operator${suffix}`);

        await openAs(page, url, `tickets/${waiting.id}`, 'desk');
        await page.locator('dl.resolution').waitFor();
        await page.locator('.callback-state').waitFor();
        await shoot(page, `ticket-repair${suffix}`);
        await looksRight(page, `ticket-repair${suffix}`);

        expect(errors).toEqual([]);
        await context.close();
      }
    }
    // The index lists the desk page.
    expect(await (await fetch(`${url}/`)).text()).toContain('<a href="/desk">客服 Desk</a>');
  });
});
