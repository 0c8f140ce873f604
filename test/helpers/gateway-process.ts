import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';

const MAIN = path.resolve('dist/gateway/main.js');

/** Makes sure dist/ is current (npm test builds first; a lone `vitest run` may not have). */
export function ensureBuilt(output: string = MAIN): void {
  const src = statSync(path.resolve('gateway/app.ts')).mtimeMs;
  if (!existsSync(output) || statSync(output).mtimeMs < src) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

/** The gateway as a real child process on a site file. */
export function spawnGateway(siteFile: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [MAIN, siteFile], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
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
