import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GATEWAY_ENV, GATEWAY_NODE_FLAGS } from '../gateway/runtime-flags.js';

/** Compiled scripts sit next to this file in dist/bench/. */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');

/** A compiled bench script in its own process, spoken to over the IPC channel with typed messages. */
export class Child<In, Out extends { kind: string }> {
  readonly #proc: ChildProcess;
  readonly #inbox: Out[] = [];
  readonly #waiters = new Set<() => void>();
  #exited = false;

  constructor(script: string) {
    this.#proc = fork(path.join(HERE, script), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#proc.on('message', (m) => {
      this.#inbox.push(m as Out);
      for (const w of this.#waiters) w();
    });
    this.#proc.on('exit', () => {
      this.#exited = true;
      for (const w of this.#waiters) w();
    });
  }

  get pid(): number {
    return this.#proc.pid ?? 0;
  }

  send(msg: In): void {
    this.#proc.send(msg as object);
  }

  /** The next message of this kind (consumed), or an error after timeoutMs. */
  async next<K extends Out['kind']>(kind: K, timeoutMs = 60_000): Promise<Extract<Out, { kind: K }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = this.#inbox.findIndex((m) => m.kind === kind);
      if (i >= 0) return this.#inbox.splice(i, 1)[0] as Extract<Out, { kind: K }>;
      if (this.#exited) throw new Error(`child exited before sending ${kind}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no ${kind} from child within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          this.#waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
  }

  /**
   * For a simulator child that answers `stop` with `stopped`: asks it to stop, waits for the answer
   * if it can still give one, then for the process to end.
   */
  async stopAndExit(stop: In): Promise<void> {
    this.send(stop);
    await this.next('stopped' as Out['kind']).catch(() => undefined);
    await this.exit();
  }

  /** Waits for the process to end (it ends itself after its last message), killing it after graceMs. */
  async exit(graceMs = 5_000): Promise<void> {
    if (this.#exited) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => this.#proc.kill('SIGKILL'), graceMs);
      this.#proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      if (this.#proc.connected) this.#proc.disconnect();
    });
  }
}

/** The IPC side of a child script: typed receive and send. */
export function parentPort<In, Out>(onMessage: (m: In) => void | Promise<void>): (m: Out) => void {
  process.on('message', (m) => void Promise.resolve(onMessage(m as In)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  }));
  return (m: Out) => {
    process.send?.(m as object);
  };
}

/** Resident set size of a process, MB (Linux /proc). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

export interface GatewayProcess {
  readonly pid: number;
  readonly httpUrl: string;
  stop(): Promise<void>;
}

/**
 * The real gateway (`node dist/gateway/main.js SITE`) in its own process, so its RSS is its own.
 * Started when it logs `gateway.started` (info level, JSON lines since stdout is a pipe).
 */
export async function spawnGateway(siteFile: string, timeoutMs = 60_000): Promise<GatewayProcess> {
  const main = path.join(ROOT, 'dist', 'gateway', 'main.js');
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, main, siteFile], { env: { ...process.env, ...GATEWAY_ENV, LOG_LEVEL: 'info', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.resume();
  const httpUrl = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error(`gateway did not start within ${timeoutMs} ms`)), timeoutMs);
    const onExit = (code: number | null): void => fail(new Error(`gateway exited with ${code} before starting`));
    function fail(err: Error): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    }
    child.once('exit', onExit);
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.includes('"gateway.started"')) continue;
        const parsed = JSON.parse(line) as { http?: string };
        clearTimeout(timer);
        child.off('exit', onExit);
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve(parsed.http ?? '');
      }
    });
  });
  return { pid: child.pid ?? 0, httpUrl, stop: () => terminate(child) };
}

/** SIGTERM, SIGKILL after `graceMs`; resolves once the process has ended. */
export function terminate(child: ChildProcess, graceMs = 10_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** gateway_readings_total from the gateway's /metrics. */
export async function readingsTotal(httpUrl: string): Promise<number> {
  const res = await fetch(`${httpUrl}/metrics`);
  const text = await res.text();
  const n = /^gateway_readings_total (\S+)$/m.exec(text)?.[1];
  if (n === undefined) throw new Error(`no gateway_readings_total in /metrics (HTTP ${res.status}): ${text.slice(0, 200)}`);
  return Number(n);
}
