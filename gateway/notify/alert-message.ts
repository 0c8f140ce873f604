import { createHmac } from 'node:crypto';
import type { Ticket } from '../tickets/ticket.js';

const TIER_ZH = { emergency: '紧急', general: '一般', low: '低' } as const;

/** What every channel says about a ticket, before each robot's own format. */
export interface Alert {
  /** `ticket`: a raised ticket; `system`: the gateway itself needs attention (token refused, disk quota). */
  readonly kind: 'ticket' | 'system';
  readonly ticketId: string;
  readonly number: string;
  readonly tier: Ticket['tier'];
  readonly fault: string;
  readonly title: Ticket['title'];
  readonly where: string;
  readonly deadlines: Ticket['deadlines'] | null;
  readonly link: string;
  readonly children: number;
  /** Who it is for (the team on duty, or the level it escalated to); null for system alerts. */
  readonly to: { readonly level: string; readonly name: Ticket['title'] } | null;
  /** Set when nobody acknowledged in time and this alert goes one level up. */
  readonly escalated: boolean;
}

export function alertOf(t: Ticket, publicUrl: string, to: Alert['to'] = null, escalated = false): Alert {
  const l = t.location;
  return {
    kind: 'ticket',
    ticketId: t.id,
    number: t.number,
    tier: t.tier,
    fault: t.fault,
    title: t.title,
    where: `${l.building} ${l.floor} ${l.description}`,
    deadlines: t.deadlines,
    link: `${publicUrl.replace(/\/$/, '')}/tickets/${t.id}`,
    children: t.childIds.length,
    to,
    escalated,
  };
}

/** An alert about the gateway itself, sent on the same channels as tickets, never dropped. */
export function systemAlert(code: string, title: Ticket['title'], where: string, publicUrl: string): Alert {
  return { kind: 'system', ticketId: '', number: code, tier: 'emergency', fault: code, title, where, deadlines: null, link: `${publicUrl.replace(/\/$/, '')}/readyz`, children: 0, to: null, escalated: false };
}

function lines(a: Alert): string[] {
  if (a.deadlines === null) return [`系统告警 System alert｜${a.number}`, `${a.title.zh} / ${a.title.en}`, `网关 Gateway: ${a.where}`];
  return [
    `工单 ${a.number}｜${TIER_ZH[a.tier]} ${a.tier}`,
    ...(a.escalated ? [`⚠ 超时未响应，已升级 Not acknowledged in time: escalated`] : []),
    `${a.title.zh} / ${a.title.en}`,
    ...(a.to === null ? [] : [`通知 To: ${a.to.name.zh} / ${a.to.name.en}`]),
    `位置 Where: ${a.where}`,
    `响应 Acknowledge by: ${a.deadlines.acknowledgeBy}`,
    `派单 Dispatch by: ${a.deadlines.dispatchBy}`,
    ...(a.deadlines.onSiteBy === null ? [] : [`到场 On site by: ${a.deadlines.onSiteBy}`]),
    `完成 Resolve by: ${a.deadlines.resolveBy}`,
    ...(a.children > 0 ? [`合并 Grouped alarms: ${a.children}`] : []),
  ];
}

/** WeCom group robot: `msgtype: markdown`. */
export function wecomBody(a: Alert): unknown {
  return { msgtype: 'markdown', markdown: { content: [`**${lines(a)[0]}**`, ...lines(a).slice(1).map((l) => `> ${l}`), `[查看工单 Open ticket](${a.link})`].join('\n') } };
}

/** DingTalk group robot: `msgtype: markdown` with title and text. */
export function dingtalkBody(a: Alert): unknown {
  return { msgtype: 'markdown', markdown: { title: `${TIER_ZH[a.tier]} ${a.number}`, text: [`### ${lines(a)[0]}`, ...lines(a).slice(1).map((l) => `- ${l}`), `[查看工单 Open ticket](${a.link})`].join('\n') } };
}

/** Feishu (Lark) custom bot: an interactive card. */
export function feishuBody(a: Alert): unknown {
  return {
    msg_type: 'interactive',
    card: {
      header: { title: { tag: 'plain_text', content: lines(a)[0] }, template: a.tier === 'emergency' ? 'red' : a.tier === 'general' ? 'orange' : 'blue' },
      elements: [
        { tag: 'div', text: { tag: 'lark_md', content: lines(a).slice(1).join('\n') } },
        { tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: '查看工单 Open ticket' }, url: a.link, type: 'primary' }] },
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
