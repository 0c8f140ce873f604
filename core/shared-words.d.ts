// Types of core/shared-words.js: the words the server and the pages share.
export const TIERS: readonly ['emergency', 'general', 'low'];
export function byTier(a: (typeof TIERS)[number], b: (typeof TIERS)[number]): number;
export const OPEN_STATUSES: readonly ['raised', 'acknowledged', 'dispatched', 'arrived', 'in_progress', 'on_hold', 'reopened'];
export function spanWords(ms: number, lang: 'zh' | 'en'): string;
