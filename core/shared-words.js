// The words the server and the pages share, so the two can never say one thing differently: the
// order of the tiers, which statuses are still open, a span of time as a person reads it. This plain
// ES module is imported by the server (core/shared-words.d.ts gives its types) and served to the
// pages as it is (/vendor/shared/shared-words.js).

/** The tiers, most urgent first: the one order of queues, digests, lists and incidents. */
export const TIERS = /** @type {const} */ (['emergency', 'general', 'low']);

/** Each tier's place in TIERS, looked up rather than searched: outboxes of thousands sort by it. */
const RANK = { emergency: 0, general: 1, low: 2 };

/**
 * Sorts the more urgent tier first.
 * @param {'emergency' | 'general' | 'low'} a
 * @param {'emergency' | 'general' | 'low'} b
 * @returns {number}
 */
export function byTier(a, b) {
  return RANK[a] - RANK[b];
}

/** Still to be worked on. A resolved ticket is done by the engineers (a public-area one waits for its re-check). */
export const OPEN_STATUSES = /** @type {const} */ (['raised', 'acknowledged', 'dispatched', 'arrived', 'in_progress', 'on_hold', 'reopened']);

/**
 * `5 分钟` / `1 小时 20 分钟` / `3 天`: whole minutes (under a minute: `不到 1 分钟`), hours and
 * minutes from an hour, whole days from two days. The sign is ignored: the caller says left or late.
 * @param {number} ms
 * @param {'zh' | 'en'} lang
 * @returns {string}
 */
export function spanWords(ms, lang) {
  const en = lang === 'en';
  const total = Math.floor(Math.abs(ms) / 60_000);
  if (total < 1) return en ? 'under 1 min' : '不到 1 分钟';
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (h >= 48) return en ? `${Math.floor(h / 24)} days` : `${Math.floor(h / 24)} 天`;
  if (h === 0) return en ? `${m} min` : `${m} 分钟`;
  return en ? `${h} h${m > 0 ? ` ${m} min` : ''}` : `${h} 小时${m > 0 ? ` ${m} 分钟` : ''}`;
}
