import { DEADLINE_STEPS, stepOwed } from '../tickets/deadlines.js';
import type { DeadlineStep, Deadlines, EscalationStage, Ticket } from '../tickets/ticket.js';
import type { Bilingual } from '../../core/vocabulary.js';
import { pointName, valueWords } from '../tickets/point-words.js';
import type { Addressee } from './roster.js';
import type { Person } from './roster-schema.js';

/**
 * What an alert is about, in facts rather than text: the channel renders it in its own language
 * and platform format at the moment it sends (alert-text.ts), so a deadline is told as "还剩 5 分钟"
 * when the message goes out, also after an outage delayed it. Kept in the store with the pending
 * alert (pending-alert.ts), so it is plain data.
 */
export interface AlertFacts {
  /**
   * raised: a new ticket; escalated: a deadline passed without its step; summary: an incident's
   * alarms; reopened: a repair back to the team; assigned: given to an engineer by the supervisor;
   * system: the gateway itself; recheck-overdue: a repair nobody re-checked in time;
   * callback-overdue: an owner nobody called back in time (follow-up-overdue.ts).
   */
  readonly kind: 'raised' | 'escalated' | 'summary' | 'reopened' | 'assigned' | 'system' | 'recheck-overdue' | 'callback-overdue';
  readonly ticketId: string;
  /** The ticket number, or the error code of a system alert. */
  readonly number: string;
  readonly tier: Ticket['tier'];
  readonly fault: string;
  readonly title: Bilingual;
  readonly where: AlertPlace | null;
  /** The reading that made the fault, and what it was before. */
  readonly reading: AlertReading | null;
  /** What was seen, in words, when no single reading tells it (an entrapment), or a system alert's message. */
  readonly detail: Bilingual | null;
  /** The first deadline whose step has not happened. */
  readonly deadline: AlertDeadline | null;
  readonly deadlines: Deadlines | null;
  readonly link: string;
  readonly to: AlertTo | null;
  readonly escalation: AlertEscalation | null;
  readonly summary: AlertSummary | null;
  /**
   * A reopen: by the central service (the owner says it still leaks), by a failed re-check, or by the
   * owner's callback (not fixed). Absent on records made before it was told apart: a re-check.
   */
  readonly reopenedBy?: ReopenCause;
  /**
   * Sent again by the gateway of a pair that took over: the old active may have delivered it
   * without recording so (docs/high-availability.md: heard twice across a failover, never zero times).
   */
  readonly resentAfterFailover?: true;
}

export type ReopenCause = 'central' | 'recheck' | 'callback';

export interface AlertPlace {
  readonly building: string;
  readonly floor: string;
  readonly place: Bilingual;
}

export interface AlertReading {
  readonly point: Bilingual;
  readonly value: Bilingual;
  readonly unit: string | null;
  readonly before: { readonly value: Bilingual; readonly secondsAgo: number } | null;
}

export type { DeadlineStep };

export interface AlertDeadline {
  readonly step: DeadlineStep;
  /** Wall time, epoch ms. */
  readonly at: number;
}

/** Who is @-mentioned, per platform; `all` when an emergency has nobody specific on duty. */
export interface AlertMention {
  readonly names: readonly string[];
  readonly mobiles: readonly string[];
  readonly wecom: readonly string[];
  readonly dingtalk: readonly string[];
  readonly feishu: readonly string[];
  readonly all: boolean;
}

export interface AlertTo {
  readonly level: string;
  readonly name: Bilingual;
  readonly mention: AlertMention;
}

/** "白班工程组 张工 未在 5 分钟内接单，已升级给 工程主管 王经理". */
export interface AlertEscalation {
  readonly missed: Bilingual;
  readonly step: EscalationStage;
  readonly minutes: number;
  readonly to: Bilingual;
}

export interface AlertSummary {
  readonly alarms: number;
  readonly byBuilding: Readonly<Record<string, number>>;
  readonly emergencies: readonly { readonly number: string; readonly title: Bilingual; readonly where: string }[];
}

