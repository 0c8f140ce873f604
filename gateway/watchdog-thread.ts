/**
 * The event-loop watchdog's own thread (watchdog.ts starts it). A stalled main loop cannot see its
 * own stall, so this thread watches the counter the main thread bumps in shared memory. When the
 * counter has not moved for `stallAfterMs` of this thread's monotonic time, it writes one pino-shaped
 * line straight to fd 1 (the main thread's logger cannot run) and kills the process with SIGKILL:
 * nothing a stuck main thread does can stop it, and the supervisor (systemd, Docker) restarts it.
 */
import { readFileSync, writeSync } from 'node:fs';
import { writeWhole } from './liveness/write-whole.js';
import { hostname } from 'node:os';
import { workerData } from 'node:worker_threads';

export interface WatchdogThreadData {
  readonly heartbeat: SharedArrayBuffer;
  readonly stallAfterMs: number;
  readonly checkEveryMs: number;
  readonly bindings: Readonly<Record<string, unknown>>;
  readonly presenceFile: string | null;
}

const data = workerData as WatchdogThreadData;
const beats = new Int32Array(data.heartbeat);
let seen = Atomics.load(beats, 0);
let movedAt = performance.now();

setInterval(() => {
  const now = performance.now();
  const beat = Atomics.load(beats, 0);
  if (beat !== seen) {
    seen = beat;
    movedAt = now;
    return;
  }
  const stalledMs = Math.round(now - movedAt);
  if (stalledMs < data.stallAfterMs) return;
  const line = {
    level: 60,
    time: Date.now(),
    pid: process.pid,
    hostname: hostname(),
    ...data.bindings,
    component: 'watchdog',
    event: 'watchdog.stall',
    code: 'GW_EVENT_LOOP_STALLED',
    stalledMs,
    limitMs: data.stallAfterMs,
    msg: `the event loop has not run for ${stalledMs} ms (limit ${data.stallAfterMs} ms); killing the process so its supervisor restarts it`,
  };
  writeSync(1, `${JSON.stringify(line)}\n`);
  recordStop();
  process.kill(process.pid, 'SIGKILL');
}, data.checkEveryMs);

/** The next start says it was the watchdog, not an unexplained crash (liveness/presence-file.ts). */
function recordStop(): void {
  if (data.presenceFile === null) return;
  try {
    const record = JSON.parse(readFileSync(data.presenceFile, 'utf8')) as Record<string, unknown>;
    // A stamp, read by people at the next start: wall time is what it is for.
    const at = Date.now();
    writeWhole(data.presenceFile, JSON.stringify({ ...record, aliveAt: at, stop: { at, by: 'watchdog' } }));
  } catch {
    // No stamp to complete: the next start calls it a crash, which it also is.
  }
}
