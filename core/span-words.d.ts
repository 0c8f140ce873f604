/** See core/span-words.js: a span of time in the words a person reads, shared with the pages. */
export function spanWords(ms: number, lang: 'zh' | 'en'): string;
