import { describe, expect, it, vi } from 'vitest';
import type { Gateway } from '../../../gateway/app.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { repairSite } from '../../helpers/repair-site.js';
import { STAFF } from '../../helpers/staff.js';

type Site = Awaited<ReturnType<typeof repairSite>>;

/** An in-unit leak (flat 2304), taken, arrived at and resolved by 周工 through the API. */
async function repairedInUnit(s: Site): Promise<Ticket> {
  const gw: Gateway = s.gw;
  const device = { ...gw.site.devices[0]!, location: { ...gw.site.devices[0]!.location, unit: '2304', publicArea: false } };
  const t = await gw.tickets.raise({ fault: 'drain-blocked', device, tier: 'general', skill: 'plumbing', title: { zh: '户内排水堵塞', en: 'Drain blocked in a flat' }, description: { zh: '排水堵塞', en: 'Drain blocked' }, publicArea: false });
  for (const step of ['take', 'arrive']) expect((await s.api('POST', `/api/tickets/${t.id}/${step}`, 'engineer2', {})).status).toBe(200);
  const done = await s.api('POST', `/api/tickets/${t.id}/resolve`, 'engineer2', { note: '疏通下水', cause: '头发堵塞', action: '疏通', materials: [{ name: '疏通剂', quantity: 1, unit: '瓶' }] });
  expect(done.status).toBe(200);
  return done.body.ticket!;
}

