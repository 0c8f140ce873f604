import { describe, expect, it, vi } from 'vitest';
import { pngPhoto } from '../../../simulators/photos/png-photo.js';
import { raiseTicket as raise, repairSite as setup } from '../../helpers/repair-site.js';
import { STAFF, bearer } from '../../helpers/staff.js';

describe("the supervisor's work on the gateway", () => {
  it('assigns a repair nobody took to an engineer, who is alerted by name and @-mentioned; only they take it; giving it to another needs a reason', async () => {
    const s = await setup();
    const t = await raise(s.gw);
    expect((await s.api('GET', '/api/engineers', 'engineer')).status).toBe(403);
    const engineers = (await s.api('GET', '/api/engineers', 'supervisor')).body['engineers'] as { id: string }[];
    expect(engineers.map((e) => e.id)).toEqual([STAFF.engineer.id, STAFF.engineer2.id, STAFF.supervisor.id]);
    expect((await s.api('POST', `/api/tickets/${t.id}/assign`, 'engineer', { engineerId: STAFF.engineer2.id })).status).toBe(403);
    expect((await s.api('POST', `/api/tickets/${t.id}/assign`, 'supervisor', { engineerId: STAFF.patrol.id })).status).toBe(400);
    const assigned = await s.api('POST', `/api/tickets/${t.id}/assign`, 'supervisor', { engineerId: STAFF.engineer2.id });
    expect(assigned.status).toBe(200);
    expect(assigned.body.ticket).toMatchObject({ assignee: STAFF.engineer2.name, assigneeId: STAFF.engineer2.id, status: 'raised' });
    expect(assigned.body.ticket?.history.at(-1)).toMatchObject({ action: 'assigned', actor: `user:${STAFF.supervisor.id}`, note: `钱主管 派工给 周工 / 钱主管 assigned it to 周工` });
    await vi.waitFor(() => expect(s.alerts().filter((a) => a.kind === 'assigned')).toHaveLength(1));
    const alert = s.alerts().find((a) => a.kind === 'assigned');
    expect(alert?.text.split('\n')[0]).toBe('【一般·派工】排水堵塞');
    expect(alert?.text).toContain('钱主管 派工给 周工');
    expect(alert?.to?.mention.mobiles).toEqual(['13800000002']);
    // The take follows as usual, by the engineer it was given to.
    const other = await s.api('POST', `/api/tickets/${t.id}/take`, 'engineer', {});
    expect(other).toMatchObject({ status: 409, body: { error: { message: expect.stringContaining('assigned to 周工 by the supervisor') } } });
    expect((await s.api('POST', `/api/tickets/${t.id}/take`, 'engineer2', {})).body.ticket).toMatchObject({ status: 'acknowledged', assignee: STAFF.engineer2.name });
    const noReason = await s.api('POST', `/api/tickets/${t.id}/assign`, 'supervisor', { engineerId: STAFF.engineer.id });
    expect(noReason).toMatchObject({ status: 409, body: { error: { message: expect.stringContaining('say why it goes to 李工') } } });
    const again = await s.api('POST', `/api/tickets/${t.id}/assign`, 'supervisor', { engineerId: STAFF.engineer.id, reason: '周工去 T2 抢修' });
    expect(again.body.ticket?.history.at(-1)?.note).toContain('钱主管 派工给 李工（原 周工）：周工去 T2 抢修');
    // Central hears the assignment with the ticket.
    await vi.waitFor(() => expect(s.central.ticket(t.id)?.['assignee']).toBe(STAFF.engineer.name));
  });

  it('changes the tier after the survey with a reason: deadlines stamped again from the raise, in the history and at central', async () => {
    const s = await setup();
    const t = await raise(s.gw, 'general');
    expect((await s.api('POST', `/api/tickets/${t.id}/retier`, 'patrol', { tier: 'emergency', reason: 'x' })).status).toBe(403);
    expect((await s.api('POST', `/api/tickets/${t.id}/retier`, 'engineer', { reason: '没有变化' })).status).toBe(400);
    const up = await s.api('POST', `/api/tickets/${t.id}/retier`, 'engineer', { tier: 'emergency', complexity: 'complex', reason: '现场勘查：主管道破裂' });
    expect(up.status).toBe(200);
    const raised = Date.parse(t.createdAt);
    expect(up.body.ticket).toMatchObject({ tier: 'emergency', complexity: 'complex', deadlines: { acknowledgeBy: new Date(raised + 5 * 60_000).toISOString(), resolveBy: new Date(raised + 240 * 60_000).toISOString() } });
    expect(up.body.ticket?.history.at(-1)).toMatchObject({ action: 'retiered', note: '级别 一般 → 紧急，难度 未定 → 复杂：现场勘查：主管道破裂 / tier general -> emergency, complexity unset -> complex: 现场勘查：主管道破裂' });
    expect((await s.api('POST', `/api/tickets/${t.id}/retier`, 'supervisor', { tier: 'emergency', reason: '同上' })).status).toBe(409);
    await vi.waitFor(() => expect(s.central.ticket(t.id)).toMatchObject({ tier: 'emergency', complexity: 'complex' }));
  });

  it("takes a found fault from any member of staff, flagged by role", async () => {
    const s = await setup();
    const url = s.gw.httpUrl() ?? '';
    const photo = (await (await fetch(`${url}/api/attachments`, { method: 'POST', headers: { ...bearer('desk'), 'content-type': 'image/png' }, body: pngPhoto(32, 32) })).json()) as { attachment: { id: string } };
    const made = await s.api('POST', '/api/tickets', 'desk', { deviceId: 'leak-1', fault: 'water-leak', publicArea: true, photos: [photo.attachment.id], note: '业主来电说泵房有水' });
    expect(made.status).toBe(201);
    expect(made.body.ticket).toMatchObject({ source: 'patrol', reporter: { id: STAFF.desk.id, role: 'desk' } });
    expect(made.body.ticket?.title.zh).toMatch(/^员工上报（客服）/);
    expect(made.body.ticket?.history[0]?.note).toBe('员工上报 / reported by staff (desk)');
  });
});
