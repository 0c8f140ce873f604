import { collectDefaultMetrics, Registry } from 'prom-client';

let registry: Registry | null = null;

/**
 * The process and Node.js metrics prom-client provides (CPU, resident memory, open files, heap by
 * space, event-loop lag percentiles, active handles and requests, GC durations), on a registry of
 * their own. They describe the process, not one gateway, so there is one per process, made at the
 * first scrape: prom-client's event-loop monitor and GC observer cannot be stopped, and a registry
 * per gateway would add one of each for every gateway a test process builds.
 */
export function processRegistry(): Registry {
  if (registry === null) {
    registry = new Registry();
    // 10 ms resolution: lag below that does not matter to a gateway whose alerts have seconds.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  }
  return registry;
}