describe('the callback to the owner after an in-unit repair (回访)', () => {
  it('falls due within 24 h of the repair, is listed for the desk, and is recorded call by call: a try, then the owner reached with their satisfaction', async () => {
    const s = await repairSite();
    const t = await repairedInUnit(s);
    const resolvedAt = Date.parse(t.history.at(-1)!.at);
    expect(t.callback).toEqual({ state: 'due', dueBy: new Date(resolvedAt + 24 * 3_600_000).toISOString(), calls: [], overdueTold: false });
    const listed = await s.api('GET', '/api/tickets?status=callback&evidence=false', 'desk');
    expect((listed.body['tickets'] as Ticket[]).map((x) => x.id)).toEqual([t.id]);
    const today = await s.api('GET', '/api/reports/daily', 'desk');
    expect([(today.body['callbacksDue'] as { id: string }[]).map((x) => x.id), today.body['callbacksOverdue']]).toEqual([[t.id], []]);

    expect((await s.api('POST', `/api/tickets/${t.id}/callback`, 'engineer', { reached: true })).status).toBe(403);
    const confused = await s.api('POST', `/api/tickets/${t.id}/callback`, 'desk', { reached: false, satisfaction: 3 });
    expect(confused).toMatchObject({ status: 400, body: { error: { message: 'body.satisfaction: only a call that reached the owner says it' } } });
    expect((await s.api('POST', `/api/tickets/${t.id}/callback`, 'desk', { reached: true, satisfaction: 6 })).status).toBe(400);

    const tried = await s.api('POST', `/api/tickets/${t.id}/callback`, 'desk', { reached: false, words: '无人接听' });
    expect(tried.body.ticket?.callback).toMatchObject({ state: 'due', calls: [{ reached: false, by: `user:${STAFF.desk.id}`, words: '无人接听' }] });
    expect(tried.body.ticket?.history.at(-1)).toMatchObject({ action: 'callback', note: '回访未接通（第 1 次）：无人接听 / callback: owner not reached (try 1): 无人接听' });
    const reached = await s.api('POST', `/api/tickets/${t.id}/callback`, 'desk', { reached: true, satisfaction: 4, words: '师傅很准时' });
    expect(reached.status).toBe(200);
    expect(reached.body.ticket?.callback).toMatchObject({ state: 'done', calls: [{ reached: false }, { reached: true, satisfaction: 4, words: '师傅很准时', fixed: true }] });
    expect(reached.body.ticket?.status).toBe('resolved');
    expect(reached.body.ticket?.history.at(-1)?.note).toBe('回访完成，满意度 4/5：师傅很准时 / callback done, satisfaction 4/5: 师傅很准时');
    const again = await s.api('POST', `/api/tickets/${t.id}/callback`, 'supervisor', { reached: true, satisfaction: 5 });
    expect(again).toMatchObject({ status: 409, body: { error: { message: expect.stringContaining('the callback of this repair is recorded already') } } });
    expect(((await s.api('GET', '/api/tickets?status=callback', 'desk')).body['tickets'] as Ticket[]).map((x) => x.id)).toEqual([]);
    // The month's figures: the callback rate, the owners' satisfaction, repairs right the first time; the CSV has the details.
    const month = await s.api('GET', '/api/reports/monthly', 'supervisor');
    expect(month.body['stats']).toMatchObject({
      callbacks: { owed: 1, onTime: 1, late: 0, missing: 0, rate: 1, satisfaction: { rated: 1, satisfied: 1, share: 1 } },
      firstTimeFix: { repaired: 1, firstTime: 1, rate: 1 },
      offSite: 0,
      retiered: 0,
    });
    const csv = await (await fetch(`${s.gw.httpUrl()}/api/reports/monthly.csv`, { headers: { authorization: `Bearer ${STAFF.supervisor.token}` } })).text();
    const [header, row] = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    const cell = (name: string): string | undefined => row?.split(',')[header?.split(',').indexOf(name) ?? -1];
    expect([cell('cause'), cell('action'), cell('materials'), cell('callback'), cell('satisfaction')]).toEqual(['头发堵塞', '疏通', '疏通剂 1 瓶', 'done', '4']);
    // The central service has the call with the ticket.
    await vi.waitFor(() => expect(s.central.ticket(t.id)?.['callback']).toMatchObject({ state: 'done', calls: [{ reached: false }, { reached: true, satisfaction: 4 }] }));
  });

  it('refuses a call on a public-area repair or one not done yet, with the reason', async () => {
    const s = await repairSite();
    const open = await s.gw.tickets.raise({ fault: 'drain-blocked', device: { ...s.gw.site.devices[0]!, location: { ...s.gw.site.devices[0]!.location, publicArea: false } }, tier: 'general', skill: 'plumbing', title: { zh: '排水', en: 'Drain' }, description: { zh: '排水', en: 'Drain' }, publicArea: false });
    expect((await s.api('POST', `/api/tickets/${open.id}/callback`, 'desk', { reached: true })).body.error?.message).toContain('the repair is not done yet (raised): the callback follows it');
    const pub = await s.gw.tickets.raise({ fault: 'drain-blocked', device: s.gw.site.devices[0]!, tier: 'general', skill: 'plumbing', title: { zh: '排水', en: 'Drain' }, description: { zh: '排水', en: 'Drain' }, publicArea: true });
    expect((await s.api('POST', `/api/tickets/${pub.id}/callback`, 'desk', { reached: true })).body.error?.message).toContain('a public-area repair is re-checked by a patrol, not called back');
    expect((await s.api('POST', '/api/tickets/no-such-ticket/callback', 'desk', { reached: true })).status).toBe(404);
  });

  it('reopens a resolved repair the owner says is not fixed, telling the team why; a closed one gets a new repair, a repeat of it', async () => {
    const s = await repairSite();
    const t = await repairedInUnit(s);
    const notFixed = await s.api('POST', `/api/tickets/${t.id}/callback`, 'desk', { reached: true, satisfaction: 2, words: '还是堵', fixed: false });
    expect(notFixed.body.ticket).toMatchObject({ status: 'reopened', assignee: null, callback: { state: 'done', calls: [{ reached: true, satisfaction: 2, fixed: false }] } });
    await vi.waitFor(() => expect(s.alerts().filter((a) => a.kind === 'reopened' && a.ticketId === t.id)).toHaveLength(1));
    const alert = s.alerts().find((a) => a.kind === 'reopened' && a.ticketId === t.id)!;
    expect(alert.reopenedBy).toBe('callback');
    expect(alert.text.split('\n')[0]).toBe('【一般·回访未修好】户内排水堵塞');
    expect(alert.text).toContain('回访：业主反映未修好，满意度 2/5：还是堵');
    // Repaired again: a new callback falls due for the new repair.
    for (const step of ['take', 'arrive']) await s.api('POST', `/api/tickets/${t.id}/${step}`, 'engineer', {});
    const second = await s.api('POST', `/api/tickets/${t.id}/resolve`, 'engineer', { note: '更换存水弯' });
    expect(second.body.ticket?.callback).toMatchObject({ state: 'due', calls: [] });

    // Closed by central before the call: the owner's "not fixed" raises a new repair of it.
    s.central.setStatus(t.id, 'closed');
    await vi.waitFor(() => expect(s.gw.tickets.get(t.id)?.status).toBe('closed'));
    const closedCall = await s.api('POST', `/api/tickets/${t.id}/callback`, 'desk', { reached: true, satisfaction: 1, words: '又堵了', fixed: false });
    expect(closedCall.status).toBe(200);
    const repair = closedCall.body['repair'] as Ticket;
    expect(repair).toMatchObject({ status: 'raised', repeatOf: t.id, rework: true, fault: t.fault, deviceId: t.deviceId, publicArea: false, reporter: { id: STAFF.desk.id, role: 'desk' } });
    expect(repair.title.zh).toBe('回访未修好：户内排水堵塞');
    expect(closedCall.body.ticket?.history.at(-1)?.note).toContain('已另开维修单');
    // Reopened once and repeated: not fixed the first time.
    expect((await s.api('GET', '/api/reports/monthly', 'supervisor')).body['stats']).toMatchObject({ firstTimeFix: { repaired: 1, firstTime: 0, rate: 0 }, callbacks: { owed: 1, onTime: 1, satisfaction: { rated: 1, satisfied: 0, share: 0 } } });
  });

  it("records the central service's own callback (contract 2.1), sent with its close", async () => {
    const s = await repairSite();
    const t = await repairedInUnit(s);
    s.central.setStatus(t.id, 'closed', undefined, '业主确认', { reached: true, satisfaction: 5, words: '满意' });
    await vi.waitFor(() => expect(s.gw.tickets.get(t.id)?.status).toBe('closed'));
    const after = s.gw.tickets.get(t.id)!;
    expect(after.callback).toMatchObject({ state: 'done', calls: [{ by: 'central', reached: true, satisfaction: 5, words: '满意', fixed: true }] });
    expect(after.history.at(-1)).toMatchObject({ actor: 'central', action: 'closed', note: "业主确认；总部回访，满意度 5/5：满意 / central's callback, satisfaction 5/5: 满意" });
    expect(s.gw.store.data.deadLetters).toEqual([]);
  });
});
