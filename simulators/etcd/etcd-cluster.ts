import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../free-port.js';

/** Debian's etcd (`apt-get install etcd-server`); `npm test` installs it (scripts/ensure-test-tools.sh). */
export const ETCD_BINARY = '/usr/bin/etcd';

/** How long a member may take to serve its client port. */
const START_TIMEOUT_MS = 30_000;

interface Member {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dir: string;
  child: ChildProcess | null;
  exited: Promise<void>;
  /** Stopped with SIGSTOP: alive but answering nothing. */
  paused: boolean;
  lines: string[];
  /** Runs with this user and group (null: as the test): a partition test cuts its traffic by owner. */
  readonly as: RunAs | null;
}

/** A Unix user a process runs as. */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** Ports a member listens on (what a partition cuts). */
export interface MemberPorts {
  readonly client: number;
  readonly peer: number;
}

/**
 * A real etcd cluster of `size` members on 127.0.0.1 (the two gateways' members and the witness
 * of a site, each its own process and data folder): started, a member killed, paused (SIGSTOP) or
 * started again on its data, and everything removed at stop. The election and heartbeat timings
 * are the ones docs/high-availability.md gives a site (a LAN, not the defaults tuned for a WAN).
 */
export class EtcdCluster {
  readonly #members: Member[];
  readonly #root: string;
  readonly #token: string;

  readonly #quotaBytes: number;

  private constructor(root: string, members: Member[], quotaBytes: number) {
    this.#quotaBytes = quotaBytes;
    this.#root = root;
    this.#members = members;
    this.#token = `site-${path.basename(root)}`;
  }

  /** `quotaBytes`: etcd's space quota (default the 2 GB the docs give; a test of its NOSPACE alarm sets a small one). */
  static async start(size = 3, opts: { quotaBytes?: number; users?: readonly (RunAs | null)[] } = {}): Promise<EtcdCluster> {
    const root = await mkdtemp(path.join(tmpdir(), 'etcd-'));
    const members: Member[] = [];
    for (let i = 0; i < size; i += 1) {
      members.push({ name: `m${i}`, clientPort: await freePort(), peerPort: await freePort(), dir: path.join(root, `m${i}`), child: null, exited: Promise.resolve(), paused: false, lines: [], as: opts.users?.[i] ?? null });
    }

    const cluster = new EtcdCluster(root, members, opts.quotaBytes ?? 2_147_483_648);
    await Promise.all(members.map((_, i) => cluster.#spawn(i, 'new')));
    await Promise.all(members.map((_, i) => cluster.#ready(i)));
    return cluster;
  }

  /** Client URLs of every member, in member order (what a gateway's `ha.etcd` lists). */
  get endpoints(): string[] {
    return this.#members.map((m) => `http://127.0.0.1:${m.clientPort}`);
  }

  ports(i: number): MemberPorts {
    const m = this.#member(i);
    return { client: m.clientPort, peer: m.peerPort };
  }

  endpoint(i: number): string {
    return `http://127.0.0.1:${this.#member(i).clientPort}`;
  }

  get size(): number {
    return this.#members.length;
  }

  /** SIGKILL of member `i` (its data stays; start() brings it back on it). */
  async kill(i: number): Promise<void> {
    const m = this.#member(i);
    if (m.child === null) return;
    if (m.paused) m.child.kill('SIGCONT');
    m.child.kill('SIGKILL');
    await m.exited;
  }

  /** Starts member `i` again on its own data (after kill). */
  async restart(i: number): Promise<void> {
    const m = this.#member(i);
    if (m.child !== null) return;
    await this.#spawn(i, 'existing');
    await this.#ready(i);
  }

  pause(i: number): void {
    const m = this.#member(i);
    if (m.child === null || m.paused) return;
    m.child.kill('SIGSTOP');
    m.paused = true;
  }

  resume(i: number): void {
    const m = this.#member(i);
    if (m.child === null || !m.paused) return;
    m.child.kill('SIGCONT');
    m.paused = false;
  }

  /** The last lines member `i` wrote (to show when something fails). */
  lines(i: number): string[] {
    return this.#member(i).lines;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#members.map((_, i) => this.kill(i)));
    await rm(this.#root, { recursive: true, force: true });
  }

  #member(i: number): Member {
    const m = this.#members[i];
    if (m === undefined) throw new Error(`no etcd member ${i} (the cluster has ${this.#members.length})`);
    return m;
  }

  #spawn(i: number, state: 'new' | 'existing'): Promise<void> {
    const m = this.#member(i);
    const initial = this.#members.map((x) => `${x.name}=http://127.0.0.1:${x.peerPort}`).join(',');
    const args = [
      `--name=${m.name}`,
      `--data-dir=${m.dir}`,
      `--listen-client-urls=http://127.0.0.1:${m.clientPort}`,
      `--advertise-client-urls=http://127.0.0.1:${m.clientPort}`,
      `--listen-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-cluster=${initial}`,
      `--initial-cluster-state=${state}`,
      `--initial-cluster-token=${this.#token}`,
      // The site's settings (docs/high-availability.md): a LAN heartbeat, an election in about a second.
      '--heartbeat-interval=100',
      '--election-timeout=1000',
      // A member cut from the leader but not from the witness must not unseat a healthy leader by
      // calling elections it cannot win (etcd 3.4's default is off).
      '--pre-vote=true',
      '--auto-compaction-mode=revision',
      '--auto-compaction-retention=1000',
      `--quota-backend-bytes=${this.#quotaBytes}`,
      '--logger=zap',
      '--log-level=warn',
    ];
    const child = spawn(ETCD_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(m.as === null ? {} : { uid: m.as.uid, gid: m.as.gid }) });
    m.child = child;
    m.paused = false;
    m.lines = [];
    for (const s of [child.stdout, child.stderr]) {
      s?.setEncoding('utf8');
      s?.on('data', (chunk: string) => {
        m.lines.push(...chunk.split('\n').filter((l) => l !== ''));
        if (m.lines.length > 200) m.lines.splice(0, m.lines.length - 200);
      });
    }
    m.exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        m.child = null;
        resolve();
      }),
    );
    return Promise.resolve();
  }

  /** Resolves once member `i` answers /health as part of a cluster with a leader. */
  async #ready(i: number): Promise<void> {
    const m = this.#member(i);
    const started = performance.now();
    for (;;) {
      if (m.child === null) throw new Error(`etcd member ${m.name} exited at start:\n${m.lines.slice(-20).join('\n')}`);
      try {
        const res = await fetch(`http://127.0.0.1:${m.clientPort}/health`, { signal: AbortSignal.timeout(1_000) });
        const body = (await res.json()) as { health?: string };
        if (body.health === 'true') return;
      } catch {
        // Not listening yet, or no leader yet.
      }
      if (performance.now() - started > START_TIMEOUT_MS) throw new Error(`etcd member ${m.name} was not healthy within ${START_TIMEOUT_MS / 1000} s:\n${m.lines.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
