import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { OpcuaSource } from '../../../adapters/opcua/config.js';
import { sourceSnippet } from '../../../adapters/opcua/browse-cli.js';
import { SimulatedElevatorServer } from '../../../simulators/opcua/simulated-elevator.js';
import { ensureBuilt } from '../../helpers/gateway-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const CLI = path.resolve('dist/adapters/opcua/browse-cli.js');

function browse(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (e, out, err) => resolve({ code: e === null ? 0 : Number(e.code), out, err })));
}

describe('npm run opcua-browse with security, a login and --snippet', () => {
  ensureBuilt(CLI);

  it('browses a SignAndEncrypt server as a user and prints the chosen variables as a site-file source', async () => {
    const dir = await tempDir('browse-');
    const sim = new SimulatedElevatorServer({ users: { operator: 'op-pw-1' }, securityModes: ['SignAndEncrypt'], securityPolicies: ['Basic256Sha256'], pkiDir: path.join(dir, 'server-pki') });
    const endpoint = await sim.start(0);
    onTestFinished(() => sim.stop());
    const args = [endpoint, '--mode', 'SignAndEncrypt', '--policy', 'Basic256Sha256', '--user', 'operator', '--pki', path.join(dir, 'pki'), '--only', 'ElevatorA/Floor', '--only', 'ElevatorA/CarPosition', '--snippet'];
    const r = await browse(args, { OPCUA_PASSWORD: 'op-pw-1' });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const { source } = JSON.parse(r.out) as { source: unknown };
    expect(OpcuaSource.parse(source)).toMatchObject({
      endpoint,
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'Basic256Sha256',
      username: 'operator',
      password: { env: 'OPCUA_PASSWORD' },
    });
    expect(OpcuaSource.parse(source).points.map((p) => [p.id, p.nodeId]).sort()).toEqual([
      ['carPosition', 'ns=1;s=ElevatorA.CarPosition'],
      ['floor', 'ns=1;s=ElevatorA.Floor'],
    ]);
    expect(r.out).not.toContain('op-pw-1');

    const refused = await browse(args, { OPCUA_PASSWORD: 'wrong' });
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^cannot browse opc\.tcp:/);
    const noPassword = await browse(args, { OPCUA_PASSWORD: '' });
    expect(noPassword).toMatchObject({ code: 2, err: expect.stringContaining('the password of --user in the environment variable OPCUA_PASSWORD (never on the command line)') });
  }, 120_000);

  it('names points after their browse names, unique and valid ids', () => {
    const s = sourceSnippet('opc.tcp://h:4840', [
      { nodeId: 'ns=2;s=A.Door Closed', browsePath: '/Objects/A/Door Closed', dataType: 'Boolean', value: true },
      { nodeId: 'ns=2;s=B.Door Closed', browsePath: '/Objects/B/Door Closed', dataType: 'Boolean', value: true },
      { nodeId: 'ns=2;i=7', browsePath: '/Objects/B/_7', dataType: 'Int16', value: 1 },
    ], {});
    expect(OpcuaSource.parse(s).points.map((p) => p.id)).toEqual(['doorClosed', 'doorClosed2', '7']);
  });
});
