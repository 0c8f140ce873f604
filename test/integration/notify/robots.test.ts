import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createFaultPipeline } from '../../../gateway/alarms/index.js';
import { ManualClock, systemClock } from '../../../core/clock.js';
import type { SiteConfig, SiteFileInput } from '../../../gateway/config/site-schema.js';
import { silentLogger, type Logger } from '../../../core/log.js';
import { createNotifier } from '../../../gateway/notify/index.js';
import { FileStore } from '../../../gateway/store/store.js';
import { TicketService } from '../../../gateway/tickets/ticket-service.js';
import type { Ticket } from '../../../gateway/tickets/ticket.js';
import { captureLog } from '../../helpers/capture-log.js';
import { ROBOT_SECRETS, readText, robotStandIn, type RobotMessage, type RobotStandIn } from '../../helpers/robot-stand-in.js';
import { freePort } from '../../../simulators/free-port.js';
import { testSite } from '../../helpers/site.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { webhookServer } from '../../helpers/webhook-server.js';

const S = 1000;
const MIN = 60 * S;
// 10:00 in Asia/Shanghai.
const DAY = Date.UTC(2026, 0, 5, 2, 0, 0);

const ZHANG = { name: '张工', mobile: '13800000001', wecomUserId: 'zhanggong', dingtalkUserId: 'ding-zhang', feishuUserId: 'ou_zhang' };
const WANG = { name: '王经理', mobile: '13900000002', wecomUserId: 'wangjl', feishuUserId: 'ou_wang' };

const LEAK = (id: string, building: string, floor: string): NonNullable<SiteFileInput['devices']>[number] => ({
  id,
  kind: 'leak-sensor',
  name: `${floor} 漏水传感器`,
  nameEn: `${floor} leak sensor`,
  location: { building, floor, description: `${floor} 泵房`, descriptionEn: `${floor} pump room` },
  faults: { 'water-leak': { onDelaySeconds: 5 } },
  source: { protocol: 'mqtt', username: id, password: { value: `pw-${id}` }, points: [{ id: 'wet' }] },
});

const PUMP: NonNullable<SiteFileInput['devices']>[number] = {
  id: 'pump-1',
  kind: 'pump',
  name: '生活水泵 1#',
  nameEn: 'Domestic pump 1',
  supply: 'domestic',
  location: { building: 'T1', floor: 'B1', description: 'B1 生活水泵房', descriptionEn: 'B1 domestic-water pump room' },
  // Readings come from the test, not a poll: no device-offline ticket while it is quiet.
  faults: { 'device-offline': false },
  source: {
    protocol: 'modbus',
    transport: { type: 'tcp', host: '127.0.0.1', port: 5020 },
    points: [
      { id: 'runCommand', table: 'coil', address: 0, type: 'bool' },
      { id: 'running', table: 'discrete-input', address: 0, type: 'bool' },
      { id: 'faultCode', table: 'holding-register', address: 0, type: 'uint16' },
      { id: 'pressure', table: 'input-register', address: 0, type: 'float32', unit: 'bar' },
      { id: 'flow', table: 'input-register', address: 2, type: 'float32', unit: 'm3/h' },
    ],
  },
};

interface Setup {
  readonly clock: ManualClock;
  readonly robots: RobotStandIn;
  readonly site: SiteConfig;
  readonly tickets: TicketService;
  readonly notifier: ReturnType<typeof createNotifier>;
  read(deviceId: string, pointId: string, value: number | boolean): void;
  idle(): Promise<void>;
  messages(robot?: string): RobotMessage[];
}

/**
 * A site whose plumbing team on the day shift is reached on three group robots (WeCom and DingTalk
 * in Chinese, Feishu in English), its supervisor on a fourth; readings go through the real
 * detection and alarms on a manual clock, alerts through the real notifier to a robot stand-in.
 */
