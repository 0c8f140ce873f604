/**
 * What an open page costs the site's network (issue 33): the real gateway process on a site of
 * `devices` three-phase meters over MQTT, publishers at `readingsPerSecond`, and three live streams
 * opened side by side as the pages open them: a patrol page (`events=ticket,alerts`), an operator
 * page (`events=devices,alerts`) and a stream that asks for everything (what every page received
 * before each asked for its own). No ticket changes meanwhile: the patrol page's bytes are its
 * heartbeat alone. Bytes a minute, measured over the same window for all three.
 */
import { freePort } from '../simulators/free-port.js';
import { spawnGateway } from './child.js';
import { LoadPublishers, sleep } from './load.js';
import { progress } from './progress.js';
import { benchSite, loadDevicesOf, meterDevices, scratch, THREE_PHASE_METER_POINTS, writeSiteFile } from './sites.js';
import { round } from './stats.js';

export interface PagesOptions {
  readonly devices: number;
  readonly readingsPerSecond: number;
  readonly publishers: number;
  readonly warmupMs: number;
  readonly windowMs: number;
}

/** Counts the bytes one live stream receives, from the moment `mark()` is called. */
class StreamCounter {
  readonly #abort = new AbortController();
  #bytes = 0;
  #from = 0;

  static async open(url: string): Promise<StreamCounter> {
    const c = new StreamCounter();
    const res = await fetch(url, { signal: c.#abort.signal });
    if (!res.ok || res.body === null) throw new Error(`live stream ${url}: HTTP ${res.status}`);
    const reader = res.body.getReader();
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          c.#bytes += value.byteLength;
        }
      } catch {
        // Aborted at the end of the measure.
      }
    })();
    return c;
  }

  mark(): void {
    this.#from = this.#bytes;
  }

  bytesPerMinute(windowMs: number): number {
    return Math.round(((this.#bytes - this.#from) * 60_000) / windowMs);
  }

  close(): void {
    this.#abort.abort();
  }
}

export async function measurePages(o: PagesOptions): Promise<Record<string, number>> {
  const tmp = await scratch('pages');
  const devices = meterDevices(o.devices * THREE_PHASE_METER_POINTS.length, THREE_PHASE_METER_POINTS);
  const mqttPort = await freePort();
  const input = benchSite(tmp.dir, devices, { log: { level: 'info' } });
  const broker = input.broker?.mode === 'embedded' ? { ...input.broker, port: mqttPort } : input.broker;
  const siteFile = await writeSiteFile(tmp.dir, { ...input, ...(broker === undefined ? {} : { broker }) });
  const gateway = await spawnGateway(siteFile, 180_000);
  const streams: StreamCounter[] = [];
  try {
    const [patrol, operator, everything] = await Promise.all(['?events=ticket,alerts', '?events=devices,alerts', ''].map((q) => StreamCounter.open(`${gateway.httpUrl}/api/events${q}`)));
    streams.push(patrol as StreamCounter, operator as StreamCounter, everything as StreamCounter);
    const pubs = await LoadPublishers.connect(mqttPort, loadDevicesOf(devices), o.publishers);
    try {
      pubs.go(o.readingsPerSecond);
      await sleep(o.warmupMs);
      for (const s of streams) s.mark();
      const w0 = performance.now();
      await sleep(o.windowMs);
      const ms = performance.now() - w0;
      const result = {
        devices: o.devices,
        readingsPerSecond: o.readingsPerSecond,
        patrolBytesPerMinute: (patrol as StreamCounter).bytesPerMinute(ms),
        operatorBytesPerMinute: (operator as StreamCounter).bytesPerMinute(ms),
        everyEventBytesPerMinute: (everything as StreamCounter).bytesPerMinute(ms),
      };
      const ratio = result.patrolBytesPerMinute === 0 ? null : round(result.everyEventBytesPerMinute / result.patrolBytesPerMinute, 0);
      progress(`pages: patrol ${result.patrolBytesPerMinute} B/min, operator ${result.operatorBytesPerMinute} B/min, every event ${result.everyEventBytesPerMinute} B/min${ratio === null ? '' : ` (${ratio}x the patrol page)`}`);
      return result;
    } finally {
      await pubs.stop();
    }
  } finally {
    for (const s of streams) s.close();
    await gateway.stop();
    await tmp.remove();
  }
}
