import { clockTime, siteDay } from '../../core/local-time.js';
import { spanWords } from '../../core/shared-words.js';
import { byTier, type Bilingual } from '../../core/vocabulary.js';
import { placeWords, type AlertDeadline, type AlertFacts, type AlertReading, type DeadlineStep } from './alert-facts.js';

/** The language a channel speaks: one per channel, never both on every line. */
export type Language = 'zh-CN' | 'en';

/** What one message says: a head (the lock-screen line) and the lines under it, in one language. */
export interface AlertText {
  readonly head: string;
  readonly lines: readonly string[];
  readonly link: string;
}

const TIER: Record<AlertFacts['tier'], Bilingual> = {
  emergency: { zh: '紧急', en: 'EMERGENCY' },
  general: { zh: '一般', en: 'General' },
  low: { zh: '低', en: 'Low' },
};

const STEP: Record<DeadlineStep, Bilingual> = {
  acknowledgeBy: { zh: '接单', en: 'Acknowledge' },
  dispatchBy: { zh: '派单', en: 'Dispatch' },
  onSiteBy: { zh: '到场', en: 'On site' },
  resolveBy: { zh: '完成', en: 'Resolve' },
};

/** What was not done, as English says it ("did not take the repair within 5 min"). */
const DO: Record<DeadlineStep, string> = { acknowledgeBy: 'take the repair', dispatchBy: 'dispatch it', onSiteBy: 'arrive on site', resolveBy: 'resolve it' };

const pick = (b: Bilingual, lang: Language): string => (lang === 'en' ? b.en : b.zh);

/** "白班工程组 未在 5 分钟内接单，已升级给 工程主管", or the grab rule's, or a stalled repair's chase. */
function escalationWords(e: NonNullable<AlertFacts['escalation']>, lang: Language): string {
  const en = lang === 'en';
  switch (e.step) {
    case 'grab':
      return en ? `Nobody of ${e.missed.en} took the order within ${e.minutes} min: ${e.to.en}, please assign it` : `${e.missed.zh} ${e.minutes} 分钟内无人接单，请 ${e.to.zh} 派工`;
    case 'stalled':
      return en ? `${e.missed.en} took the repair and has not moved it on for ${e.minutes} min: chasing ${e.to.en}` : `${e.missed.zh} 接单后 ${e.minutes} 分钟未到场或完成，已催办 ${e.to.zh}`;
    default:
      return en ? `${e.missed.en} did not ${DO[e.step]} within ${e.minutes} min: escalated to ${e.to.en}` : `${e.missed.zh} 未在 ${e.minutes} 分钟内${STEP[e.step].zh}，已升级给 ${e.to.zh}`;
  }
}

/** A time as people read it: `12:06`, `明天 08:30` / `tomorrow 08:30`, `昨天 22:10` / `yesterday 22:10`, `11-29 08:30`. */
export function when(at: number, now: number, timeZone: string, lang: Language): string {
  const day = siteDay(at, timeZone);
  const time = clockTime(at, timeZone);
  if (day === siteDay(now, timeZone)) return time;
  if (day === siteDay(now + 86_400_000, timeZone)) return lang === 'en' ? `tomorrow ${time}` : `明天 ${time}`;
  if (day === siteDay(now - 86_400_000, timeZone)) return lang === 'en' ? `yesterday ${time}` : `昨天 ${time}`;
  return `${day.slice(4, 6)}-${day.slice(6, 8)} ${time}`;
}

/** `12:06 前接单（还剩 5 分钟）` / `Acknowledge by 12:06 (5 min left)`; `已超时 3 分钟` when late. */
export function deadlineWords(d: AlertDeadline, now: number, timeZone: string, lang: Language): string {
  const left = d.at - now;
  const at = when(d.at, now, timeZone, lang);
  // Time left is rounded up (4 min 10 s left is "5 分钟"), time late down; the deadline itself is late.
  if (lang === 'en') return `${STEP[d.step].en} by ${at} (${left > 0 ? `${spanWords(left + 59_999, 'en')} left` : `${spanWords(-left, 'en')} late`})`;
  return `${at} 前${STEP[d.step].zh}（${left > 0 ? `还剩 ${spanWords(left + 59_999, 'zh')}` : `已超时 ${spanWords(-left, 'zh')}`}）`;
}

/** `压力 0.6 bar，10 秒前 4.1 bar` / `Pressure 0.6 bar, 4.1 bar 10 s before`. */
export function readingWords(r: AlertReading, lang: Language): string {
  const unit = r.unit === null ? '' : ` ${r.unit}`;
  const now = `${pick(r.point, lang)} ${pick(r.value, lang)}${unit}`;
  if (r.before === null) return now;
  const before = `${pick(r.before.value, lang)}${unit}`;
  return lang === 'en' ? `${now}, ${before} ${r.before.secondsAgo} s before` : `${now}，${r.before.secondsAgo} 秒前 ${before}`;
}

function whereWords(f: AlertFacts, lang: Language): string | null {
  return f.where === null ? null : placeWords(f.where, lang === 'en' ? 'en' : 'zh');
}