async function setup(more: { devices?: SiteFileInput['devices']; log?: Logger; clock?: ManualClock; people?: boolean; downWebhook?: boolean } = {}): Promise<Setup> {
  const clock = more.clock ?? new ManualClock(DAY);
  const robots = await robotStandIn({ now: () => clock.now() });
  // A fourth channel of the day team that nobody answers (a closed port): what it has stays pending.
  const down = more.downWebhook === true ? [{ id: 'sms-day', type: 'webhook' as const, url: { value: `http://127.0.0.1:${await freePort()}/sms` } }] : [];
  const site = testSite({
    http: { host: '127.0.0.1', port: 8080, publicUrl: 'https://gw.site.lan' },
    devices: more.devices ?? [LEAK('leak-1', 'T1', 'B1'), PUMP],
    notify: {
      channels: [
        { id: 'wecom-day', type: 'wecom', url: { value: robots.url('wecom', 'day') } },
        { id: 'ding-day', type: 'dingtalk', url: { value: robots.url('dingtalk', 'day') }, secret: { value: ROBOT_SECRETS.dingtalk } },
        { id: 'feishu-day', type: 'feishu', language: 'en', url: { value: robots.url('feishu', 'day') }, secret: { value: ROBOT_SECRETS.feishu } },
        { id: 'wecom-sup', type: 'wecom', url: { value: robots.url('wecom', 'supervisor') } },
        ...down,
      ],
      roster: {
        teams: [{ id: 'day-plumbing', name: { zh: '白班水电组', en: 'Day plumbing team' }, shift: 'day', skills: ['plumbing', 'iot', 'general'], channels: ['wecom-day', 'ding-day', 'feishu-day', ...down.map((c) => c.id)], members: more.people === false ? [] : [ZHANG] }],
        supervisor: { name: { zh: '工程主管', en: 'Engineering supervisor' }, channels: ['wecom-sup'], people: more.people === false ? [] : [WANG] },
      },
    },
  });
  const store = await FileStore.open({ dataDir: await tempDir(), clock: systemClock, log: silentLogger() });
  const log = more.log ?? silentLogger();
  const tickets = await TicketService.open({ store, site, clock, log });
  const pipeline = createFaultPipeline({ site, store, tickets, clock, log });
  const notifier = createNotifier({ site, tickets, store, clock, log });
  pipeline.start();
  await notifier.start();
  onTestFinished(async () => {
    await notifier.stop();
    await pipeline.stop();
    await store.close();
  });
  return {
    clock,
    robots,
    site,
    tickets,
    notifier,
    read: (deviceId, pointId, value) => pipeline.ingest({ deviceId, pointId, value, quality: 'good', ts: clock.now() }),
    idle: () => pipeline.idle(),
    messages: (robot) => robots.received.filter((m) => robot === undefined || m.robot === robot),
  };
}

/** A leak: dry, then wet for the 5 s on-delay. */
async function leak(s: Setup, id = 'leak-1'): Promise<Ticket> {
  s.read(id, 'wet', false);
  s.clock.advance(10 * S);
  s.read(id, 'wet', true);
  s.clock.advance(5 * S);
  await s.idle();
  const t = s.tickets.all().find((x) => x.deviceId === id && x.fault === 'water-leak');
  if (t === undefined) throw new Error('no leak ticket');
  return t;
}

/** Eight leak sensors in T1 and six in T2, for a flood. */
const FLOOD_DEVICES = [...Array.from({ length: 8 }, (_, i) => LEAK(`t1-leak-${i}`, 'T1', `${i + 1}F`)), ...Array.from({ length: 6 }, (_, i) => LEAK(`t2-leak-${i}`, 'T2', `${i + 1}F`))];

