import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../gateway/clock.js';
import { silentLogger } from '../../../gateway/log.js';
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
  const raise = (tier: Ticket['tier'] = 'emergency') =>
    tickets.raise({ fault: 'water-leak', device, tier, skill: 'plumbing', title: { zh: '漏水', en: 'Water leak' }, description: { zh: '漏水', en: 'Leak' } });
  return { site, store, tickets, clock, raise };
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
    await s.tickets.step(fixed.id, 'resolve', { user: LI, note: '已修复' });
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
    const r = await s.tickets.step(t.id, 'resolve', { user: LI, note: '已疏通' });
    expect(r.ticket.recheck).toEqual({ state: 'due', dueBy: new Date(s.clock.now() + 72 * 3_600_000).toISOString() });
    const passed = await s.tickets.step(t.id, 'recheck-pass', { user: WANG, note: '已无积水' });
    expect(passed.ticket).toMatchObject({ status: 'closed', recheck: { state: 'passed', dueBy: null } });
    expect(passed.ticket.history.at(-1)).toMatchObject({ action: 'recheck-passed', actor: `user:${WANG.id}`, note: '已无积水' });
    // Inside a unit, the owner's own part: no re-check by the patrol.
    const inUnit = await setup(false);
    const u = await inUnit.raise('general');
    expect((await inUnit.tickets.step(u.id, 'resolve', { user: LI, note: '已修复' })).ticket.recheck.state).toBe('none');
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
    const cfg = { escalation: s.site.escalation, acknowledgeMinutes: () => 5 };
    const since = (ms: number) => ms - Date.parse(reopened.createdAt);
    expect(dueEscalation(reopened, cfg, since(s.clock.now() + 4 * MIN))).toBeNull();
    expect(dueEscalation(reopened, cfg, since(s.clock.now() + 5 * MIN))).toEqual({ step: 'acknowledgeBy', level: 'supervisor' });
    const again = await s.tickets.step(t.id, 'take', { user: ZHOU });
    expect(again.ticket).toMatchObject({ status: 'acknowledged', assignee: '周工' });
    await s.store.close();
  });

  it('flags a ticket on the same device and fault within 30 days of a repair as a repeat repair, linked to it, also after a restart', async () => {
    const dir = await tempDir();
    const clock = new ManualClock(Date.UTC(2026, 10, 1, 2, 0, 0));
    const s = await setup(false, dir, clock);
    const first = await s.raise('general');
    const unrepaired = await s.raise('general');
    expect(unrepaired).toMatchObject({ rework: false, repeatOf: null });
    await s.tickets.step(first.id, 'resolve', { user: LI, note: '更换传感器' });
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
