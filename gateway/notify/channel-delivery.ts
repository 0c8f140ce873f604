import type { Clock } from '../../core/clock.js';
import { resolveSecret } from '../../core/secrets.js';
import { errorMessage } from '../../core/errors.js';
import { createHttpRequester, HttpRequestError, type HttpAnswer } from '../../core/http-request.js';
import type { AlertFacts, AlertMention } from './alert-facts.js';
import { dingtalkBody, dingtalkSignedUrl, feishuBody, feishuSign, wecomBody } from './alert-message.js';
import { alertText, digestText, type AlertText, type Language } from './alert-text.js';
import type { Deliver } from './channel-queue.js';
import type { Channel } from './config-schema.js';
import { fillTemplate } from './webhook-template.js';

export type PublishMqtt = (topic: string, payload: string, opts: { qos: 0 | 1 }) => Promise<void>;

export interface DeliveryDeps {
  readonly clock: Clock;
  readonly timeZone: string;
  /** Where staff open the pages (a digest links to the engineering page). */
  readonly publicUrl: string;
  readonly publishMqtt?: PublishMqtt;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * How each kind of channel delivers one alert, or several merged into one digest: the MQTT alert
 * topic, a generic JSON webhook (optionally through a body template, for SMS and voice-call
 * gateways), and the WeCom / DingTalk / Feishu group robots in their own formats, signatures and
 * @-mentions. Each is worded in the channel's language at the moment it is sent. A delivery
 * resolves only once the other side took it; a robot that answers with an error code (bad
 * signature, rate limit, keyword check) has not taken it, and the queue retries.
 */
/** Alert webhooks open a connection each: alerts are rare, and a request retried on a kept connection could be a second alert. */
const webhooks = createHttpRequester({ keepAlive: false });

/** How long a channel may take to answer an alert before the queue retries it. */
const WEBHOOK_TIMEOUT_MS = 10_000;

export function makeDeliver(c: Channel, deps: DeliveryDeps): Deliver | null {
  const env = deps.env ?? process.env;
  const lang: Language = c.language;
  const words = (alerts: readonly AlertFacts[]): { text: AlertText; mention: AlertMention | null; tier: AlertFacts['tier'] } => {
    const now = deps.clock.now();
    const first = alerts[0];
    if (first === undefined) throw new Error('nothing to send');
    if (alerts.length === 1) return { text: alertText(first, now, deps.timeZone, lang), mention: first.to?.mention ?? null, tier: first.tier };
    const tier = alerts.some((a) => a.tier === 'emergency') ? 'emergency' : alerts.some((a) => a.tier === 'general') ? 'general' : 'low';
    return { text: digestText(alerts, now, deps.timeZone, lang, `${deps.publicUrl.replace(/\/$/, '')}/engineering`), mention: mergeMentions(alerts), tier };
  };
  const post = async (url: string, body: unknown, headers: Record<string, string> = {}): Promise<void> => {
    let res: HttpAnswer;
    try {
      res = await webhooks.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), timeoutMs: WEBHOOK_TIMEOUT_MS });
    } catch (err) {
      throw new Error(unreachable(url, err));
    }
    const text = res.text;
    if (res.status < 200 || res.status > 299) throw new Error(`HTTP ${res.status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`);
    refusedByRobot(text);
  };
  switch (c.type) {
    case 'mqtt': {
      const publish = deps.publishMqtt;
      if (publish === undefined) return null;
      return (alerts) => {
        const w = words(alerts);
        const topicTier = alerts.length === 1 && alerts[0]?.kind === 'system' ? 'system' : w.tier;
        // Machines read the facts; a console shows `text` as it is.
        const first = alerts[0];
        const payload =
          alerts.length === 1 && first !== undefined
            ? { ...first, text: [w.text.head, ...w.text.lines, w.text.link].join('\n') }
            : { kind: 'digest', tier: w.tier, alerts, text: [w.text.head, ...w.text.lines, w.text.link].join('\n') };
        return publish(c.topic.replaceAll('{tier}', topicTier), JSON.stringify(payload), { qos: 1 });
      };
    }
    case 'webhook':
      return (alerts) => {
        const w = words(alerts);
        const url = resolveSecret(c.url, `notify ${c.id} url`, env) ?? '';
        const type = alerts.length > 1 ? 'alerts.digest' : `alert.${alerts[0]?.kind ?? 'raised'}`;
        const body = c.template === undefined ? { type, text: [w.text.head, ...w.text.lines, w.text.link].join('\n'), alerts } : fillTemplate(c.template, w.text, alerts, w.mention);
        return post(url, body);
      };
    case 'wecom':
      return (alerts) => {
        const w = words(alerts);
        return post(resolveSecret(c.url, `notify ${c.id} url`, env) ?? '', wecomBody(w.text, w.mention, lang));
      };
    case 'dingtalk':
      return (alerts) => {
        const w = words(alerts);
        const url = resolveSecret(c.url, `notify ${c.id} url`, env) ?? '';
        const secret = resolveSecret(c.secret, `notify ${c.id} secret`, env);
        return post(secret === undefined ? url : dingtalkSignedUrl(url, secret, deps.clock.now()), dingtalkBody(w.text, w.mention, lang));
      };
    case 'feishu':
      return (alerts) => {
        const w = words(alerts);
        const secret = resolveSecret(c.secret, `notify ${c.id} secret`, env);
        const body = feishuBody(w.text, w.mention, lang, w.tier) as Record<string, unknown>;
        return post(resolveSecret(c.url, `notify ${c.id} url`, env) ?? '', secret === undefined ? body : { ...feishuSign(secret, Math.floor(deps.clock.now() / 1000)), ...body });
      };
    default: {
      const never: never = c;
      throw new Error(`unknown channel ${JSON.stringify(never)}`);
    }
  }
}

