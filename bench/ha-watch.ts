/** What the ha measure reads off the gateways: their log lines as they come, their durable-latency histogram. */
import { sleep } from './load.js';

/** When each device's ticket was logged durable, and by which gateway: stamped as the line arrives. */
export class RaisedLines {
  readonly #at = new Map<string, { gatewayId: string; at: number }>();
  /** The last lines of every gateway, to show what they said of a ticket that went wrong. */
  readonly #kept: string[] = [];

  line(gatewayId: string, line: string): void {
    this.#kept.push(`${gatewayId} ${line}`);
    if (this.#kept.length > 50_000) this.#kept.splice(0, 10_000);
    if (!line.includes('"event":"ticket.raised"')) return;
    const at = performance.now();
    try {
      const e = JSON.parse(line) as { deviceId?: string };
      if (typeof e.deviceId === 'string' && !this.#at.has(e.deviceId)) this.#at.set(e.deviceId, { gatewayId, at });
    } catch {
      // a torn line: that ticket counts as missed
    }
  }

  get(deviceId: string): { gatewayId: string; at: number } | undefined {
    return this.#at.get(deviceId);
  }

  mentioning(text: string): string[] {
    return this.#kept.filter((l) => l.includes(text));
  }
}

/** gateway_detection_to_ticket_ms from a gateway's /metrics: upper bound (ms, Infinity for +Inf) -> cumulative count. */
export async function durableHistogram(url: string): Promise<Map<number, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const m of text.matchAll(/^gateway_detection_to_ticket_ms_bucket\{le="([^"]+)"\} (\S+)$/gm)) buckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  return buckets;
}

/** The smallest bucket bound holding 99 % of what was observed between two scrapes. */
export function p99Bucket(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return Number.NaN;
  for (const b of bounds) if ((after.get(b) ?? 0) - (before.get(b) ?? 0) >= 0.99 * total) return b;
  return Infinity;
}

/** Polls `probe` until it gives a value; throws after `limitMs` naming what it waited for. */
export async function waitFor(probe: () => number | null | Promise<number | null>, what: string, everyMs = 10, limitMs = 60_000): Promise<number> {
  const until = performance.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (performance.now() > until) throw new Error(`ha: no ${what} within ${limitMs / 1000} s`);
    await sleep(everyMs);
  }
}
