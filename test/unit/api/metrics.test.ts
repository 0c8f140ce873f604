import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../../gateway/api/metrics.js';
import type { SyncStatus } from '../../../cloud-sync/sync-status.js';

const sync: SyncStatus = { state: 'idle', backlog: 0, backlogBytes: 0, quotaBytes: null, nearQuota: false, oldestAgeMs: null, lastSuccessAt: null, lastError: null, lastErrorAt: null, deadLetters: 0, uploaded: 0 } as SyncStatus;

/** Metric names in a Prometheus text exposition, each once per TYPE line. */
function types(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? '');
}

describe('GatewayMetrics', () => {
  it("carries the process and Node.js metrics beside the gateway's own, each name once", async () => {
    const a = new GatewayMetrics({ sync: () => sync, adapters: () => [] });
    const b = new GatewayMetrics({ sync: () => sync, adapters: () => [] });
    const text = await a.text();
    for (const name of ['gateway_readings_total', 'process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_active_handles_total', 'nodejs_gc_duration_seconds']) {
      expect(types(text)).toContain(name);
    }
    const names = types(text);
    expect(new Set(names).size).toBe(names.length);
    // A second gateway in the process shares the process metrics (no second event-loop monitor).
    expect(types(await b.text())).toEqual(names);
  });

  it('has every metric the Grafana dashboard in docs/ plots', async () => {
    const m = new GatewayMetrics({ sync: () => sync, adapters: () => [], alerts: () => ({ pending: 0, undeliveredEmergencies: 0 }) });
    const exposed = new Set(types(await m.text()));
    const dashboard = JSON.parse(await readFile('docs/grafana-dashboard.json', 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const plotted = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\b((?:gateway|nodejs|process)_[a-z0-9_]+)\b/g)].map((x) => (x[1] ?? '').replace(/_(bucket|sum|count)$/, '')))));
    expect(plotted.size).toBeGreaterThan(20);
    for (const name of plotted) expect(exposed, name).toContain(name);
  });
});
