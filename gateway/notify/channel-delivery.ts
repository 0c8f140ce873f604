import type { Clock } from '../clock.js';
import { resolveSecret } from '../config/secrets.js';
import { errorMessage } from '../errors.js';
import { dingtalkBody, dingtalkSignedUrl, feishuBody, feishuSign, wecomBody } from './alert-message.js';
import type { Deliver } from './channel-queue.js';
import type { Channel } from './config-schema.js';

export type PublishMqtt = (topic: string, payload: string, opts: { qos: 0 | 1 }) => Promise<void>;

/**
 * How each kind of channel delivers one alert: the MQTT alert topic, a generic JSON webhook, and
 * the WeCom / DingTalk / Feishu group robots in their own formats and signatures. A delivery
 * resolves only once the other side took the alert; anything else throws, and the channel's queue
 * retries it.
 */
export function makeDeliver(c: Channel, deps: { clock: Clock; publishMqtt?: PublishMqtt; fetch?: typeof fetch; env?: NodeJS.ProcessEnv }): Deliver | null {
  const env = deps.env ?? process.env;
  const post = async (url: string, body: unknown): Promise<void> => {
    let res: Response;
    try {
      res = await (deps.fetch ?? fetch)(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw new Error(unreachable(url, err));
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    await res.arrayBuffer();
  };
  switch (c.type) {
    case 'mqtt': {
      const publish = deps.publishMqtt;
      if (publish === undefined) return null;
      return (a) => publish(c.topic.replaceAll('{tier}', a.kind === 'system' ? 'system' : a.tier), JSON.stringify(a), { qos: 1 });
    }
    case 'webhook':
      return (a) => post(resolveSecret(c.url, `notify ${c.id} url`, env) ?? '', { type: a.kind === 'system' ? 'gateway.system' : 'ticket.raised', alert: a });
    case 'wecom':
      return (a) => post(resolveSecret(c.url, `notify ${c.id} url`, env) ?? '', wecomBody(a));
    case 'dingtalk':
      return (a) => {
        const url = resolveSecret(c.url, `notify ${c.id} url`, env) ?? '';
        const secret = resolveSecret(c.secret, `notify ${c.id} secret`, env);
        return post(secret === undefined ? url : dingtalkSignedUrl(url, secret, deps.clock.now()), dingtalkBody(a));
      };
    case 'feishu':
      return (a) => {
        const secret = resolveSecret(c.secret, `notify ${c.id} secret`, env);
        const body = feishuBody(a) as Record<string, unknown>;
        return post(resolveSecret(c.url, `notify ${c.id} url`, env) ?? '', secret === undefined ? body : { ...feishuSign(secret, Math.floor(deps.clock.now() / 1000)), ...body });
      };
    default: {
      const never: never = c;
      throw new Error(`unknown channel ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Why a robot or webhook could not be reached, for the person who must fix it: the host and port
 * and the system's reason, never the URL's path or query (robot keys live there).
 */
function unreachable(url: string, err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (err as { name?: string } | null)?.name === 'TimeoutError' ? 'no answer within 10 s' : errorMessage(err);
  let host = 'the channel URL';
  try {
    const u = new URL(url);
    host = u.host;
  } catch {
    // a URL that does not parse: say so without repeating it
  }
  return `cannot reach ${host} (${code})`;
}