/** Faults whose description says it better than any one reading (several points together, or a device's own words: "火警 3 区"). */
const TOLD_IN_WORDS = new Set([
  'elevator-entrapment',
  'elevator-out-of-service',
  // The lift events judged from several signals together (doors, motion, door zone): no one reading tells them.
  'elevator-moving-doors-open',
  'elevator-unintended-movement',
  'elevator-stopped-outside-landing',
  'elevator-door-cycling',
  'device-offline',
  'alarm-flood',
  'fire-panel-alarm',
  'fire-panel-fault',
]);

/** `T1 B1｜泵房` — or `T1｜B1 泵房` when the place already names the floor (no "B1 B1"). */
export function placeWords(p: AlertPlace, lang: 'zh' | 'en'): string {
  const place = lang === 'en' ? p.place.en : p.place.zh;
  return place.startsWith(p.floor) ? `${p.building}｜${place}` : `${p.building} ${p.floor}｜${place}`;
}

export function placeOf(t: Ticket): AlertPlace {
  const l = t.location;
  return { building: l.building, floor: l.floor, place: { zh: l.description, en: l.descriptionEn ?? l.description } };
}

/** The step a ticket waits for next (the first deadline whose step is still owed), and its deadline. */
export function nextDeadline(t: Ticket): AlertDeadline | null {
  for (const step of DEADLINE_STEPS) {
    const iso = t.deadlines[step];
    if (iso !== null && stepOwed(t, step)) return { step, at: Date.parse(iso) };
  }
  return null;
}

/**
 * The reading that made the fault: of the ticket's evidence (its last two minutes), the point that
 * moved the most (the pressure of a burst pipe, the phase that lost its voltage), its last value,
 * and the value furthest from it in that time with how long ago it was seen ("压力 0.6 bar，20 秒前
 * 4.1 bar"): what it was before the fault, not a moment inside it.
 */
export function readingOf(t: Ticket): AlertReading | null {
  if (TOLD_IN_WORDS.has(t.fault)) return null;
  let best: { change: number; reading: AlertReading } | null = null;
  for (const series of t.evidence) {
    const good = series.samples.filter((s) => s.quality === 'good');
    const last = good.at(-1);
    if (last === undefined) continue;
    let before: (typeof good)[number] | undefined;
    let change = 0;
    for (const s of good) {
      const c = changeOf(s.value, last.value);
      // Ties go to the later sample: the last time it was still like that.
      if (c > 0 && c >= change) {
        change = c;
        before = s;
      }
    }
    if (best !== null && change <= best.change) continue;
    best = {
      change,
      reading: {
        point: series.name ?? pointName(series.pointId),
        value: valueWords(series.pointId, last.value, series.states),
        unit: series.unit ?? null,
        before: before === undefined ? null : { value: valueWords(series.pointId, before.value, series.states), secondsAgo: Math.max(1, Math.round((last.ts - before.ts) / 1000)) },
      },
    };
  }
  return best?.reading ?? null;
}

function changeOf(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(b - a) / Math.max(Math.abs(a), Math.abs(b), 1);
  return a === b ? 0 : 1;
}

/** Who to @-mention: the addressee's people; everyone for an emergency that has nobody specific. */
export function mentionOf(people: readonly Person[], tier: Ticket['tier']): AlertMention {
  const pick = (f: (p: Person) => string | undefined): string[] => people.flatMap((p) => f(p) ?? []);
  const mobiles = pick((p) => p.mobile);
  const wecom = pick((p) => p.wecomUserId);
  const dingtalk = pick((p) => p.dingtalkUserId);
  const feishu = pick((p) => p.feishuUserId);
  const nobody = mobiles.length + wecom.length + dingtalk.length + feishu.length === 0;
  return { names: people.map((p) => p.name), mobiles, wecom, dingtalk, feishu, all: nobody && tier === 'emergency' };
}

export function toOf(a: Addressee, tier: Ticket['tier']): AlertTo {
  return { level: a.level, name: a.name, mention: mentionOf(a.people, tier) };
}

/** The team or level, with the people in it when named: "白班工程组 张工". */
export function whoOf(a: Addressee): Bilingual {
  const names = a.people.map((p) => p.name);
  if (names.length === 0) return a.name;
  return { zh: `${a.name.zh} ${names.join('、')}`, en: `${a.name.en} ${names.join(', ')}` };
}

