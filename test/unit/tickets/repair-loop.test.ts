import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { dueEscalation } from '../../../gateway/notify/escalation.js';
import { FileStore } from '../../../gateway/store/store.js';
import { stepOwed } from '../../../gateway/tickets/deadlines.js';
import { readTicket } from '../../../gateway/tickets/ticket-schema.js';
import { StepRefused, TicketService } from '../../../gateway/tickets/ticket-service.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { sampleTicket } from '../../helpers/ticket-fixture.js';

const MIN = 60_000;
const DAY_MS = 86_400_000;
const LI = { id: 'e-li', name: '李工' };
const ZHOU = { id: 'e-zhou', name: '周工' };
const WANG = { id: 'p-wang', name: '王巡检' };

async function setup(publicArea = true, dir?: string, clock = new ManualClock(Date.UTC(2026, 10, 27, 2, 0, 0))) {
  const site = testSite({ repairs: { reworkWithinDays: 30, recheckWithinHours: 72 } });
  const store = await FileStore.open({ dataDir: dir ?? (await tempDir()), clock, log: silentLogger() });
  const tickets = await TicketService.open({ store, site, clock, log: silentLogger() });
  const device = { ...site.devices[0]!, location: { ...site.devices[0]!.location, publicArea } };
  const raise = (tier: Ticket['tier'] = 'emergency', fault = 'water-leak') =>
    tickets.raise({ fault, device, tier, skill: 'plumbing', title: { zh: '漏水', en: 'Water leak' }, description: { zh: '漏水', en: 'Leak' } });
  return { site, store, tickets, clock, raise };
}

/** Takes (if nobody has), arrives and resolves, as the procedures want a repair done. */
async function repair(tickets: TicketService, id: string, user: { id: string; name: string }, note: string) {
  await tickets.step(id, 'take', { user });
  await tickets.step(id, 'arrive', { user });
  return tickets.step(id, 'resolve', { user, note });
}

const refusal = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof StepRefused) return err.why;
    throw err;
  }
  throw new Error('the step was not refused');
};