/** Twelve alarms within seconds (the eleventh starts a flood: more than 10 in 10 min), until WeCom has the flood's first summary. */
async function floodOfTwelve(s: Setup): Promise<{ incident: Ticket; summaries: () => RobotMessage[] }> {
  for (const d of FLOOD_DEVICES.slice(0, 12)) s.read(d.id, 'wet', true);
  s.clock.advance(5 * S);
  await s.idle();
  const incident = s.tickets.all().find((t) => t.kind === 'incident');
  expect(incident).toBeDefined();
  const number = incident?.number ?? '';
  const summaries = (): RobotMessage[] => s.messages('day').filter((m) => m.platform === 'wecom' && readText(m).includes(number));
  await vi.waitFor(() => expect(summaries()).toHaveLength(1));
  // The stand-in has the summary as the request arrives; the notifier takes the delivery when the
  // answer is back. Waited for, or the 35 s the test moves the manual clock next can time out a
  // request still in flight (20 s per attempt), and WeCom would be left in backoff on a clock that
  // does not move again: a test of timing, not of the summaries (it failed so on a busy machine).
  await vi.waitFor(() => expect(s.notifier.status().find((c) => c.channel === 'wecom-day')?.pending).toBe(0), { timeout: 10_000 });
  return { incident: incident!, summaries };
}

/** The last two sensors get wet (the incident groups fourteen), then the summary interval passes. */
async function floodGrowsToFourteen(s: Setup, incident: Ticket): Promise<void> {
  for (const d of FLOOD_DEVICES.slice(12)) s.read(d.id, 'wet', true);
  s.clock.advance(5 * S);
  await s.idle();
  expect(s.tickets.get(incident.id)?.childIds).toHaveLength(14);
  s.clock.advance(30 * S);
}

const byPlatform = (s: Setup, robot: string, platform: RobotMessage['platform'], ticket: Ticket): RobotMessage | undefined =>
  s.messages(robot).find((m) => m.platform === platform && readText(m).includes(ticket.number));

