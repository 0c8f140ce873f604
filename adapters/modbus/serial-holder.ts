import { readFile, stat } from 'node:fs/promises';

/** A process holding a serial port's lock. */
export interface SerialHolder {
  readonly pid: number;
  /** Its command line, as `ps` shows it (empty when /proc does not say). */
  readonly command: string;
  /** It is a gateway (dist/gateway/main.js): it polls the line and holds it while it runs. */
  readonly isGateway: boolean;
}

/** serialport locks the ports it opens (flock); a second open fails with this (EAGAIN / EWOULDBLOCK). */
export function isLockRefusal(message: string): boolean {
  return /cannot lock port|resource temporarily unavailable/i.test(message);
}

/**
 * Who holds the lock on `path` (Linux): /proc/locks lists every flock with the pid that holds it
 * and the device and inode it is on (`1: FLOCK  ADVISORY  WRITE 1234 00:1a:3 0 EOF`). Looking at
 * who has the port open would not do: whatever relays a line (socat, a USB driver's helper) has it
 * open too, without the lock. Null when no lock is found or /proc cannot say.
 */
export async function serialHolder(path: string): Promise<SerialHolder | null> {
  try {
    const st = await stat(path, { bigint: true });
    // Linux dev_t (include/linux/kdev_t.h, new_decode_dev): /proc/locks prints MAJOR:MINOR in hex.
    const major = ((st.dev >> 8n) & 0xfffn) | ((st.dev >> 32n) & ~0xfffn);
    const minor = (st.dev & 0xffn) | ((st.dev >> 12n) & ~0xffn);
    const where = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${st.ino}`;
    const line = (await readFile('/proc/locks', 'utf8')).split('\n').find((l) => l.split(/\s+/)[5] === where);
    const pid = Number(line?.split(/\s+/)[4]);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    const command = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter((a) => a !== '').join(' ');
    return { pid, command, isGateway: /gateway[/\\]main\.js/.test(command) };
  } catch {
    return null; // not Linux, or the path is gone: the caller says what it knows without a name
  }
}

/** What an operator reads when the probe cannot open `path` because something holds it. */
export function heldPortMessage(path: string, holder: SerialHolder | null): string {
  if (holder === null) {
    return `the port is held by another program (it could not be locked): a gateway polling this line, or a terminal program; \`fuser -v ${path}\` names it. Stop it, then probe again.`;
  }
  const who = `pid ${holder.pid}${holder.command === '' ? '' : `: ${holder.command}`}`;
  if (holder.isGateway) {
    return `the port is held by the gateway (${who}), which polls this line: stop it first (systemctl stop building-fault-gateway, or kill -TERM ${holder.pid}; it closes the port as it stops), probe, then start it again.`;
  }
  return `the port is held by another program (${who}): close it (kill -TERM ${holder.pid}), then probe again.`;
}
