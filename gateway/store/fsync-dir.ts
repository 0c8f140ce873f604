import { closeSync, constants, fsyncSync, openSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';

/**
 * A new or renamed file is durable only once its directory entry is on disk too (ext4, xfs):
 * sync the folder after creating or renaming a file in it.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncDir without giving up the event loop (the store's small synchronous writes). */
export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a whole file in place of what was there: under a temporary name, synced, renamed over
 * the file, the folder synced. A crash leaves the old file or the new one, never half of it.
 */
export async function replaceFileDurably(file: string, data: Buffer | string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = `${file}.tmp`;
  await mkdir(dir, { recursive: true });
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await fsyncDir(dir);
}
