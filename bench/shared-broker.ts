/**
 * The one MQTT broker both sides of the peer comparison read: Debian's mosquitto when it is
 * installed (`command -v mosquitto`), started here on a free 127.0.0.1 port with its own config in a
 * scratch folder; else the bench's own aedes broker in its own process. Either way it runs outside
 * the processes measured, no authentication (the publishers' device logins are accepted as they
 * come), nothing kept on disk.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from '../simulators/free-port.js';
import type { AedesBrokerIn, AedesBrokerOut } from './aedes-broker.js';
import { Child, terminate } from './child.js';
import { sleep } from './load.js';
import { scratch } from './sites.js';

export interface SharedBroker {
  /** `mosquitto 2.0.11` or `aedes (bench child)`. */
  readonly name: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export function mosquittoPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p !== '' ? p : null;
}

export async function startSharedBroker(): Promise<SharedBroker> {
  const bin = mosquittoPath();
  return bin === null ? startAedes() : startMosquitto(bin);
}

async function startMosquitto(bin: string): Promise<SharedBroker> {
  const tmp = await scratch('mosquitto');
  const port = await freePort();
  const conf = path.join(tmp.dir, 'mosquitto.conf');
  // Defaults otherwise, but for the queue a subscriber may fall behind by: 1,000 messages (the
  // default) is 50 ms at 20k readings/s, so one GC pause of either receiver would count as loss.
  await writeFile(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 100000', 'log_dest stderr', 'log_type error', 'log_type warning', ''].join('\n'),
  );
  const version = /mosquitto version (\S+)/.exec(spawnSync(bin, ['-h'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
  const proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  proc.stderr.on('data', (c: Buffer) => {
    errors = (errors + c.toString('utf8')).slice(-2000);
  });
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited with ${proc.exitCode}: ${errors}`);
    if (await reachable(port)) break;
    if (i > 100) throw new Error(`mosquitto did not listen on ${port} within 10 s: ${errors}`);
    await sleep(100);
  }
  return {
    name: `mosquitto ${version}`,
    port,
    pid: proc.pid ?? 0,
    stop: async () => {
      await terminate(proc, 5_000);
      await tmp.remove();
    },
  };
}

async function startAedes(): Promise<SharedBroker> {
  const child = new Child<AedesBrokerIn, AedesBrokerOut>('aedes-broker.js');
  const { port } = await child.next('started');
  return { name: 'aedes (bench child)', port, pid: child.pid, stop: () => child.stopAndExit({ kind: 'stop' }) };
}

async function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