describe('alerts on the group robots', () => {
  it('says a leak in one language, tier first, where, the reading and what it was, the deadline in local time with the time left, and @-mentions the engineer on duty', async () => {
    const s = await setup();
    const t = await leak(s);
    await vi.waitFor(() => expect(s.messages('day').map((m) => m.platform).sort()).toEqual(['dingtalk', 'feishu', 'wecom']));

    const wecom = byPlatform(s, 'day', 'wecom', t)!;
    expect(wecom.body).toMatchObject({ msgtype: 'text', text: { mentioned_mobile_list: ['13800000001'], mentioned_list: ['zhanggong'] } });
    expect(readText(wecom).split('\n')).toEqual([
      '【紧急】漏水：B1 漏水传感器',
      'T1｜B1 泵房',
      '积水 有，10 秒前 无',
      '10:05 前接单（还剩 5 分钟）',
      `工单 ${t.number} · 通知：白班水电组`,
      `查看工单：https://gw.site.lan/tickets/${t.id}`,
    ]);

    const ding = byPlatform(s, 'day', 'dingtalk', t)!;
    expect(ding.body).toMatchObject({ msgtype: 'markdown', markdown: { title: '【紧急】漏水：B1 漏水传感器' }, at: { atMobiles: ['13800000001'], atUserIds: ['ding-zhang'], isAtAll: false } });
    // DingTalk shows a mention only when the text carries it too.
    expect(readText(ding)).toContain('@13800000001');
    expect(readText(ding)).toContain('- 10:05 前接单（还剩 5 分钟）');

    const feishu = byPlatform(s, 'day', 'feishu', t)!;
    expect(readText(feishu).split('\n')).toEqual([
      '[EMERGENCY] Water leak: B1 leak sensor',
      'T1｜B1 pump room',
      'Water present, none 10 s before',
      'Acknowledge by 10:05 (5 min left)',
      `Ticket ${t.number} · To: Day plumbing team`,
      '<at id=ou_zhang></at>',
    ]);
    // One language per channel: nothing English in the Chinese ones, nothing Chinese in the English one but names.
    for (const m of [wecom, ding]) expect(readText(m)).not.toMatch(/Acknowledge|Water|EMERGENCY/);
    expect(readText(feishu).replace(t.number, '')).not.toMatch(/[\u4e00-\u9fff]/);
    // Never ISO or UTC time in what a person reads.
    for (const m of s.robots.received) expect(readText(m)).not.toMatch(/\d{4}-\d{2}-\d{2}T|Z\b|UTC/);
  });

  it("says a burst pipe's pressure now and before it fell", async () => {
    const s = await setup();
    const pump = (pressure: number, flow: number): void => {
      for (const [p, v] of [['runCommand', true], ['running', true], ['faultCode', 0], ['pressure', pressure], ['flow', flow]] as const) s.read('pump-1', p, v);
      s.clock.advance(S);
    };
    for (let i = 0; i < 15; i++) pump(4.1, 12);
    for (let i = 0; i < 12; i++) pump(0.6, 12);
    await s.idle();
    const t = s.tickets.all().find((x) => x.fault === 'burst-pipe')!;
    expect(t).toBeDefined();
    // Each robot is its own channel: both messages are waited for, not the first alone.
    await vi.waitFor(() => {
      expect(byPlatform(s, 'day', 'wecom', t)).toBeDefined();
      expect(byPlatform(s, 'day', 'feishu', t)).toBeDefined();
    });
    const lines = readText(byPlatform(s, 'day', 'wecom', t)!).split('\n');
    expect(lines[0]).toBe('【紧急】疑似爆管：生活水泵 1#');
    expect(lines[1]).toBe('T1｜B1 生活水泵房');
    expect(lines[2]).toMatch(/^压力 0\.6 bar，1[0-2] 秒前 4\.1 bar$/);
    expect(lines[3]).toBe('10:05 前接单（还剩 5 分钟）');
    const en = readText(byPlatform(s, 'day', 'feishu', t)!).split('\n');
    expect(en[2]).toMatch(/^Pressure 0\.6 bar, 4\.1 bar 1[0-2] s before$/);
  });

  it('tells the supervisor who did not take the ticket in time, and @-mentions the supervisor', async () => {
    const s = await setup();
    const t = await leak(s);
    s.clock.advance(5 * MIN);
    await vi.waitFor(() => expect(s.messages('supervisor')).toHaveLength(1));
    const m = s.messages('supervisor')[0]!;
    expect(m.body).toMatchObject({ text: { mentioned_mobile_list: ['13900000002'], mentioned_list: ['wangjl'] } });
    expect(readText(m).split('\n')).toEqual([
      '【紧急·升级】漏水：B1 漏水传感器',
      'T1｜B1 泵房',
      '白班水电组 张工 未在 5 分钟内接单，已升级给 工程主管 王经理',
      '积水 有，10 秒前 无',
      '10:05 前接单（已超时 不到 1 分钟）',
      `工单 ${t.number} · 通知：工程主管`,
      `查看工单：https://gw.site.lan/tickets/${t.id}`,
    ]);
    expect(s.tickets.get(t.id)?.history.at(-1)?.note).toBe('白班水电组 张工 未在 5 分钟内接单，已升级给 工程主管 王经理 / Day plumbing team 张工 did not take the repair within 5 min: escalated to Engineering supervisor 王经理');
  });

  it('@-mentions everyone for an emergency when nobody specific is on duty', async () => {
    const s = await setup({ people: false });
    const t = await leak(s);
    await vi.waitFor(() => expect(s.messages('day')).toHaveLength(3));
    expect(byPlatform(s, 'day', 'wecom', t)?.body).toMatchObject({ text: { mentioned_mobile_list: ['@all'], mentioned_list: ['@all'] } });
    expect(byPlatform(s, 'day', 'dingtalk', t)?.body).toMatchObject({ at: { isAtAll: true } });
    expect(readText(byPlatform(s, 'day', 'feishu', t)!)).toContain('<at id=all></at>');
  });

  it('sends the update of a flood summary to a channel that has the first one while another channel still retries it', async () => {
    const s = await setup({ devices: FLOOD_DEVICES, downWebhook: true });
    const { incident, summaries } = await floodOfTwelve(s);
    // The SMS webhook refuses the connection: the first summary stays pending there, retried.
    await floodGrowsToFourteen(s, incident);
    // WeCom's staff are told the flood grew, although the SMS gateway still has not taken the first summary.
    await vi.waitFor(() => expect(readText(summaries().at(-1)!)).toContain('共 14 条告警已合并；按楼栋：T1 8 条，T2 6 条'), { timeout: 10_000 });
  });

  it('sends one summary for a flood, with counts per building and the emergencies named, then an update, not one message per alarm', async () => {
    const s = await setup({ devices: FLOOD_DEVICES });
    const { incident, summaries } = await floodOfTwelve(s);
    const first = readText(summaries()[0]!).split('\n');
    expect(first[0]).toBe('【紧急】告警泛滥：Test site');
    expect(first[1]).toMatch(/^共 \d+ 条告警已合并；按楼栋：T[12] \d+ 条/);
    const individual = s.messages('day').filter((m) => m.platform === 'wecom' && !readText(m).includes(incident.number)).length;
    // Two more alarms join the incident: no message each; an update once the summary interval has passed.
    await floodGrowsToFourteen(s, incident);
    await vi.waitFor(() => expect(readText(summaries().at(-1)!)).toContain('共 14 条告警已合并；按楼栋：T1 8 条，T2 6 条'), { timeout: 10_000 });
    const last = readText(summaries().at(-1)!).split('\n');
    expect(last[2]).toMatch(/^紧急 14 条：\S+-\d{4} 漏水：\dF 漏水传感器（T[12]｜\dF 泵房）；.*；等 9 条$/);
    // A handful of summaries, not a message per alarm.
    expect(summaries().length).toBeLessThanOrEqual(3);
    expect(s.messages('day').filter((m) => m.platform === 'wecom' && !readText(m).includes(incident.number))).toHaveLength(individual);
  });
});

