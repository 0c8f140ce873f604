import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { probeTable } from '../../../adapters/modbus/register-probe.js';
import { SimulatedPump } from '../../../simulators/modbus/simulated-pump.js';
import { ensureBuilt } from '../../helpers/gateway-process.js';

const CLI = path.resolve('dist/adapters/modbus/probe-cli.js');

function probe(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...args], (e, out, err) => resolve({ code: e === null ? 0 : Number(e.code), out, err })));
}

/** The row of one address and type: its four decodings, wordOrder/byteOrder big/big, little/big, big/little, little/little. */
function row(out: string, address: number, type: string): string[] {
  const line = out.split('\n').find((l) => new RegExp(`^\\s*${address}\\s+${type}\\s`).test(l));
  return line?.trim().split(/\s+/).slice(2) ?? [];
}

describe('npm run modbus-probe', () => {
  ensureBuilt(CLI);

  it('shows a meter voltage (230.5 V, float32, low word first) in the column of its word order only', () => {
    // 230.5 = 0x43668000; a meter that sends the low word first.
    const lines = probeTable([0x8000, 0x4366], 100).join('\n');
    expect(row(lines, 100, 'float32')).toEqual([expect.any(String), '230.5', expect.any(String), expect.any(String)]);
    expect(row(lines, 100, 'float32').filter((v) => v === '230.5')).toHaveLength(1);
    expect(lines).toMatch(/^\s+100\s+0x8000\s+32768\s+-32768$/m);
  });

  it("reads the simulated pump's input registers: its outlet pressure is the big/big float32 at address 0", async () => {
    const pump = new SimulatedPump({ unitId: 7 });
    const port = await pump.start(0);
    onTestFinished(() => pump.stop());
    const r = await probe([`127.0.0.1:${port}`, '--unit', '7', '--table', 'input', '--from', '0', '--count', '4']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`input registers 0-3 of unit 7 at 127.0.0.1:${port}`);
    const pressure = Number(row(r.out, 0, 'float32')[0]);
    expect(pressure).toBeGreaterThan(2); // ~4.1 bar running, 2.2 stopped (simulators/README.md)
    expect(pressure).toBeLessThan(5);
  });

  it('says what is wrong: a unit no device answers at (exception 11 from the gateway), a bad command line (exit 2)', async () => {
    const pump = new SimulatedPump({ unitId: 1 });
    const port = await pump.start(0);
    onTestFinished(() => pump.stop());
    expect(await probe(['127.0.0.1', '--count', '500'])).toMatchObject({ code: 2, err: expect.stringContaining('expected: HOST:PORT, e.g. 192.168.10.30:502; --count 1-125 registers') });
    const otherUnit = await probe([`127.0.0.1:${port}`, '--unit', '9', '--timeout', '300']);
    expect(otherUnit).toMatchObject({ code: 1, err: `cannot read 127.0.0.1:${port} unit 9: Modbus exception 11: gateway target device failed to respond: no device answers at this --unit behind the gateway (or it is unpowered)\n` });
  });
});
