/** What the ha measure reads off the gateways: their log lines as they come. */
import { sleep } from './load.js';

/** When each device's ticket was logged durable, and by which gateway: stamped as the line arrives. */
export class RaisedLines {
  readonly #at = new Map<string, { gatewayId: string; at: number; durableMs: number | null }>();
  /** The last lines of every gateway, to show what they said of a ticket that went wrong. */
  readonly #kept: string[] = [];

  line(gatewayId: string, line: string): void {
    this.#kept.push(`${gatewayId} ${line}`);
    if (this.#kept.length > 50_000) this.#kept.splice(0, 10_000);
    if (!line.includes('"event":"ticket.raised"')) return;
    const at = performance.now();
    try {
      const e = JSON.parse(line) as { deviceId?: string; durableMs?: number };
      if (typeof e.deviceId === 'string' && !this.#at.has(e.deviceId)) this.#at.set(e.deviceId, { gatewayId, at, durableMs: typeof e.durableMs === 'number' ? e.durableMs : null });
    } catch {
      // a torn line: that ticket counts as missed
    }
  }

  /** When its line arrived here, and the gateway's own fault decided -> durable for it (`durableMs` of the line). */
  get(deviceId: string): { gatewayId: string; at: number; durableMs: number | null } | undefined {
    return this.#at.get(deviceId);
  }

  mentioning(text: string): string[] {
    return this.#kept.filter((l) => l.includes(text));
  }
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
