import { when } from '../notify/alert-text.js';
import { preciseSpanWords } from '../../core/local-time.js';
import type { Bilingual } from '../../core/vocabulary.js';
import type { PresenceRecord, StopBy } from './presence-file.js';

/**
 * Why the gateway was away: a clean stop (and who made it), or no clean stop recorded, told apart
 * by the kernel's boot id: the same boot means the process ended (a crash, kill -9, out of
 * memory), another boot means the machine went down with it (a power loss, a kernel panic, a reset).
 */
export type AbsenceCause = { readonly kind: 'stopped'; readonly by: StopBy } | { readonly kind: 'crash' } | { readonly kind: 'power' };

export interface Absence {
  /** Wall time (epoch ms) the previous run was last known alive, and this run started. */
  readonly from: number;
  readonly to: number;
  readonly cause: AbsenceCause;
}

/** How long the previous run was away and why; null on a first start. */
export function absenceOf(previous: PresenceRecord | null, startedAt: number, bootId: string | null): Absence | null {
  if (previous === null) return null;
  const from = previous.stop?.at ?? previous.aliveAt;
  // A wall clock stepped back between the runs would make a negative span: it is no time away.
  const to = Math.max(from, startedAt);
  if (previous.stop !== null) return { from, to, cause: { kind: 'stopped', by: previous.stop.by } };
  const sameBoot = previous.bootId !== null && bootId !== null && previous.bootId === bootId;
  return { from, to, cause: { kind: sameBoot ? 'crash' : 'power' } };
}

const STOPPED_BY: Readonly<Record<StopBy, Bilingual>> = {
  SIGTERM: { zh: '正常停止（服务管理器或运维人员停止，SIGTERM）', en: 'a clean stop (SIGTERM: the service manager or an operator)' },
  SIGINT: { zh: '正常停止（控制台 Ctrl-C）', en: 'a clean stop (Ctrl-C at a console)' },
  'ups-battery-low': { zh: '网关所在 UPS 电量低，网关自行停止', en: "its own UPS ran low on battery, so it stopped itself" },
  watchdog: { zh: '事件循环停滞，被看门狗终止', en: 'its event loop stood still and the watchdog ended it' },
  program: { zh: '正常停止（重启）', en: 'a clean stop (a restart)' },
};

/** The cause in words: "stopped by a crash" as staff read it. */
export function causeWords(c: AbsenceCause): Bilingual {
  switch (c.kind) {
    case 'stopped':
      return STOPPED_BY[c.by];
    case 'crash':
      return { zh: '进程崩溃（未记录正常停止）', en: 'a crash (no clean stop recorded)' };
    case 'power':
      return { zh: '断电或机器重启（未记录正常停止）', en: 'a power loss or machine restart (no clean stop recorded)' };
    default: {
      const never: never = c;
      throw new Error(`unknown cause ${JSON.stringify(never)}`);
    }
  }
}

/** `cause` as one word for machines (central's status, the outage log): stopped:SIGTERM, crash, power. */
export function causeCode(c: AbsenceCause): string {
  return c.kind === 'stopped' ? `stopped:${c.by}` : c.kind;
}

/** "离线 12 分钟（10:02 至 10:14），原因：进程崩溃（未记录正常停止）" in the site's time, short. */
export function absenceWords(a: Absence, now: number, timeZone: string): Bilingual {
  const cause = causeWords(a.cause);
  const span = a.to - a.from;
  // To the second (an outage's length is a fact for the record), a short one in words.
  const zhSpan = span < 60_000 ? '不到 1 分钟' : preciseSpanWords(span, 'zh');
  const enSpan = span < 60_000 ? 'under 1 min' : preciseSpanWords(span, 'en');
  return {
    zh: `离线 ${zhSpan}（${when(a.from, now, timeZone, 'zh-CN')} 至 ${when(a.to, now, timeZone, 'zh-CN')}），原因：${cause.zh}`,
    en: `away ${enSpan} (${when(a.from, now, timeZone, 'en')} to ${when(a.to, now, timeZone, 'en')}), stopped by ${cause.en}`,
  };
}
