import { readdirSync, readFileSync } from 'node:fs';

/** Sockets, servers, child processes and timers alive in this process, by kind. */
export function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

/** Live child processes of this process (Linux /proc; empty elsewhere). */
export function childProcesses(): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  return pids.flatMap((pid) => {
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return ppid === process.pid ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Waits until no kind of handle outnumbers `baseline` and no child process is left, or throws
 * naming what is left. Polls with one plain timer that has fired by the time it looks, so the
 * check does not count itself (vi.waitFor's own timers would).
 */
export async function expectNothingLeft(baseline: Record<string, number>, opts: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = performance.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const over = Object.entries(handles()).filter(([kind, n]) => n > (baseline[kind] ?? 0));
    const children = childProcesses();
    if (over.length === 0 && children.length === 0) return;
    if (performance.now() > deadline) throw new Error(`left behind: ${JSON.stringify(Object.fromEntries(over))} handles over the baseline ${JSON.stringify(baseline)}, child processes ${JSON.stringify(children)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
