// A ticket's history as staff read it: a word for each step (派工, 改级, 暴雨暂停, 回访, 已升级 with what
// was missed and who it went to...), and the note in the page's language where the gateway wrote it
// in both (`中文 / English`).
import { lang, t } from './words.js';

/** Steps with a word of their own (the rest are named by the status they moved the ticket to). */
const ACTION_WORDS = {
  confirmed: 'verification.confirmed',
  'recheck-passed': 'recheck.passed',
  note: 'note',
  assigned: 'h.assigned',
  retiered: 'h.retiered',
  paused: 'h.paused',
  resumed: 'h.resumed',
  'recheck-overdue': 'h.recheck-overdue',
  callback: 'h.callback',
  'callback-overdue': 'h.callback-overdue',
  occurrence: 'h.occurrence',
  chattering: 'chattering',
  'returned-to-normal': 'h.returned-to-normal',
  grouped: 'h.grouped',
  shelve: 'shelve',
  unshelve: 'unshelve',
  'alert-undelivered': 'h.alert-undelivered',
};

/**
 * Steps whose note the gateway writes itself, Chinese and English joined by ` / `. A person's own
 * words may sit inside (an assignment's reason, the owner's words on a callback); a note with more
 * than one ` / ` is shown whole rather than cut in the wrong place.
 */
const BILINGUAL_NOTES = new Set(['raised', 'assigned', 'retiered', 'paused', 'resumed', 'recheck-overdue', 'callback', 'callback-overdue', 'escalated', 'alert-undelivered']);

/** `已升级（无人接单 → 工程主管）`: what was missed (a deadline, the grab rule, a stalled repair) and the level it went to. */
function escalationWord(h) {
  if (h.step === undefined) return t('escalated');
  const missed = h.step === 'grab' || h.step === 'stalled' ? t(`esc.${h.step}`) : t('esc.late', { step: t(`deadline.${h.step}`) });
  const to = h.level === undefined ? '' : ` → ${t(`level.${h.level}`)}`;
  return `${t('escalated')}${lang() === 'en' ? ` (${missed}${to})` : `（${missed}${to}）`}`;
}

export function historyWord(h) {
  if (h.action === 'escalated') return escalationWord(h);
  const key = ACTION_WORDS[h.action];
  if (key !== undefined) return t(key);
  if (h.status) return t(`status.${h.status}`);
  return h.action;
}

/** What the gateway adds to a resolve's note when the repair was fixed without coming on site (ticket-steps.ts), before the reason. */
const OFF_SITE = '未到场处理 / fixed without coming on site: ';

/** The note of a history entry in the page's language where the gateway wrote both; a person's note as they wrote it. */
export function historyNote(h) {
  if (h.action === 'resolved' && h.note?.includes(OFF_SITE)) return h.note.replace(OFF_SITE, `${t('offsite.title')}${lang() === 'en' ? ': ' : '：'}`);
  if (!h.note || !BILINGUAL_NOTES.has(h.action)) return h.note ?? '';
  const sides = h.note.split(' / ');
  if (sides.length !== 2) return h.note;
  return lang() === 'en' ? sides[1] : sides[0];
}