describe('the repair loop', () => {
  it('takes, arrives and resolves in order; another engineer cannot take a taken repair; a repeated tap changes nothing', async () => {
    const s = await setup();
    const t = await s.raise();
    expect(await refusal(s.tickets.step(t.id, 'arrive', { user: LI }))).toBe('take the repair first');
    const taken = await s.tickets.step(t.id, 'take', { user: LI });
    expect(taken.ticket).toMatchObject({ status: 'acknowledged', assignee: '李工' });
    expect((await s.tickets.step(t.id, 'take', { user: LI })).changed).toBe(false);
    expect(await refusal(s.tickets.step(t.id, 'take', { user: ZHOU }))).toBe('already taken by 李工');
    s.clock.advance(12 * MIN);
    expect((await s.tickets.step(t.id, 'arrive', { user: LI })).ticket.status).toBe('arrived');
    const done = await s.tickets.step(t.id, 'resolve', { user: LI, note: '更换阀门' });
    expect(done.ticket.history.map((h) => h.action)).toEqual(['raised', 'acknowledged', 'arrived', 'resolved']);
    expect(done.ticket.status).toBe('resolved');
    await s.store.close();
  });

  it('refuses a resolve nobody took, and one without an arrival unless it was fixed without coming on site, with the reason', async () => {
    const s = await setup();
    const t = await s.raise('general');
    // Issue 32's defect: this answered 200 and the ticket went raised -> resolved.
    expect(await refusal(s.tickets.step(t.id, 'resolve', { user: LI, note: '已修复' }))).toBe('take the repair first');
    await s.tickets.step(t.id, 'take', { user: LI });
    expect(await refusal(s.tickets.step(t.id, 'resolve', { user: LI, note: '已修复' }))).toContain('say you are on site first');
    const byPhone = await s.tickets.step(t.id, 'resolve', {
      user: LI,
      note: '已修复',
      resolution: { offSiteReason: '电话指导业主复位', cause: '跳闸', action: '远程复位', materials: [{ name: '保险丝', quantity: 2, unit: '个' }], workers: ['李工', '周工'] },
    });
    expect(byPhone.ticket).toMatchObject({
      status: 'resolved',
      resolution: { cause: '跳闸', action: '远程复位', materials: [{ name: '保险丝', quantity: 2, unit: '个' }], workers: ['李工', '周工'], offSite: { reason: '电话指导业主复位' } },
    });
    expect(byPhone.ticket.history.at(-1)?.note).toContain('fixed without coming on site: 电话指导业主复位');
    // On site, the details are all optional.
    const u = await s.raise('general');
    const done = await repair(s.tickets, u.id, LI, '已疏通');
    expect(done.ticket.resolution).toEqual({ cause: null, action: null, materials: [], workers: [], offSite: null });
    await s.store.close();
  });

  it('keeps a patrol confirm beside the work: the status and every deadline stay owed; a false alarm ends the ticket', async () => {
    const s = await setup();
    const t = await s.raise();
    const c = await s.tickets.step(t.id, 'confirm', { user: WANG, note: '确有漏水' });
    expect(c.ticket).toMatchObject({ status: 'raised', verification: { state: 'confirmed', by: WANG.id, note: '确有漏水' } });
    expect(stepOwed(c.ticket, 'acknowledgeBy')).toBe(true);
    expect(await refusal(s.tickets.step(t.id, 'reject', { user: WANG, note: '看错了' }))).toContain('confirmed on site');
    const other = await s.raise();
    const r = await s.tickets.step(other.id, 'reject', { user: WANG, note: '现场无水' });
    expect(r.ticket).toMatchObject({ status: 'rejected', verification: { state: 'rejected', note: '现场无水' } });
    expect(stepOwed(r.ticket, 'acknowledgeBy')).toBe(false);
    expect(await refusal(s.tickets.step(other.id, 'take', { user: LI }))).toBe('the ticket is rejected');
    // A repaired fault is not a false alarm.
    const fixed = await s.raise();
    await repair(s.tickets, fixed.id, LI, '已修复');
    expect(await refusal(s.tickets.step(fixed.id, 'reject', { user: WANG, note: '无' }))).toContain('not a false alarm');
    await s.store.close();
  });

  it('owes each step until it or a later one is done', () => {
    const base = sampleTicket('t', 1, 0);
    const at = (action: string) => ({ at: base.createdAt, actor: 'user:e-li' as const, action });
    const resolvedDirectly = { ...base, status: 'resolved' as const, history: [...base.history, at('resolved')] };
    for (const step of ['acknowledgeBy', 'dispatchBy', 'onSiteBy', 'resolveBy'] as const) expect(stepOwed(resolvedDirectly, step), step).toBe(false);
    const taken = { ...base, status: 'acknowledged' as const, history: [...base.history, at('acknowledged')] };
    expect([stepOwed(taken, 'acknowledgeBy'), stepOwed(taken, 'dispatchBy'), stepOwed(taken, 'onSiteBy'), stepOwed(taken, 'resolveBy')]).toEqual([false, false, true, true]);
    const dispatchedByCentral = { ...base, status: 'dispatched' as const, history: [...base.history, at('dispatched')] };
    expect(stepOwed(dispatchedByCentral, 'acknowledgeBy')).toBe(false);
  });

  it('puts a resolved public-area repair up for re-check within 72 h; a pass closes it', async () => {
    const s = await setup(true);
    const t = await s.raise('general');
    await s.tickets.step(t.id, 'take', { user: LI });
    expect(await refusal(s.tickets.step(t.id, 'recheck-pass', { user: WANG }))).toBe('the ticket is not waiting for a re-check');
    const r = await repair(s.tickets, t.id, LI, '已疏通');
    expect(r.ticket.recheck).toEqual({ state: 'due', dueBy: new Date(s.clock.now() + 72 * 3_600_000).toISOString() });
    const passed = await s.tickets.step(t.id, 'recheck-pass', { user: WANG, note: '已无积水' });
    expect(passed.ticket).toMatchObject({ status: 'closed', recheck: { state: 'passed', dueBy: null } });
    expect(passed.ticket.history.at(-1)).toMatchObject({ action: 'recheck-passed', actor: `user:${WANG.id}`, note: '已无积水' });
    // Inside a unit, the owner's own part: no re-check by the patrol.
    const inUnit = await setup(false);
    const u = await inUnit.raise('general');
    expect((await repair(inUnit.tickets, u.id, LI, '已修复')).ticket.recheck.state).toBe('none');
    await s.store.close();
    await inUnit.store.close();
  });

  it('reopens a repair that fails its re-check with fresh deadlines: it must be taken, reached and resolved again, and escalates on the new times', async () => {
    const s = await setup(true);
    const t = await s.raise('emergency');
    await s.tickets.step(t.id, 'take', { user: LI });
    await s.tickets.step(t.id, 'arrive', { user: LI });
    await s.tickets.step(t.id, 'resolve', { user: LI, note: '已修复' });
    s.clock.advance(2 * DAY_MS);
    const failed = await s.tickets.step(t.id, 'recheck-fail', { user: WANG, note: '仍在渗水' });
    const reopened = failed.ticket;
    expect(reopened).toMatchObject({ status: 'reopened', assignee: null, recheck: { state: 'failed' } });
    expect(reopened.deadlines.acknowledgeBy).toBe(new Date(s.clock.now() + 5 * MIN).toISOString());
    for (const step of ['acknowledgeBy', 'onSiteBy', 'resolveBy'] as const) expect(stepOwed(reopened, step), step).toBe(true);
    const cfg = { escalation: s.site.escalation, acknowledgeMinutes: () => 5, grabMinutes: 5, chaseLeaderAfterMinutes: 120 };
    const since = (ms: number) => ms - Date.parse(reopened.createdAt);
    expect(dueEscalation(reopened, cfg, since(s.clock.now() + 4 * MIN))).toBeNull();
    expect(dueEscalation(reopened, cfg, since(s.clock.now() + 5 * MIN))).toEqual({ step: 'acknowledgeBy', level: 'supervisor' });
    const again = await s.tickets.step(t.id, 'take', { user: ZHOU });
    expect(again.ticket).toMatchObject({ status: 'acknowledged', assignee: '周工' });
    await s.store.close();
  });

  it("sends any order nobody takes in 5 minutes to the supervisor (the grab rule), keeps the tier's own times, and chases the team leader of a repair taken and not moved on for 2 hours", async () => {
    const s = await setup(true);
    const cfg = { escalation: s.site.escalation, acknowledgeMinutes: (tier: Ticket['tier']) => s.site.contract[tier].acknowledgeMinutes, grabMinutes: 5, chaseLeaderAfterMinutes: 120 };
    // A blocked drain, not water running: on site within the tier's 15 minutes, not 5.
    const general = await s.raise('general', 'drain-blocked');
    expect(dueEscalation(general, cfg, 4 * MIN)).toBeNull();
    expect(dueEscalation(general, cfg, 5 * MIN)).toEqual({ step: 'grab', level: 'supervisor' });
    const told = await s.tickets.mutate(general.id, 'gateway', () => ({ action: 'escalated', step: 'grab', level: 'supervisor' }));
    // The tier's own times still count (the KPIs, the rest of the chain): on site by 15 min.
    expect(dueEscalation(told, cfg, 15 * MIN)).toEqual({ step: 'onSiteBy', level: 'supervisor' });
    const onSiteTold = await s.tickets.mutate(general.id, 'gateway', () => ({ action: 'escalated', step: 'onSiteBy', level: 'supervisor' }));
    // At its acknowledge time (30 min) the supervisor has heard nobody took it: nothing new.
    expect(dueEscalation(onSiteTold, cfg, 30 * MIN)).toBeNull();
    expect(dueEscalation(onSiteTold, cfg, 45 * MIN)).toEqual({ step: 'onSiteBy', level: 'manager' });
    expect(dueEscalation(onSiteTold, cfg, 60 * MIN)).toEqual({ step: 'acknowledgeBy', level: 'manager' });
    // An emergency's 5 minutes are its acknowledge time: one escalation, as before.
    const emergency = await s.raise('emergency');
    expect(dueEscalation(emergency, cfg, 5 * MIN)).toEqual({ step: 'acknowledgeBy', level: 'supervisor' });
    // Taken, then nothing for 2 h: the team leader is chased (the roster falls through to the supervisor when none is named).
    const low = await s.raise('low', 'drain-blocked');
    const taken = (await s.tickets.step(low.id, 'take', { user: LI })).ticket;
    expect(dueEscalation(taken, cfg, 119 * MIN)).toBeNull();
    expect(dueEscalation(taken, cfg, 120 * MIN)).toEqual({ step: 'stalled', level: 'leader' });
    const arrived = (await s.tickets.step(low.id, 'arrive', { user: LI })).ticket;
    expect(dueEscalation(arrived, cfg, 121 * MIN)).toBeNull();
    await s.store.close();
  });

  it('puts the team leader first in a chain that names it: each level when the one before had its time', async () => {
    const s = await setup(true);
    const cfg = { escalation: { ...s.site.escalation, emergency: { levels: ['leader', 'supervisor', 'manager'] as ('leader' | 'supervisor' | 'manager')[] } }, acknowledgeMinutes: () => 5, grabMinutes: 5, chaseLeaderAfterMinutes: 0 };
    let t = await s.raise('emergency');
    for (const [minutes, level] of [[5, 'leader'], [10, 'supervisor'], [15, 'manager']] as const) {
      expect(dueEscalation(t, cfg, minutes * MIN)).toEqual({ step: 'acknowledgeBy', level });
      t = await s.tickets.mutate(t.id, 'gateway', () => ({ action: 'escalated', step: 'acknowledgeBy', level }));
    }
    await s.store.close();
  });

  it('flags a ticket on the same device and fault within 30 days of a repair as a repeat repair, linked to it, also after a restart', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(Date.UTC(2026, 10, 1, 2, 0, 0));
    const s = await setup(false, dir, clock);
    const first = await s.raise('general');
    const unrepaired = await s.raise('general');
    expect(unrepaired).toMatchObject({ rework: false, repeatOf: null });
    await repair(s.tickets, first.id, LI, '更换传感器');
    clock.advance(10 * DAY_MS);
    const repeat = await s.raise('general');
    expect(repeat).toMatchObject({ rework: true, repeatOf: first.id });
    await s.store.close();
    const after = await setup(false, dir, clock);
    clock.advance(19 * DAY_MS);
    expect(await after.raise('general')).toMatchObject({ rework: true, repeatOf: first.id });
    clock.advance(2 * DAY_MS);
    expect(await after.raise('general')).toMatchObject({ rework: false });
    await after.store.close();
  });

  it('reads a ticket written when a patrol confirm moved its status: the confirm becomes the verification', () => {
    const old = sampleTicket('old', 3, 0) as unknown as Record<string, unknown>;
    const { verification: _v, ...withoutVerification } = old as { verification: unknown };
    void _v;
    const at = '2026-11-27T02:03:00.000Z';
    const legacy = {
      ...withoutVerification,
      status: 'confirmed',
      history: [...(old['history'] as object[]), { at, actor: 'user:p-wang', action: 'confirmed', status: 'confirmed', note: '确有漏水' }],
    };
    const r = readTicket(legacy);
    if (!r.ok) throw new Error(r.problem);
    const t = r.ticket;
    expect(t.status).toBe('raised');
    expect(t.verification).toEqual({ state: 'confirmed', by: 'p-wang', at, note: '确有漏水' });
    expect(t.history.at(-1)).not.toHaveProperty('status');
  });
});
