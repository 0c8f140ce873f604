import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * `gateway.pid` in the data folder: the process using the store. The store writes it at open and
 * removes it at close; a restore refuses a folder whose pid is alive. After a kill -9 the file
 * stays, but its pid is gone, so it does not count.
 */
const LOCK = 'gateway.pid';

export async function markInUse(dataDir: string): Promise<void> {
  await writeFile(path.join(dataDir, LOCK), `${process.pid}\n`, { mode: 0o600 });
}

export async function markFree(dataDir: string): Promise<void> {
  const file = path.join(dataDir, LOCK);
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text.trim() === String(process.pid)) await unlink(file).catch(() => undefined);
}

/** The pid of a live process using the folder, or null. */
export async function liveGatewayPid(dataDir: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, LOCK), 'utf8');
  } catch {
    return null;
  }
  const pid = Number.parseInt(text.trim(), 10);
  // Our own pid is no other gateway: a restore run as pid 1 in a fresh container, say.
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive, but another user's.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}
