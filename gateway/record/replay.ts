import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { constants, createGunzip } from 'node:zlib';
import { createFaultPipeline } from '../alarms/index.js';
import { ManualClock, systemClock } from '../../core/clock.js';
import type { SiteConfig } from '../config/site-schema.js';
import { silentLogger } from '../../core/log.js';
import { FileStore } from '../store/store.js';
import type { Ticket } from '../tickets/ticket.js';
import { TicketService } from '../tickets/ticket-service.js';
import type { RecordedLine, RecordingHeader } from './reading-recorder.js';

export interface ReplayOptions {
  /** Real-time pacing: N times faster than recorded; omitted = as fast as it goes (the result is the same). */
  readonly speed?: number;
  /** Scenario time after the last reading, so on-delays and offline windows can finish. */
  readonly settleMs?: number;
}

/** A rule's condition turning on during the replay (every one, also those that only add an occurrence to an open ticket). */
export interface ReplayFired {
  readonly deviceId: string;
  readonly fault: string;
  /** Wall time it would have fired at (the recording's clock). */
  readonly ts: number;
}

export interface ReplayResult {
  readonly tickets: readonly Ticket[];
  /** Every activation of every rule, in order: what a site tunes its rules by. */
  readonly fired: readonly ReplayFired[];
  readonly readings: number;
  /** The devices the recording has readings of (only these are judged). */
  readonly heard: readonly string[];
  /** Lines that were not readings of this site's devices and points (skipped, counted). */
  readonly skipped: number;
  readonly header: RecordingHeader;
}

/**
 * Runs a recording through the site's detection, alarms and ticket rules on a clock of its own
 * (the recorded elapsed times), with a throwaway store in a temporary folder: the site's store,
 * its alert channels and the central service are never touched. What comes out is the tickets the
 * gateway would have raised with this site file, each with its time, wording and evidence.
 */
export async function replayRecording(file: string, site: SiteConfig, o: ReplayOptions = {}): Promise<ReplayResult> {
  // A device the recording never heard from is not judged (it would only look offline).
  const heard = new Set<string>();
  for await (const text of recordingLines(file)) if (text.startsWith('{"t":')) heard.add((JSON.parse(text) as RecordedLine).d);
  site = { ...site, devices: site.devices.filter((d) => heard.has(d.id)) };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gw-replay-'));
  try {
    let header: RecordingHeader | null = null;
    let clock: ManualClock | null = null;
    let pipeline: ReturnType<typeof createFaultPipeline> | null = null;
    let tickets: TicketService | null = null;
    let store: FileStore | null = null;
    let readings = 0;
    let skipped = 0;
    const fired: ReplayFired[] = [];
    const points = new Set(site.devices.flatMap((d) => d.source.points.map((p) => `${d.id}/${p.id}`)));
    {
      for await (const text of recordingLines(file)) {
        if (header === null) {
          header = JSON.parse(text) as RecordingHeader;
          if (header.recording !== 1) throw new Error(`${file} is not a gateway recording`);
          clock = new ManualClock(header.startedAt);
          store = await FileStore.open({ dataDir: dir, clock: systemClock, log: silentLogger() });
          tickets = await TicketService.open({ store, site: { ...site, dataDir: dir }, clock, log: silentLogger() });
          pipeline = createFaultPipeline({ site, store, tickets, clock, log: silentLogger() });
          pipeline.on('condition', (c) => {
            if (c.active && c.again !== true) fired.push({ deviceId: c.deviceId, fault: c.fault, ts: c.ts });
          });
          pipeline.start();
          continue;
        }
        if (clock === null || pipeline === null) break;
        const r = JSON.parse(text) as RecordedLine;
        if (!points.has(`${r.d}/${r.p}`)) {
          skipped++;
          continue;
        }
        const ahead = r.t - clock.monotonic();
        if (ahead > 0) {
          if (o.speed !== undefined) await new Promise((resolve) => setTimeout(resolve, ahead / o.speed!));
          clock.advance(ahead);
        }
        // An event comes back as an event, so the faults it raised are raised again with its words.
        if (r.e !== undefined && r.q === 'good' && typeof r.v === 'string') pipeline.ingest({ deviceId: r.d, pointId: r.p, value: r.v, quality: 'good', ts: clock.now(), event: { text: r.e } });
        else pipeline.ingest({ deviceId: r.d, pointId: r.p, value: r.v, quality: r.q, ts: clock.now() });
        readings++;
        await pipeline.idle();
      }
    }
    if (header === null || clock === null || pipeline === null || tickets === null || store === null) throw new Error(`${file} holds no recording`);
    const end = clock.now();
    clock.advance(o.settleMs ?? 60_000);
    await pipeline.idle();
    // The recording ending is not every device falling silent: an offline ticket only the settling raised is left out.
    const raised = tickets
      .all()
      .filter((t) => !(t.fault === 'device-offline' && Date.parse(t.createdAt) > end))
      .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    await pipeline.stop();
    await store.close();
    return { tickets: raised, fired: fired.filter((f) => !(f.fault === 'device-offline' && f.ts > end)), heard: [...heard], readings, skipped, header };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The text lines of a recording; one cut short by a crash ends where its last flush did. */
async function* recordingLines(file: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip({ finishFlush: constants.Z_SYNC_FLUSH })) });
  try {
    for await (const text of lines) if (text.trim() !== '') yield text;
  } catch (err) {
    if (!(err instanceof Error && /unexpected end of file/i.test(err.message))) throw err;
  }
}
