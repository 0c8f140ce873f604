import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';
import { tempDir } from './temp-dir.js';

/** Debian's socat (`apt-get install socat`); `npm test` installs it. */
const SOCAT = '/usr/bin/socat';

export interface PtyPair {
  /** The gateway's end: a symlink socat made to one /dev/pts/N. */
  readonly gw: string;
  /** The device's end, the other pty. */
  readonly dev: string;
  /**
   * Kills socat: both ptys close under whoever has them open, as when a USB-RS485 adapter is
   * pulled, and socat removes both links. Resolves when socat has exited. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * A virtual serial line: two ptys wired together by socat, linked as `dir/gw` and `dir/dev`
 * (a fresh temp folder unless given; give the same folder again to plug the line back in).
 * Resolves once socat has both links and is relaying; socat is killed when the test finishes.
 */
export async function ptyPair(dir?: string): Promise<PtyPair> {
  const folder = dir ?? (await tempDir('gw-pty-'));
  const gw = path.join(folder, 'gw');
  const dev = path.join(folder, 'dev');
  // raw, echo=0: bytes pass untouched both ways (no line discipline, no echo back to the sender).
  const child = spawn(SOCAT, ['-d', '-d', `pty,raw,echo=0,link=${gw}`, `pty,raw,echo=0,link=${dev}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  onTestFinished(close);

  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot run ${SOCAT} (apt-get install socat): ${err.message}`)));
    child.once('exit', (code, signal) => reject(new Error(`socat exited (${code ?? signal}) before the pty pair was ready:\n${log.join('\n')}`)));
    // With -d -d socat logs this notice once both addresses are open (ptys made, links written).
    createInterface({ input: child.stderr }).on('line', (line) => {
      log.push(line);
      if (line.includes('starting data transfer loop')) resolve();
    });
  });
  for (const link of [gw, dev]) {
    if (!existsSync(link)) throw new Error(`socat is relaying but ${link} does not exist:\n${log.join('\n')}`);
  }
  return { gw, dev, close };
}
