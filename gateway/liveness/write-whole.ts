import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

/**
 * Temp file, fsync, rename: a reader finds the old file or the new one, never a torn one. For the
 * presence stamp (a few hundred bytes), from the main thread and from the watchdog's own thread,
 * which must load nothing more than this to record the stop it makes.
 */
export function writeWhole(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
