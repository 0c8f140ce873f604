import { createHmac } from 'node:crypto';
import type { AlertMention } from './alert-facts.js';
import type { AlertText, Language } from './alert-text.js';

/**
 * Each group robot's message format for one alert text, with its @-mentions.
 *
 * - WeCom (企业微信群机器人): `msgtype: text`, because only a text message takes
 *   `mentioned_list` (user ids) and `mentioned_mobile_list`; "@all" mentions everyone.
 * - DingTalk (钉钉自定义机器人): `msgtype: markdown` with `at.atMobiles` / `at.atUserIds` /
 *   `at.isAtAll`; the text must also carry "@<mobile>" for the mention to show.
 * - Feishu (飞书自定义机器人): an interactive card, mentions as `<at id=...></at>` in its
 *   lark_md text (`<at id=all></at>` for everyone).
 */
function openWord(lang: Language): string {
  return lang === 'en' ? 'Open the ticket' : '查看工单';
}

/** WeCom group robot: plain text, so the mentions ring; the head first for the lock screen. */
export function wecomBody(t: AlertText, m: AlertMention | null, lang: Language): unknown {
  const mobiles = m === null ? [] : m.all ? ['@all'] : [...m.mobiles];
  const ids = m === null ? [] : m.all ? ['@all'] : [...m.wecom];
  return {
    msgtype: 'text',
    text: {
      content: [t.head, ...t.lines, `${openWord(lang)}：${t.link}`].join('\n'),
      ...(ids.length > 0 ? { mentioned_list: ids } : {}),
      ...(mobiles.length > 0 ? { mentioned_mobile_list: mobiles } : {}),
    },
  };
}

/** DingTalk group robot: markdown with the head as title; "@mobile" in the text for each mention. */
export function dingtalkBody(t: AlertText, m: AlertMention | null, lang: Language): unknown {
  const ats = m === null ? '' : m.all ? '@all' : [...m.mobiles.map((x) => `@${x}`), ...m.dingtalk.map((x) => `@${x}`)].join(' ');
  const text = [`### ${t.head}`, ...t.lines.map((l) => `- ${l}`), `[${openWord(lang)}](${t.link})`, ...(ats === '' ? [] : [ats])].join('\n');
  return {
    msgtype: 'markdown',
    markdown: { title: t.head, text },
    at: { atMobiles: m === null ? [] : [...m.mobiles], atUserIds: m === null ? [] : [...m.dingtalk], isAtAll: m?.all ?? false },
  };
}

/** Feishu custom bot: an interactive card, red for emergencies, with the mentions in its text. */
export function feishuBody(t: AlertText, m: AlertMention | null, lang: Language, tier: 'emergency' | 'general' | 'low'): unknown {
  const ats = m === null ? '' : m.all ? '<at id=all></at>' : m.feishu.map((id) => `<at id=${id}></at>`).join(' ');
  return {
    msg_type: 'interactive',
    card: {
      header: { title: { tag: 'plain_text', content: t.head }, template: tier === 'emergency' ? 'red' : tier === 'general' ? 'orange' : 'blue' },
      elements: [
        { tag: 'div', text: { tag: 'lark_md', content: [...t.lines, ...(ats === '' ? [] : [ats])].join('\n') } },
        { tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: openWord(lang) }, url: t.link, type: 'primary' }] },
      ],
    },
  };
}

/** DingTalk signing: HMAC-SHA256 over "timestamp\nsecret", base64, URL-encoded, as query parameters. */
export function dingtalkSignedUrl(url: string, secret: string, now: number): string {
  const sign = createHmac('sha256', secret).update(`${now}\n${secret}`).digest('base64');
  const u = new URL(url);
  u.searchParams.set('timestamp', String(now));
  u.searchParams.set('sign', sign);
  return u.toString();
}

/** Feishu signing: HMAC-SHA256 keyed with "timestamp\nsecret" over an empty message, base64; in the body. */
export function feishuSign(secret: string, nowSeconds: number): { timestamp: string; sign: string } {
  const sign = createHmac('sha256', `${nowSeconds}\n${secret}`).update('').digest('base64');
  return { timestamp: String(nowSeconds), sign };
}
