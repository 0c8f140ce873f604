import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RunAs } from '../etcd/etcd-cluster.js';

const run = promisify(execFile);

/**
 * A real network partition between processes on one machine: each side runs as its own Unix user,
 * and iptables drops what one side's user sends to the other side's ports on the loopback
 * interface (`-m owner --uid-owner`), so connections hang as across a cut cable. Needs root (the
 * tests run as root in CI; `npm test` installs iptables). The rules are removed by heal().
 */
export class LoopbackPartition {
  readonly #rules: string[][];
  #cut = false;

  /** `sides`: each user and the ports the *other* side listens on (what it may no longer reach). */
  constructor(sides: readonly { readonly as: RunAs; readonly theirPorts: readonly number[] }[]) {
    this.#rules = sides.map((s) => ['OUTPUT', '-o', 'lo', '-p', 'tcp', '-m', 'owner', '--uid-owner', String(s.as.uid), '-m', 'multiport', '--dports', s.theirPorts.join(','), '-j', 'DROP']);
  }

  /** Makes (once) and returns a system user for one side, e.g. `ha-gw-a`. */
  static async user(name: string): Promise<RunAs> {
    const id = async (flag: string): Promise<number> => Number((await run('id', [flag, name])).stdout.trim());
    try {
      return { uid: await id('-u'), gid: await id('-g') };
    } catch {
      await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]).catch(() => undefined);
      return { uid: await id('-u'), gid: await id('-g') };
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