/**
 * One alert in one language, in the order a tired engineer reads a lock screen: the tier and what
 * (the head), where, the reading that made the fault (or what was seen), the next deadline, then
 * the ticket number and who it is for. The link goes last, in each platform's own way.
 */
export function alertText(f: AlertFacts, now: number, timeZone: string, lang: Language): AlertText {
  const en = lang === 'en';
  const tier = pick(TIER[f.tier], lang);
  const head =
    f.kind === 'system'
      ? en ? `[GATEWAY] ${f.title.en}` : `【网关告警】${f.title.zh}`
      : f.kind === 'escalated'
        ? en ? `[${tier} · ESCALATED] ${f.title.en}` : `【${tier}·升级】${f.title.zh}`
        : f.kind === 'assigned'
          ? en ? `[${tier} · ASSIGNED TO YOU] ${f.title.en}` : `【${tier}·派工】${f.title.zh}`
        : f.kind === 'reopened'
          ? f.reopenedBy === 'central'
            ? en ? `[${tier} · REOPENED BY CENTRAL] ${f.title.en}` : `【${tier}·总部重开】${f.title.zh}`
            : f.reopenedBy === 'callback'
              ? en ? `[${tier} · OWNER SAYS NOT FIXED] ${f.title.en}` : `【${tier}·回访未修好】${f.title.zh}`
              : en ? `[${tier} · RE-CHECK FAILED] ${f.title.en}` : `【${tier}·复查不合格】${f.title.zh}`
          : f.kind === 'recheck-overdue'
            ? en ? `[RE-CHECK OVERDUE] ${f.title.en}` : `【复查逾期】${f.title.zh}`
          : f.kind === 'callback-overdue'
            ? en ? `[CALLBACK OVERDUE] ${f.title.en}` : `【回访逾期】${f.title.zh}`
            : en ? `[${tier}] ${f.title.en}` : `【${tier}】${f.title.zh}`;
  const lines: string[] = [];
  if (f.resentAfterFailover === true) lines.push(en ? '(Sent again after a gateway failover: you may have had it already)' : '（网关主备切换后重发，可能已收到过）');
  const where = whereWords(f, lang);
  if (where !== null) lines.push(where);
  if (f.escalation !== null) {
    const e = f.escalation;
    lines.push(escalationWords(e, lang));
  }
  if (f.summary !== null) lines.push(...summaryLines(f.summary, lang));
  if (f.reading !== null) lines.push(readingWords(f.reading, lang));
  else if (f.detail !== null && f.kind !== 'summary') lines.push(pick(f.detail, lang));
  if (f.deadline !== null) lines.push(deadlineWords(f.deadline, now, timeZone, lang));
  if (f.kind !== 'system') {
    const to = f.to === null ? '' : en ? ` · To: ${f.to.name.en}` : ` · 通知：${f.to.name.zh}`;
    lines.push(en ? `Ticket ${f.number}${to}` : `工单 ${f.number}${to}`);
  }
  return { head, lines, link: f.link };
}

const MAX_NAMED = 5;

function summaryLines(s: NonNullable<AlertFacts['summary']>, lang: Language): string[] {
  const en = lang === 'en';
  const buildings = Object.entries(s.byBuilding)
    .sort((a, b) => b[1] - a[1])
    .map(([b, n]) => (en ? `${b} ${n}` : `${b} ${n} 条`))
    .join(en ? ', ' : '，');
  const lines = [en ? `${s.alarms} alarms grouped here; by building: ${buildings || '-'}` : `共 ${s.alarms} 条告警已合并；按楼栋：${buildings || '-'}`];
  if (s.emergencies.length > 0) {
    const named = s.emergencies.slice(0, MAX_NAMED).map((e) => `${e.number} ${pick(e.title, lang)}（${e.where}）`);
    const more = s.emergencies.length - named.length;
    lines.push(en ? `${s.emergencies.length} emergencies: ${named.join('; ')}${more > 0 ? `; and ${more} more` : ''}` : `紧急 ${s.emergencies.length} 条：${named.join('；')}${more > 0 ? `；等 ${more} 条` : ''}`);
  }
  return lines;
}

/**
 * Several alerts merged into one message (a robot's rate limit was reached): emergencies first,
 * one line each with its tier, what, where, deadline and number.
 */
export function digestText(facts: readonly AlertFacts[], now: number, timeZone: string, lang: Language, pagesUrl: string): AlertText {
  const en = lang === 'en';
  const sorted = [...facts].sort((a, b) => byTier(a.tier, b.tier));
  const emergencies = sorted.filter((f) => f.tier === 'emergency').length;
  const head = en ? `[ALERTS] ${facts.length} alerts, ${emergencies} emergencies (merged: the robot's rate limit)` : `【告警汇总】共 ${facts.length} 条，紧急 ${emergencies} 条（发送频率受限，已合并）`;
  const lines = sorted.map((f) => {
    const t = alertText(f, now, timeZone, lang);
    const where = whereWords(f, lang);
    const deadline = f.deadline === null ? null : deadlineWords(f.deadline, now, timeZone, lang);
    return [t.head, where, deadline, f.kind === 'system' ? null : f.number].filter((x) => x !== null).join(' · ');
  });
  return { head, lines, link: pagesUrl };
}