describe('delivery that tells the truth', () => {
  it('takes a robot reply with an error code as a failure: logged with the robot\'s message, counted, retried and delivered', async () => {
    const logs = captureLog();
    const s = await setup({ log: logs.log });
    const results: { channel: string; ok: boolean }[] = [];
    s.notifier.on('alert', (a) => results.push({ channel: a.channel, ok: a.ok }));
    s.robots.failNext(1, 310000, 'keywords not in content');
    const t = await leak(s);
    await vi.waitFor(() => expect(s.robots.refused).toHaveLength(1));
    // The refused message is retried after its backoff (elapsed time on the manual clock).
    s.clock.advance(2 * S);
    await vi.waitFor(() => expect(s.messages('day')).toHaveLength(3));
    const refusedOn = s.robots.refused[0]!.platform;
    const channel = { wecom: 'wecom-day', dingtalk: 'ding-day', feishu: 'feishu-day' }[refusedOn];
    const text = logs.text();
    expect(text).toContain(`"event":"notify.attempt_failed","channel":"${channel}","number":"${t.number}"`);
    expect(text).toMatch(/robot refused the message: (errcode|code) 310000 \(keywords not in content\)/);
    expect(text).toMatch(new RegExp(`"event":"notify.sent","channel":"${channel}","number":"${t.number}".*"latencyMs":\\d+`));
    expect(results.filter((r) => r.channel === channel)).toEqual([{ channel, ok: true }]);
  });

  it('counts an alert that keeps failing as failed on /metrics terms, while still retrying it', async () => {
    const s = await setup();
    const results: { channel: string; ok: boolean }[] = [];
    s.notifier.on('alert', (a) => results.push({ channel: a.channel, ok: a.ok }));
    s.robots.failNext(100, 130101, 'send too fast');
    await leak(s);
    for (let i = 0; i < 8; i++) {
      s.clock.advance(30 * S);
      await new Promise((r) => setTimeout(r, 20));
    }
    await vi.waitFor(() => expect(results.filter((r) => !r.ok).map((r) => r.channel).sort()).toEqual(['ding-day', 'feishu-day', 'wecom-day']));
    expect(s.notifier.health().undelivered).toHaveLength(1);
  });

  it('merges what is over a robot\'s 20 messages a minute into one digest, emergencies first, and loses none', async () => {
    const s = await setup();
    const device = s.site.devices[0]!;
    const raised = await Promise.all(
      Array.from({ length: 21 }, (_, i) =>
        s.tickets.raise({ fault: i === 20 ? 'water-leak' : 'battery-low', device, tier: i === 20 ? 'emergency' : 'low', skill: 'plumbing', title: { zh: `告警 ${i}`, en: `Alert ${i}` }, description: { zh: 'x', en: 'x' } }),
      ),
    );
    await vi.waitFor(() => expect(s.messages('day').filter((m) => m.platform === 'wecom')).toHaveLength(20));
    const wecom = s.messages('day').filter((m) => m.platform === 'wecom');
    expect(s.robots.refused).toEqual([]);
    const all = wecom.map(readText).join('\n');
    for (const t of raised) expect(all).toContain(t.number);
    const digest = wecom.find((m) => readText(m).startsWith('【告警汇总】'))!;
    expect(readText(digest).split('\n')[0]).toMatch(/^【告警汇总】共 \d+ 条，紧急 \d 条（发送频率受限，已合并）$/);
    // Counted once the robot's answer is back, a moment after the robot has the message.
    await vi.waitFor(() => expect(s.notifier.status().find((c) => c.channel === 'wecom-day')).toMatchObject({ sent: 20, digests: 1, pending: 0 }));
  });

  it('sends through a webhook body template, as an SMS gateway takes it', async () => {
    const sms = await webhookServer();
    const clock = new ManualClock(DAY);
    const site = testSite({
      http: { host: '127.0.0.1', port: 8080, publicUrl: 'https://gw.site.lan' },
      notify: {
        channels: [{ id: 'sms', type: 'webhook', url: { value: `${sms.url}/sms/send` }, tiers: ['emergency'], template: { to: '{{mobiles}}', sign: '物业网关', content: '{{head}} {{body}} {{link}}' } }],
        roster: { teams: [{ id: 'night', name: { zh: '夜班', en: 'Night' }, shift: 'day', skills: ['plumbing'], channels: ['sms'], members: [ZHANG] }] },
      },
    });
    const store = await FileStore.open({ dataDir: await tempDir(), clock: systemClock, log: silentLogger() });
    onTestFinished(() => store.close());
    const tickets = await TicketService.open({ store, site, clock, log: silentLogger() });
    const notifier = createNotifier({ site, tickets, store, clock, log: silentLogger() });
    await notifier.start();
    onTestFinished(() => notifier.stop());
    const t = await tickets.raise({ fault: 'elevator-entrapment', device: site.devices[0]!, tier: 'emergency', skill: 'plumbing', title: { zh: '电梯困人：1 号梯', en: 'Entrapment: lift 1' }, description: { zh: '轿厢停在平层区外，有人', en: 'Car stopped outside a door zone, occupied' } });
    await vi.waitFor(() => expect(sms.received).toHaveLength(1));
    expect(sms.received[0]?.body).toEqual({
      to: ['13800000001'],
      sign: '物业网关',
      content: `【紧急】电梯困人：1 号梯 T1｜B1 泵房\n轿厢停在平层区外，有人\n10:05 前接单（还剩 5 分钟）\n工单 ${t.number} · 通知：夜班 https://gw.site.lan/tickets/${t.id}`,
    });
  });
});

describe('the site file', () => {
  it('refuses a robot or webhook channel without http.publicUrl, saying why', () => {
    expect(() => testSite({ notify: { channels: [{ id: 'wecom', type: 'wecom', url: { value: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x' } }] } })).toThrow(
      /http\.publicUrl: the wecom channel "wecom" sends alerts with a link to the ticket page: set http\.publicUrl/,
    );
  });

  it('refuses a webhook template that names an unknown field', () => {
    expect(() =>
      testSite({ http: { publicUrl: 'https://gw' }, notify: { channels: [{ id: 'sms', type: 'webhook', url: { value: 'http://sms' }, template: { content: '{{txt}}' } }] } }),
    ).toThrow(/unknown template fields \{\{txt\}\}; known: text, head/);
  });
});
