import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GATEWAY_ENV, GATEWAY_NODE_FLAGS } from '../../gateway/runtime-flags.js';

/** dist/gateway/main.js beside this compiled file (dist/simulators/scenarios/), or from the sources' dist/. */
function mainScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const inDist = here.split(path.sep).includes('dist');
  return inDist ? path.resolve(here, '../../gateway/main.js') : path.resolve(here, '../../dist/gateway/main.js');
}

/** How a run of the gateway process ended: killed or stopped by the scenario, or on its own with an exit status. */
export type ChildEnd = { readonly by: 'scenario' } | { readonly by: 'itself'; readonly code: number | null; readonly signal: string | null };

/** How long a start may take before the scenario gives up (a cold OPC UA import, a busy machine). */
const START_TIMEOUT_MS = 60_000;
const KEPT_LINES = 300;

/**
 * The gateway as a real process of its own (dist/gateway/main.js, its flags and environment as a site
 * runs it) on a site file: started, SIGKILLed, started again on the same data folder and ports. What
 * a scenario needs to show a dead box: the broker it hosts dies with it, nothing it had in memory
 * survives, and it comes back only from what it made durable.
 */
export class GatewayChild {
  readonly #siteFile: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #onEnd: (end: ChildEnd) => void;
  readonly #onLine: ((line: string) => void) | undefined;
  /** The last lines it wrote (pino JSON), to show when a start fails. */
  readonly lines: string[] = [];
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  /** The scenario is ending this run (kill or stop): its end is not a stop on its own. */
  #ending = false;

  /** Runs as this user (a partition test cuts its traffic by owner); null: as the caller. */
  readonly #as: { readonly uid: number; readonly gid: number } | null;

  /** `onLine`: each line it writes, as it comes (a pair's runner shows its role changes; the bench times them). `as`: the user it runs as. */
  constructor(siteFile: string, env: NodeJS.ProcessEnv, onEnd: (end: ChildEnd) => void, extra: { readonly onLine?: (line: string) => void; readonly as?: { readonly uid: number; readonly gid: number } | null } = {}) {
    this.#as = extra.as ?? null;
    const onLine = extra.onLine;
    this.#siteFile = siteFile;
    this.#env = env;
    this.#onEnd = onEnd;
    this.#onLine = onLine;
  }

  get running(): boolean {
    return this.#child !== null;
  }

  /** Starts it (after the previous run has exited) and resolves once it says it started. */
  async start(): Promise<void> {
    if (this.#child !== null) await Promise.race([this.#exited, delay(START_TIMEOUT_MS)]);
    if (this.#child !== null) throw new Error('the gateway process is still running; kill or stop it before starting it again');
    const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, mainScript(), this.#siteFile], { env: { ...process.env, ...GATEWAY_ENV, LOG_LEVEL: 'info', ...this.#env }, stdio: ['ignore', 'pipe', 'pipe'], ...(this.#as === null ? {} : { uid: this.#as.uid, gid: this.#as.gid }) });
    this.#child = child;
    this.#ending = false;
    let started: (() => void) | null = null;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        if (this.lines.length > KEPT_LINES) this.lines.shift();
        if (line.includes('"event":"gateway.started"')) started?.();
        this.#onLine?.(line);
      });
    }
    this.#exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        this.#child = null;
        this.#onEnd(this.#ending ? { by: 'scenario' } : { by: 'itself', code, signal });
        resolve();
      }),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the gateway process did not start within ${START_TIMEOUT_MS / 1000} s:\n${this.lines.slice(-30).join('\n')}`)), START_TIMEOUT_MS);
      timer.unref();
      started = () => {
        clearTimeout(timer);
        resolve();
      };
      // Rejecting after it started is a no-op: a later exit is the scenario's business (onEnd).
      void this.#exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the gateway process exited before it started:\n${this.lines.slice(-30).join('\n')}`));
      });
    });
  }

  /** SIGKILL: no clean stop, as a power cut or a crash leaves it. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    this.#ending = true;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGSTOP: the process stands still with its sockets open, as a hung machine or a paused VM. */
  pause(): void {
    this.#child?.kill('SIGSTOP');
  }

  /** SIGCONT after pause(): it runs on from where it stood, its timers late. */
  resume(): void {
    this.#child?.kill('SIGCONT');
  }

  /** SIGTERM and wait (its ordered stop takes at most 30 s). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    this.#ending = true;
    child.kill('SIGTERM');
    await Promise.race([this.#exited, delay(40_000)]);
    if (this.#child !== null) await this.kill();
  }

  /** Resolves once the current run has exited (a stop on its own), or at once when none runs. */
  exited(): Promise<void> {
    return this.#exited;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
