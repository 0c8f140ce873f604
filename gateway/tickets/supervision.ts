import type { Contract } from '../config/repair-contract-schema.js';
import { lastReopen, stampDeadlines } from './deadlines.js';
import { isFinal, isOpen, type Complexity, type Draft, type HistoryEntry, type Ticket, type Tier } from './ticket.js';

/** What a supervisor's (or an engineer's re-tier) decision makes of a ticket: a history entry, or why not. */
export type Decision = { readonly kind: 'changed'; readonly entry: Omit<HistoryEntry, 'at' | 'actor'> } | { readonly kind: 'refused'; readonly why: string };

const TIER_WORDS: Readonly<Record<Tier, string>> = { emergency: '紧急', general: '一般', low: '低' };
const COMPLEXITY_WORDS: Readonly<Record<Complexity, { zh: string; en: string }>> = {
  simple: { zh: '简单', en: 'simple' },
  general: { zh: '一般', en: 'general' },
  complex: { zh: '复杂', en: 'complex' },
};

const over = (t: Pick<Ticket, 'status'>): string | null => (isOpen(t) ? null : `the ticket is ${t.status}`);

/** The engineer the repair is with now: assigned, or taken since the last reopen. */
function holder(t: Pick<Ticket, 'history' | 'assignee' | 'assigneeId'>): { id: string | null; name: string } | null {
  const since = lastReopen(t);
  const held = t.history.some((h, i) => i > since && (h.action === 'acknowledged' || h.action === 'assigned'));
  return held && t.assignee !== null ? { id: t.assigneeId ?? null, name: t.assignee } : null;
}

/**
 * The engineering supervisor assigns the repair to an engineer (派工; the grab-order flow: an order
 * nobody grabbed in 5 minutes is the supervisor's to assign). The engineer is alerted by name; their
 * take follows as usual. Giving it to someone else once it is with an engineer needs a reason.
 */
export function assign(d: Draft, engineer: { readonly id: string; readonly name: string }, by: { readonly name: string }, reason: string | undefined): Decision {
  const ended = over(d);
  if (ended !== null) return { kind: 'refused', why: ended };
  const current = holder(d);
  if (current !== null && current.id === engineer.id) return { kind: 'refused', why: `already with ${engineer.name}` };
  if (current !== null && reason === undefined) return { kind: 'refused', why: `the repair is with ${current.name}: say why it goes to ${engineer.name}` };
  d.assignee = engineer.name;
  d.assigneeId = engineer.id;
  const from = current === null ? '' : `（原 ${current.name}）`;
  const fromEn = current === null ? '' : ` (was ${current.name})`;
  const why = reason === undefined ? '' : `：${reason}`;
  return { kind: 'changed', entry: { action: 'assigned', note: `${by.name} 派工给 ${engineer.name}${from}${why} / ${by.name} assigned it to ${engineer.name}${fromEn}${reason === undefined ? '' : `: ${reason}`}` } };
}

/**
 * The tier or the complexity changed after the survey on site (the project repair rules: the fault's
 * category is settled once surveyed; the warranty standard's simple / general / complex). The
 * deadlines are stamped again from the raise (or the last reopen) by the new tier.
 */
export function retier(d: Draft, contract: Contract, to: { readonly tier?: Tier; readonly complexity?: Complexity }, reason: string): Decision {
  if (isFinal(d)) return { kind: 'refused', why: `the ticket is ${d.status}` };
  const tier = to.tier !== undefined && to.tier !== d.tier ? to.tier : undefined;
  const complexity = to.complexity !== undefined && to.complexity !== d.complexity ? to.complexity : undefined;
  if (tier === undefined && complexity === undefined) return { kind: 'refused', why: 'nothing changes: name another tier or complexity' };
  const parts: { zh: string; en: string }[] = [];
  if (tier !== undefined) {
    parts.push({ zh: `级别 ${TIER_WORDS[d.tier]} → ${TIER_WORDS[tier]}`, en: `tier ${d.tier} -> ${tier}` });
    d.tier = tier;
    const reopen = lastReopen(d);
    const from = reopen >= 0 ? Date.parse(d.history[reopen]?.at ?? d.createdAt) : Date.parse(d.createdAt);
    d.deadlines = stampDeadlines(contract, d, from);
  }
  if (complexity !== undefined) {
    parts.push({ zh: `难度 ${d.complexity === undefined ? '未定' : COMPLEXITY_WORDS[d.complexity].zh} → ${COMPLEXITY_WORDS[complexity].zh}`, en: `complexity ${d.complexity ?? 'unset'} -> ${complexity}` });
    d.complexity = complexity;
  }
  return { kind: 'changed', entry: { action: 'retiered', note: `${parts.map((p) => p.zh).join('，')}：${reason} / ${parts.map((p) => p.en).join(', ')}: ${reason}` } };
}