export function linkOf(publicUrl: string, ticketId: string): string {
  return `${publicUrl.replace(/\/$/, '')}/tickets/${ticketId}`;
}

/** A raised ticket. */
export function raisedFacts(t: Ticket, to: Addressee, publicUrl: string): AlertFacts {
  const reading = readingOf(t);
  return {
    kind: 'raised',
    ticketId: t.id,
    number: t.number,
    tier: t.tier,
    fault: t.fault,
    title: t.title,
    where: placeOf(t),
    reading,
    detail: reading === null ? t.description : null,
    deadline: nextDeadline(t),
    deadlines: t.deadlines,
    link: linkOf(publicUrl, t.id),
    to: toOf(to, t.tier),
    escalation: null,
    summary: null,
  };
}

/** Nobody took a ticket in time: the next level, told who missed what. */
export function escalatedFacts(t: Ticket, missedBy: Addressee, to: Addressee, step: EscalationStage, minutes: number, publicUrl: string): AlertFacts {
  return {
    ...raisedFacts(t, to, publicUrl),
    kind: 'escalated',
    escalation: { missed: whoOf(missedBy), step, minutes, to: whoOf(to) },
  };
}

/**
 * A repair reopened, back to the team: by the central service (with its note: the owner says it
 * still leaks), by a failed re-check (with the patrol's reason), or by the owner on the callback
 * (their words and rating). Each worded by its cause.
 */
export function reopenedFacts(t: Ticket, to: Addressee, by: ReopenCause, reason: string | null, publicUrl: string): AlertFacts {
  const base = raisedFacts(t, to, publicUrl);
  if (by === 'callback') {
    // The history note carries both languages already: the owner's words and rating, said by the desk.
    const [zh = '', en = zh] = (reason ?? '').split(' / ');
    return { ...base, kind: 'reopened', reopenedBy: by, reading: null, detail: { zh, en } };
  }
  const words = by === 'central' ? { zh: '总部重开', en: 'Reopened by the central service' } : { zh: '复查不合格', en: 'Re-check failed' };
  return { ...base, kind: 'reopened', reopenedBy: by, reading: null, detail: reason === null ? (by === 'central' ? words : base.detail) : { zh: `${words.zh}：${reason}`, en: `${words.en}: ${reason}` } };
}

/** The supervisor gave the repair to an engineer (派工): to that engineer, by name, with who assigned it and why. */
export function assignedFacts(t: Ticket, to: Addressee, assignment: Bilingual, publicUrl: string): AlertFacts {
  return { ...raisedFacts(t, to, publicUrl), kind: 'assigned', reading: null, detail: assignment };
}

/** An incident and the alarms it groups, counted per building, the emergencies named. */
export function summaryFacts(incident: Ticket, children: readonly Ticket[], to: Addressee, publicUrl: string): AlertFacts {
  const byBuilding: Record<string, number> = {};
  for (const c of children) byBuilding[c.location.building] = (byBuilding[c.location.building] ?? 0) + 1;
  const emergencies = children.filter((c) => c.tier === 'emergency').map((c) => ({ number: c.number, title: c.title, where: placeWords(placeOf(c), 'zh') }));
  return {
    ...raisedFacts(incident, to, publicUrl),
    kind: 'summary',
    // A flood spans buildings: its summary counts them; a power board's alarms are where the board is.
    where: incident.kind === 'incident' ? null : placeOf(incident),
    reading: null,
    detail: null,
    summary: { alarms: children.length, byBuilding, emergencies },
  };
}

/** The gateway itself needs attention (the central service refuses the token, the outbox is near its quota). */
export function systemFacts(code: string, title: Bilingual, detail: Bilingual | null, siteName: string, publicUrl: string): AlertFacts {
  return {
    kind: 'system',
    ticketId: '',
    number: code,
    tier: 'emergency',
    fault: code,
    title,
    where: null,
    reading: null,
    detail: detail === null ? { zh: `网关：${siteName}`, en: `Gateway: ${siteName}` } : { zh: `网关：${siteName}。${detail.zh}`, en: `Gateway: ${siteName}. ${detail.en}` },
    deadline: null,
    deadlines: null,
    link: `${publicUrl.replace(/\/$/, '')}/operator`,
    to: null,
    escalation: null,
    summary: null,
  };
}
