const started = performance.now();

/** Progress on stderr (stdout carries the table and the JSON line). */
export function progress(message: string): void {
  process.stderr.write(`  [${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}
