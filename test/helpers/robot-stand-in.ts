import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { onTestFinished } from 'vitest';

export type Platform = 'wecom' | 'dingtalk' | 'feishu';

export interface RobotMessage {
  readonly platform: Platform;
  /** The robot (the `robot` query parameter of its URL: several robots of one platform). */
  readonly robot: string;
  readonly body: Record<string, unknown>;
  /** Wall time it arrived (epoch ms). */
  readonly at: number;
}

export interface RobotStandIn {
  readonly url: (platform: Platform, robot?: string) => string;
  readonly received: RobotMessage[];
  /** Messages refused (bad signature, rate limit, forced error), with the code answered. */
  readonly refused: { platform: Platform; code: number; reason: string }[];
  /** Answer the next `n` messages with this error code (310000: DingTalk's signature/keyword/IP refusal). */
  failNext(n: number, code: number, message: string): void;
}

const SECRET = { dingtalk: 'SEC-ding-stand-in', feishu: 'feishu-stand-in-secret' } as const;
export const ROBOT_SECRETS = SECRET;
/** WeCom and DingTalk take 20 messages a minute per robot; Feishu 100. */
const PER_MINUTE: Record<Platform, number> = { wecom: 20, dingtalk: 20, feishu: 100 };

/**
 * A local stand-in for the three group robots, as strict as they are: it checks each platform's
 * signature (DingTalk in the query, Feishu in the body, an hour of clock skew at most), each
 * message's shape, and each robot's rate limit, and answers the way they do: HTTP 200 with
 * `errcode` (WeCom, DingTalk) or `code` (Feishu) 0 when it took the message, an error code when not.
 */
export async function robotStandIn(opts: { now?: () => number } = {}): Promise<RobotStandIn> {
  const clockNow = opts.now ?? Date.now;
  const received: RobotMessage[] = [];
  const refused: RobotStandIn['refused'] = [];
  const accepted: Partial<Record<string, number[]>> = {};
  let forced: { n: number; code: number; message: string } | null = null;
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const platform = u.pathname.slice(1) as Platform;
      const answer = (code: number, reason: string): void => {
        if (code !== 0) refused.push({ platform, code, reason });
        const body = platform === 'feishu' ? { code, msg: code === 0 ? 'success' : reason, data: {} } : { errcode: code, errmsg: code === 0 ? 'ok' : reason };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return answer(40000, 'invalid json');
      }
      const problem = check(platform, u, body, clockNow());
      if (problem !== null) return answer(platform === 'dingtalk' ? 310000 : platform === 'feishu' ? 19021 : 40008, problem);
      if (forced !== null && forced.n > 0) {
        forced.n -= 1;
        return answer(forced.code, forced.message);
      }
      const now = clockNow();
      const robot = u.searchParams.get('robot') ?? 'default';
      const key = `${platform}/${robot}` as Platform;
      const window = (accepted[key] ?? []).filter((t) => t > now - 60_000);
      if (window.length >= (PER_MINUTE[platform] ?? 20)) return answer(platform === 'wecom' ? 45009 : platform === 'dingtalk' ? 130101 : 11232, 'send too fast, exceed 20 times per minute');
      accepted[key] = [...window, now];
      received.push({ platform, robot, body, at: now });
      answer(0, 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  const addr = server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  return {
    url: (p, robot = 'default') => (p === 'dingtalk' ? `${base}/dingtalk?access_token=stand-in&robot=${robot}` : `${base}/${p}?robot=${robot}`),
    received,
    refused,
    failNext(n, code, message) {
      forced = { n, code, message };
    },
  };
}

/** What the real robot would refuse, or null. */
function check(platform: Platform, u: URL, body: Record<string, unknown>, now: number): string | null {
  switch (platform) {
    case 'wecom': {
      if (body['msgtype'] !== 'text' && body['msgtype'] !== 'markdown') return 'invalid msgtype';
      const text = body['text'] as { content?: unknown; mentioned_mobile_list?: unknown } | undefined;
      if (body['msgtype'] === 'text' && typeof text?.content !== 'string') return 'missing text.content';
      if (body['msgtype'] === 'text' && Buffer.byteLength(String(text?.content)) > 2048) return 'content exceeds 2048 bytes';
      return null;
    }
    case 'dingtalk': {
      const ts = Number(u.searchParams.get('timestamp'));
      const sign = u.searchParams.get('sign');
      const expected = createHmac('sha256', SECRET.dingtalk).update(`${ts}\n${SECRET.dingtalk}`).digest('base64');
      if (sign !== expected) return 'sign not match';
      if (Math.abs(now - ts) > 3_600_000) return 'timestamp too far from now';
      if (body['msgtype'] !== 'markdown' && body['msgtype'] !== 'text') return 'invalid msgtype';
      return null;
    }
    case 'feishu': {
      const ts = Number(body['timestamp']);
      const expected = createHmac('sha256', `${ts}\n${SECRET.feishu}`).update('').digest('base64');
      if (body['sign'] !== expected) return 'sign match fail';
      if (Math.abs(now / 1000 - ts) > 3600) return 'timestamp is not within one hour from current time';
      if (body['msg_type'] !== 'interactive' && body['msg_type'] !== 'text') return 'invalid msg_type';
      return null;
    }
    default:
      return 'no such robot';
  }
}

/** The text a person reads in a robot message, whatever its platform. */
export function readText(m: RobotMessage): string {
  const b = m.body;
  if (m.platform === 'wecom') return String((b['text'] as { content?: string } | undefined)?.content ?? (b['markdown'] as { content?: string } | undefined)?.content ?? '');
  if (m.platform === 'dingtalk') return String((b['markdown'] as { text?: string } | undefined)?.text ?? '');
  const card = b['card'] as { header: { title: { content: string } }; elements: { text?: { content: string } }[] };
  return [card.header.title.content, ...card.elements.flatMap((e) => (e.text === undefined ? [] : [e.text.content]))].join('\n');
}
