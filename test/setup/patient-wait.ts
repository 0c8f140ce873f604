import { vi } from 'vitest';

/**
 * `vi.waitFor` waits for a condition, and its default patience is one second: on a shared two-core
 * machine under load, a real socket, child process or disk write can take longer than that, and a
 * test that fails under load is a defect. A wait that names no timeout gets 15 s here. A condition
 * that holds returns as soon as it does, so a longer limit costs nothing when the test passes; it
 * only moves the moment a real failure is reported. Speed is measured by `npm run bench`, never here.
 */
const waitFor = vi.waitFor.bind(vi);
const PATIENCE = { timeout: 15_000, interval: 20 };
vi.waitFor = ((callback: Parameters<typeof vi.waitFor>[0], options?: Parameters<typeof vi.waitFor>[1]) =>
  waitFor(callback, typeof options === 'number' ? options : { ...PATIENCE, ...options })) as typeof vi.waitFor;
