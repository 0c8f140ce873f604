/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** CLOCK_MONOTONIC in ms: one clock for every process on the machine, so a publish in one and a receipt in another compare. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
