import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RunAs } from '../etcd/etcd-cluster.js';

const run = promisify(execFile);

/**
 * A real network partition between processes on one machine: each side runs with a Unix group of
 * its own, and iptables drops what one side's group sends to the other side's ports on the
 * loopback interface (`-m owner --gid-owner`), so connections hang as across a cut cable. The user
 * stays the caller's (root: it reads the build wherever the checkout is, a 0700 temporary folder
 * included). Needs root (CI runs as root; `npm test` installs iptables). heal() removes the rules.
 */
export class LoopbackPartition {
  readonly #rules: string[][];
  #cut = false;

  /** `sides`: each user and the ports the *other* side listens on (what it may no longer reach). */
  constructor(sides: readonly { readonly as: RunAs; readonly theirPorts: readonly number[] }[]) {
    this.#rules = sides.map((s) => ['OUTPUT', '-o', 'lo', '-p', 'tcp', '-m', 'owner', '--gid-owner', String(s.as.gid), '-m', 'multiport', '--dports', s.theirPorts.join(','), '-j', 'DROP']);
  }

  /** Makes (once) a system group for one side, e.g. `ha-gw-a`, and returns the caller's user with it. */
  static async side(name: string): Promise<RunAs> {
    const gid = async (): Promise<number> => Number((await run('getent', ['group', name])).stdout.split(':')[2]);
    const uid = process.getuid?.() ?? 0;
    try {
      return { uid, gid: await gid() };
    } catch {
      await run('groupadd', ['--system', name]).catch(() => undefined);
      return { uid, gid: await gid() };
    }
  }

  async cut(): Promise<void> {
    if (this.#cut) return;
    for (const r of this.#rules) await run('iptables', ['-w', '-A', ...r]);
    this.#cut = true;
  }

  async heal(): Promise<void> {
    if (!this.#cut) return;
    for (const r of this.#rules) await run('iptables', ['-w', '-D', ...r]).catch(() => undefined);
    this.#cut = false;
  }
}
