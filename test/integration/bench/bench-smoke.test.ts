import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/gateway-process.js';

/**
 * The benchmark's measures at tiny sizes, to prove their code paths run (gateway, publishers in
 * other processes, simulators, store, sync) and print the JSON line. It asserts no timing: the
 * benchmark is `npm run bench`, never a test. OPC UA and memory (which spawn whole gateway
 * processes and an OPC UA server) are left to `npm run bench` to keep this under 15 s.
 */
describe('npm run bench --quick', () => {
  it('runs the in-process measures and prints one JSON object as the last line', async () => {
    const run = path.resolve('dist/bench/run.js');
    ensureBuilt(run);
    const { stdout } = await promisify(execFile)(process.execPath, [run, '--quick', '--json', '--only', 'ingest,faultLatency,modbus,store,syncDrain,snmp,scale'], { timeout: 75_000 });
    const last = stdout.trim().split('\n').at(-1) ?? '';
    const figures = JSON.parse(last) as Record<string, Record<string, number>>;
    expect(Object.keys(figures)).toEqual(['ingest', 'faultLatency', 'modbus', 'store', 'syncDrain', 'snmp', 'scale']);
    expect(figures['ingest']?.['readingsPerSecond']).toBeGreaterThan(0);
    expect(figures['ingest']?.['rawPerSecond']).toBeGreaterThan(0);
    expect(figures['faultLatency']).toMatchObject({ faults: 5, missed: 0 });
    // The first fault after start is raised and timed on its own, before the stream.
    expect(figures['faultLatency']?.['firstFaultMs']).toBeGreaterThan(0);
    expect(figures['modbus']?.['pointsPerSecond']).toBeGreaterThan(0);
    expect(figures['store']?.['stormWrites']).toBeGreaterThan(0);
    expect(figures['syncDrain']).toMatchObject({ tickets: 50, received: 50 });
    expect(figures['snmp']).toMatchObject({ agents: 2, pointsPerAgent: 11 });
    expect(figures['snmp']?.['readingsPerSecond']).toBeGreaterThan(0);
    expect(figures['store']?.['bytesPerChange']).toBeGreaterThan(0);
    // The scale curve: each site size started, ingested and answered its scrapes.
    expect(figures['scale']?.['points40']).toMatchObject({ points: 40 });
    expect((figures['scale']?.['points80'] as unknown as { readingsPerSecond: number }).readingsPerSecond).toBeGreaterThan(0);
  }, 105_000);

  // The peer comparison starts Node-RED (a devDependency) once and one gateway process, against
  // mosquitto when installed, else the bench's aedes broker: about 15 s, hence its own test.
  it('runs the peer comparison against Node-RED and prints both sides', async () => {
    const run = path.resolve('dist/bench/run.js');
    ensureBuilt(run);
    const { stdout } = await promisify(execFile)(process.execPath, [run, '--quick', '--json', '--only', 'peer'], { timeout: 90_000 });
    const figures = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, Record<string, number>>;
    const peer = figures['peer'] ?? {};
    for (const k of ['oursIngestPerSecond', 'peerIngestPerSecond', 'oursCpuPer100k', 'peerCpuPer100k', 'idleRss1000Devices', 'oursIdleRss1000Devices', 'brokerCeilingPerSecond']) expect(peer[k], k).toBeGreaterThan(0);
    expect(peer).toMatchObject({ oursFaultMissed: 0, peerFaultMissed: 0, oursCpuRunLost: 0, peerCpuRunLost: 0 });
  }, 120_000);
});
