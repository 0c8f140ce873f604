import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';
import { GATEWAY_ENV, GATEWAY_NODE_FLAGS } from '../../gateway/runtime-flags.js';

const MAIN = path.resolve('dist/gateway/main.js');

/** Makes sure dist/ is current (npm test builds first; a lone `vitest run` may not have). */
export function ensureBuilt(output: string = MAIN): void {
  if (isCurrent(output)) return;
  // Two test files (two workers) may find dist/ stale at once: one builds, the other waits for it,
  // so no test runs a CLI from a dist/ that another build is halfway through writing.
  mkdirSync(path.dirname(BUILD_LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      // A lock left by a killed run is older than any build takes.
      const age = Date.now() - (statSync(BUILD_LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 120_000) rmSync(BUILD_LOCK, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!isCurrent(output)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

const BUILD_LOCK = path.resolve('dist/.build-lock');

function isCurrent(output: string): boolean {
  const src = Math.max(...['core', 'gateway', 'adapters', 'cloud-sync', 'simulators', 'bench'].map((d) => newestMtime(path.resolve(d))));
  return existsSync(output) && statSync(output).mtimeMs >= src;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The gateway as a real child process on a site file; `onLine` sees every line it writes (pino JSON). */
export function spawnGateway(siteFile: string, env: NodeJS.ProcessEnv, onLine?: (line: string) => void, openFiles?: number): ChildProcess {
  const args = [...GATEWAY_NODE_FLAGS, MAIN, siteFile];
  const opts = { env: { ...process.env, ...GATEWAY_ENV, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  // With a lower limit on open files, through the shell's ulimit; exec keeps the pid the gateway's.
  const child = openFiles === undefined ? spawn(process.execPath, args, opts) : spawn('/bin/sh', ['-c', `ulimit -n ${openFiles} && exec "$0" "$@"`, process.execPath, ...args], opts);
  for (const stream of [child.stdout, child.stderr]) {
    if (stream === null) continue;
    if (onLine === undefined) stream.resume();
    else createInterface({ input: stream }).on('line', onLine);
  }
  return child;
}

export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** Every line it wrote so far (pino JSON). */
  readonly lines: string[];
  readonly httpUrl: string;
  /** Parsed log events with this `event` field. */
  events(event: string): Record<string, unknown>[];
}

/**
 * Spawns the gateway, collects its log lines, waits for its HTTP port, and SIGKILLs it when the
 * test finishes (a test that wants a clean stop sends SIGTERM and awaits `exited`).
 */
export async function startGatewayProcess(siteFile: string, httpPort: number, env: NodeJS.ProcessEnv = {}, openFiles?: number): Promise<GatewayProcess> {
  const lines: string[] = [];
  const child = spawnGateway(siteFile, env, (l) => void lines.push(l), openFiles);
  onTestFinished(() => kill9(child));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`gateway exited (${code ?? signal}) before it listened:\n${lines.join('\n')}`))));
  exited.catch(() => undefined);
  await Promise.race([waitForPort(httpPort, 30_000), exited]);
  return {
    child,
    lines,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    events: (event) => lines.flatMap((l) => {
      try {
        const o = JSON.parse(l) as Record<string, unknown>;
        return o['event'] === event ? [o] : [];
      } catch {
        return [];
      }
    }),
  };
}

/** SIGTERM and wait for the exit code. */
export function stopGateway(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}