/** Everyone any of the merged alerts mentions. */
function mergeMentions(alerts: readonly AlertFacts[]): AlertMention {
  const all = alerts.flatMap((a) => (a.to === null ? [] : [a.to.mention]));
  const union = (f: (m: AlertMention) => readonly string[]): string[] => [...new Set(all.flatMap(f))];
  return { names: union((m) => m.names), mobiles: union((m) => m.mobiles), wecom: union((m) => m.wecom), dingtalk: union((m) => m.dingtalk), feishu: union((m) => m.feishu), all: all.some((m) => m.all) };
}

/**
 * The robots answer HTTP 200 with an error code when they did not take a message: WeCom and
 * DingTalk `{"errcode": 310000, "errmsg": "..."}` (bad signature, keyword, IP, rate limit), Feishu
 * `{"code": 19021, "msg": "..."}` (or `StatusCode` from older bots). Anything but 0 is a failure.
 */
function refusedByRobot(text: string): void {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return; // a plain webhook may answer anything with its 2xx
  }
  if (typeof body !== 'object' || body === null) return;
  const b = body as Record<string, unknown>;
  for (const [codeKey, msgKey] of [['errcode', 'errmsg'], ['code', 'msg'], ['StatusCode', 'StatusMessage']] as const) {
    const code = b[codeKey];
    if (typeof code === 'number' && code !== 0) throw new Error(`robot refused the message: ${codeKey} ${code}${typeof b[msgKey] === 'string' ? ` (${String(b[msgKey]).slice(0, 200)})` : ''}`);
  }
}

/**
 * Why a robot or webhook could not be reached, for the person who must fix it: the host and port
 * and the system's reason, never the URL's path or query (robot keys live there).
 */
function unreachable(url: string, err: unknown): string {
  const code = !(err instanceof HttpRequestError) ? errorMessage(err) : err.code === 'TIMEOUT' ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` : err.answered ? `answer cut off: ${err.message}` : err.code;
  let host = 'the channel URL';
  try {
    host = new URL(url).host;
  } catch {
    // a URL that does not parse: say so without repeating it
  }
  return `cannot reach ${host} (${code})`;
}
