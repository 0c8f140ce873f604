import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';
import { freeUdpPort } from '../../simulators/snmp/simulated-ups.js';
import { tempDir } from './temp-dir.js';

/** Debian's Net-SNMP agent (`apt-get install snmpd`); `npm test` installs it. */
const SNMPD = '/usr/sbin/snmpd';

export type PassType = 'integer' | 'gauge' | 'counter' | 'counter64' | 'timeticks' | 'string';

export interface Snmpd {
  readonly port: number;
  readonly community: string;
  readonly v3: { readonly name: string; readonly authKey: string; readonly privKey: string };
  /** Serves `value` at `oid` (under 1.3.6.1.2.1.33, the UPS-MIB, or 1.3.6.1.4.1.99999) from the next GET on. */
  set(oid: string, type: PassType, value: number | string): Promise<void>;
  /** Kills the agent (SIGTERM, waits for exit) / starts it again on the same port with the same users. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

// snmpd's `pass` protocol: called as `script -g OID`, it prints OID, type and value, or nothing
// for an OID it does not serve (the agent answers noSuchInstance). GETNEXT and SET answer nothing.
const PASS_SCRIPT = `#!/bin/sh
[ "$1" = "-g" ] || exit 0
f="$(dirname "$0")/values/$2"
[ -f "$f" ] || exit 0
echo "$2"
cat "$f"
`;

/**
 * A real Net-SNMP agent on 127.0.0.1 for one test: its own snmpd.conf in a temp folder (v2c
 * community, a v3 authPriv SHA/AES user made with createUser), MIB-II as snmpd serves it, and the
 * UPS-MIB subtree served from files the test writes (`pass`). Killed when the test finishes.
 */
export async function startSnmpd(): Promise<Snmpd> {
  const dir = await tempDir('gw-snmpd-');
  const port = await freeUdpPort();
  const community = 'gw-test-ro';
  const v3 = { name: 'gwuser', authKey: 'auth-secret-1234', privKey: 'priv-secret-5678' };
  await mkdir(path.join(dir, 'values'));
  await mkdir(path.join(dir, 'persist'));
  await writeFile(path.join(dir, 'pass.sh'), PASS_SCRIPT);
  await chmod(path.join(dir, 'pass.sh'), 0o755);
  await writeFile(
    path.join(dir, 'snmpd.conf'),
    [
      `agentAddress udp:127.0.0.1:${port}`,
      `rocommunity ${community} 127.0.0.1`,
      `createUser ${v3.name} SHA "${v3.authKey}" AES "${v3.privKey}"`,
      `rouser ${v3.name} priv`,
      'sysName gw-test-agent',
      `pass .1.3.6.1.2.1.33 /bin/sh ${path.join(dir, 'pass.sh')}`,
      `pass .1.3.6.1.4.1.99999 /bin/sh ${path.join(dir, 'pass.sh')}`,
      // Engine boots and the v3 user's localized keys live here, not in /var/lib/snmp.
      `[snmp] persistentDir ${path.join(dir, 'persist')}`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const start = async (): Promise<void> => {
    if (child !== null) return;
    // -f foreground, -Lo log to stdout, -C only our config, -p pid file; MIBS='' spares the MIB-file warnings.
    const c = spawn(SNMPD, ['-f', '-Lo', '-C', '-c', path.join(dir, 'snmpd.conf'), '-p', path.join(dir, 'snmpd.pid')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MIBS: '', MIBDIRS: '/nonexistent' } });
    child = c;
    exited = new Promise<void>((resolve) => c.once('close', () => resolve()));
    const log: string[] = [];
    await new Promise<void>((resolve, reject) => {
      c.once('error', (err) => reject(new Error(`cannot run ${SNMPD} (apt-get install snmpd): ${err.message}`)));
      c.once('exit', (code, signal) => reject(new Error(`snmpd exited (${code ?? signal}) before it was ready:\n${log.join('\n')}`)));
      for (const stream of [c.stdout, c.stderr]) {
        if (stream === null) continue;
        createInterface({ input: stream }).on('line', (line) => {
          if (log.length < 200) log.push(line);
          // Logged once the agent is listening.
          if (line.startsWith('NET-SNMP version')) resolve();
        });
      }
    });
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (c === null) return;
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    await exited;
  };
  onTestFinished(stop);
  await start();
  return {
    port,
    community,
    v3,
    set: (oid, type, value) => writeFile(path.join(dir, 'values', `.${oid.replace(/^\./, '')}`), `${type}\n${value}\n`),
    stop,
    start,
  };
}
