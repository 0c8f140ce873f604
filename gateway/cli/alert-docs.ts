#!/usr/bin/env node
/**
 * `npm run docs:alerts`: rewrites the examples in docs/alerts.md from the code that words the
 * alerts, so the document shows exactly what each robot receives (test/unit/notify keeps them in step).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { backWords } from '../liveness/return-report.js';
import { upsShutdownWords } from '../liveness/power-guard.js';
import { assignedFacts, escalatedFacts, raisedFacts, reopenedFacts, summaryFacts, systemFacts, type AlertFacts } from '../notify/alert-facts.js';
import { dingtalkBody, feishuBody, wecomBody } from '../notify/alert-message.js';
import { alertText, digestText, type Language } from '../notify/alert-text.js';
import { callbackOverdueFacts } from '../notify/callback-overdue.js';
import { dueWords } from '../notify/follow-up-overdue.js';
import { recheckOverdueFacts } from '../notify/recheck-overdue.js';
import type { Addressee } from '../notify/roster.js';
import type { Ticket } from '../tickets/ticket.js';

const START = '<!-- alert-examples:start -->';
const END = '<!-- alert-examples:end -->';
const TZ = 'Asia/Shanghai';
const URL = 'http://192.168.10.20:8080';
// 2026-11-27 12:01:00 in Beijing time: the examples are worded at this moment.
const RAISED = Date.UTC(2026, 10, 27, 4, 1, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

const team: Addressee = {
  level: 'team',
  name: { zh: '白班工程组', en: 'Day engineering team' },
  channels: ['wecom-day'],
  people: [{ name: '张工', mobile: '13800000001', wecomUserId: 'zhanggong', dingtalkUserId: 'ding-zhang', feishuUserId: 'ou_7d8a6e6df7621556ce0d21922b676706' }],
};
const desk: Addressee = { level: 'desk', name: { zh: '客服中心', en: 'Service desk' }, channels: ['wecom-desk'], people: [{ name: '赵客服', mobile: '13700000003' }] };
const supervisor: Addressee = { level: 'supervisor', name: { zh: '工程主管', en: 'Engineering supervisor' }, channels: ['wecom-sup'], people: [{ name: '王经理', mobile: '13900000002', feishuUserId: 'ou_1c6e8f3a2b9d4e5f60718293a4b5c6d7' }] };

function ticket(id: string, seq: number, over: Partial<Ticket>): Ticket {
  return {
    id,
    number: `SH01-20261127-${String(seq).padStart(4, '0')}`,
    siteId: 'demo-tower',
    version: 1,
    kind: 'fault',
    createdAt: iso(RAISED),
    updatedAt: iso(RAISED),
    tier: 'emergency',
    fault: 'water-leak',
    deviceId: 'leak-b1-pump-room',
    deviceName: 'B1 泵房漏水传感器',
    location: { building: 'T1', floor: 'B1', description: 'B1 生活水泵房 北墙立管旁', descriptionEn: 'B1 domestic-water pump room, north wall by the riser', publicArea: false },
    skill: 'plumbing',
    publicArea: false,
    title: { zh: '漏水：B1 泵房漏水传感器', en: 'Water leak: B1 pump room leak sensor' },
    description: { zh: '漏水传感器检测到积水', en: 'The leak sensor is wet' },
    evidence: [{ deviceId: 'leak-b1-pump-room', pointId: 'wet', samples: [{ ts: RAISED - 65_000, value: false, quality: 'good' }, { ts: RAISED - 5_000, value: true, quality: 'good' }] }],
    occurrences: [{ at: iso(RAISED) }],
    source: 'sensor',
    reporter: null,
    status: 'raised',
    verification: { state: 'pending', by: null, at: null, note: null },
    condition: 'active',
    chattering: false,
    deadlines: { acknowledgeBy: iso(RAISED + 5 * 60_000), dispatchBy: iso(RAISED + 15 * 60_000), onSiteBy: iso(RAISED + 30 * 60_000), resolveBy: iso(RAISED + 240 * 60_000) },
    parentId: null,
    childIds: [],
    repeatOf: null,
    rework: false,
    assignee: null,
    attachments: [],
    recheck: { state: 'none', dueBy: null },
    history: [],
    ...over,
  };
}

const leak = ticket('3f6c2a90-leak', 3, {});
const burst = ticket('8b1d44e2-burst', 4, {
  fault: 'burst-pipe',
  deviceId: 'pump-dw-1',
  deviceName: '生活水泵 1#',
  location: { building: 'T1', floor: 'B1', description: 'B1 生活水泵房 1# 泵', descriptionEn: 'B1 domestic-water pump room, pump 1', publicArea: false },
  title: { zh: '疑似爆管：生活水泵 1#', en: 'Suspected burst pipe: Domestic water pump 1' },
  evidence: [
    { deviceId: 'pump-dw-1', pointId: 'pressure', unit: 'bar', samples: [4.1, 4.1, 4.0, 0.6, 0.6, 0.6].map((v, i) => ({ ts: RAISED - (6 - i) * 4_000, value: v, quality: 'good' as const })) },
    { deviceId: 'pump-dw-1', pointId: 'flow', unit: 'm3/h', samples: [12, 12, 12, 12.4, 12.3, 12.2].map((v, i) => ({ ts: RAISED - (6 - i) * 4_000, value: v, quality: 'good' as const })) },
  ],
});
const children = Array.from({ length: 27 }, (_, i) =>
  ticket(`child-${i}`, 10 + i, { tier: i % 4 === 0 ? 'emergency' : 'general', location: { building: i < 15 ? 'T1' : 'T2', floor: `${(i % 9) + 1}F`, description: `${(i % 9) + 1}F 走廊`, descriptionEn: `${(i % 9) + 1}F corridor`, publicArea: true }, title: { zh: `漏水：${(i % 9) + 1}F 漏水传感器`, en: `Water leak: ${(i % 9) + 1}F leak sensor` } }),
);
const drain = ticket('5d0e11aa-drain', 5, {
  tier: 'general',
  fault: 'drain-blocked',
  deviceId: 'drain-b1',
  deviceName: 'B1 排水沟',
  title: { zh: '排水堵塞：B1 车库排水沟', en: 'Drain blocked: B1 car park drain' },
  description: { zh: '巡检发现排水沟积水不退', en: 'Water standing in the drain, found on patrol' },
  location: { building: 'T1', floor: 'B1', description: 'B1 车库 12 号车位旁排水沟', descriptionEn: 'B1 car park, the drain by bay 12', publicArea: true },
  publicArea: true,
  source: 'patrol',
  evidence: [],
  deadlines: { acknowledgeBy: iso(RAISED + 30 * 60_000), dispatchBy: iso(RAISED + 120 * 60_000), onSiteBy: iso(RAISED + 15 * 60_000), resolveBy: iso(RAISED + 1440 * 60_000) },
});
// A public-area repair resolved three days ago by 张工, whose re-check was due at 12:00 today.
const repaired = ticket('5a7e91c3-recheck', 7, {
  number: 'SH01-20261124-0007',
  createdAt: iso(RAISED - 72 * 3_600_000 - 40 * 60_000),
  tier: 'general',
  fault: 'pipe-damage',
  deviceId: 'riser-12f',
  deviceName: '12 层东侧管井',
  location: { building: 'T1', floor: '12F', description: '12F 东侧管井', descriptionEn: '12F east riser shaft', publicArea: true },
  publicArea: true,
  title: { zh: '管道渗漏：12 层东侧管井', en: 'Pipe leak: 12F east riser shaft' },
  evidence: [],
  status: 'resolved',
  assignee: '张工',
  recheck: { state: 'due', dueBy: iso(RAISED - 60_000) },
});
// An in-unit repair resolved yesterday by 张工, whose owner nobody reached by 11:40 today.
const inUnit = ticket('3f1b2c4d-callback', 4, {
  number: 'SH01-20261126-0004',
  createdAt: iso(RAISED - 26 * 3_600_000),
  tier: 'general',
  fault: 'water-leak',
  deviceId: 'leak-2304',
  deviceName: '2304 厨房漏水传感器',
  location: { building: 'T2', floor: '23F', unit: '2304', description: '2304 室厨房', descriptionEn: 'Flat 2304 kitchen', publicArea: false },
  publicArea: false,
  title: { zh: '户内漏水：2304 室厨房', en: 'Water leak: flat 2304 kitchen' },
  evidence: [],
  status: 'resolved',
  assignee: '张工',
  callback: { state: 'due', dueBy: iso(RAISED - 21 * 60_000), calls: [{ at: iso(RAISED - 3 * 3_600_000), by: 'user:d-zhao', reached: false, words: null }], overdueTold: false },
});
const notFixed = '回访：业主反映未修好，满意度 2/5：厨房地面仍有水 / callback: the owner says it is not fixed, satisfaction 2/5: the kitchen floor is still wet';
const flood = ticket('c0ffee00-flood', 9, { kind: 'incident', fault: 'alarm-flood', deviceId: 'demo-tower', title: { zh: '告警泛滥：演示大厦', en: 'Alarm flood: Demo Tower' }, evidence: [], childIds: children.map((c) => c.id) });

// The gateway itself: back after a crash at 11:49 with the leak raised at start, and its own UPS running low.
const back = backWords({ from: RAISED - 12 * 60_000, to: RAISED - 30_000, cause: { kind: 'crash' } }, [leak], [], RAISED, TZ);
const ups = upsShutdownWords({ deviceId: 'ups-b1-it', name: { zh: 'B1 弱电机房 UPS', en: 'B1 IT room UPS' }, shutdownAtMinutes: 5 }, { runtimeMinutes: 4, chargePercent: 12, batteryStatus: 'low' }, 1);
const SITE = '演示大厦 Demo Tower';

const EXAMPLES: { title: string; facts: AlertFacts; at: number }[] = [
  { title: 'A water leak (raised)', facts: raisedFacts(leak, team, URL), at: RAISED },
  { title: 'A burst pipe with its pressure (raised)', facts: raisedFacts(burst, team, URL), at: RAISED },
  { title: 'Nobody took the leak in 5 minutes (escalated)', facts: escalatedFacts(leak, team, supervisor, 'acknowledgeBy', 5, URL), at: RAISED + 5 * 60_000 },
  { title: 'A public-area repair nobody re-checked in time (recheck-overdue, to the team on duty, once)', facts: recheckOverdueFacts(repaired, team, dueWords(repaired.recheck.dueBy ?? '', TZ), URL), at: RAISED },
  { title: 'The supervisor assigned a repair to an engineer (assigned, to that engineer by name)', facts: assignedFacts(drain, { ...team, name: { zh: '张工', en: '张工' }, people: team.people }, { zh: '王经理 派工给 张工', en: '王经理 assigned it to 张工' }, URL), at: RAISED + 6 * 60_000 },
  { title: 'An owner nobody called back in time (callback-overdue, to the desk, once)', facts: callbackOverdueFacts(inUnit, desk, dueWords(inUnit.callback?.dueBy ?? '', TZ), URL), at: RAISED },
  { title: 'The owner says on the callback it is not fixed (reopened, to the team)', facts: reopenedFacts({ ...inUnit, status: 'reopened' }, team, 'callback', notFixed, URL), at: RAISED },
  { title: 'A flood: 27 alarms in one incident (summary)', facts: summaryFacts(flood, children, team, URL), at: RAISED },
  { title: 'Nobody took a general order in 5 minutes (the grab rule: the supervisor assigns it)', facts: escalatedFacts(drain, team, supervisor, 'grab', 5, URL), at: RAISED + 5 * 60_000 },
  { title: 'The central service reopened the repair (the owner says it still leaks)', facts: reopenedFacts(leak, team, 'central', '业主反映仍在漏水', URL), at: RAISED },
  { title: 'A re-check failed (reopened by the patrol)', facts: reopenedFacts(leak, team, 'recheck', '仍在渗水', URL), at: RAISED },
  { title: 'The gateway is back after a crash (system, alerts/system and every channel)', facts: systemFacts('GW_BACK', back.title, back.detail, SITE, URL), at: RAISED },
  { title: "The gateway's own UPS runs low: it stops (system, its last alert)", facts: systemFacts('GW_UPS_SHUTDOWN', ups.title, ups.detail, SITE, URL), at: RAISED },
];

function fence(lang: string, body: string): string {
  return `\`\`\`${lang}\n${body}\n\`\`\``;
}

function examples(): string {
  const out: string[] = [];
  const platforms: { name: string; lang: Language; body: (f: AlertFacts, at: number) => unknown }[] = [
    { name: 'WeCom (企业微信), zh-CN', lang: 'zh-CN', body: (f, at) => wecomBody(alertText(f, at, TZ, 'zh-CN'), f.to?.mention ?? null, 'zh-CN') },
    { name: 'DingTalk (钉钉), zh-CN', lang: 'zh-CN', body: (f, at) => dingtalkBody(alertText(f, at, TZ, 'zh-CN'), f.to?.mention ?? null, 'zh-CN') },
    { name: 'Feishu (飞书), en', lang: 'en', body: (f, at) => feishuBody(alertText(f, at, TZ, 'en'), f.to?.mention ?? null, 'en', f.tier) },
  ];
  for (const e of EXAMPLES) {
    out.push(`### ${e.title}`, '');
    for (const p of platforms) {
      const t = alertText(e.facts, e.at, TZ, p.lang);
      out.push(`${p.name}: the alert in words`, '', fence('text', [t.head, ...t.lines, t.link].join('\n')), '', 'and the request body the robot receives', '', fence('json', JSON.stringify(p.body(e.facts, e.at), null, 2)), '');
    }
  }
  const digest = digestText([raisedFacts(leak, team, URL), raisedFacts(burst, team, URL), summaryFacts(flood, children, team, URL)], RAISED + 60_000, TZ, 'zh-CN', `${URL}/engineering`);
  out.push('### Over a robot\'s rate limit: a digest', '', fence('text', [digest.head, ...digest.lines, digest.link].join('\n')), '');
  return out.join('\n');
}

export function withAlertExamples(doc: string): string {
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error('docs/alerts.md has no alert-examples markers');
  return `${doc.slice(0, a + START.length)}\n${examples()}\n${doc.slice(b)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2] ?? 'docs/alerts.md';
  await writeFile(file, withAlertExamples(await readFile(file, 'utf8')));
}
