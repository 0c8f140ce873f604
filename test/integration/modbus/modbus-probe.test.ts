import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { probeTable } from '../../../adapters/modbus/register-probe.js';
import { freePort } from '../../../simulators/free-port.js';
import { SimulatedPump } from '../../../simulators/modbus/simulated-pump.js';
import { ensureBuilt, startGatewayProcess, stopGateway, type GatewayProcess } from '../../helpers/gateway-process.js';
import { startRtuPump, writeRtuPumpSite } from '../../helpers/rtu-pump.js';
import { openSerialPort } from '../../helpers/serial-port.js';
import { tempDir } from '../../helpers/temp-dir.js';

const CLI = path.resolve('dist/adapters/modbus/probe-cli.js');

function probe(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => execFile(process.execPath, [CLI, ...args], (e, out, err) => resolve({ code: e === null ? 0 : Number(e.code), out, err })));
}

/** The row of one address and type: its four decodings, wordOrder/byteOrder big/big, little/big, big/little, little/little. */
function row(out: string, address: number, type: string): string[] {
  const line = out.split('\n').find((l) => new RegExp(`^\\s*${address}\\s+${type}\\s`).test(l));
  return line?.trim().split(/\s+/).slice(2) ?? [];
}

/** The gateway polls the pump: every point of it reads good on /api/devices. */
async function pumpReadsGood(gw: GatewayProcess): Promise<void> {
  await vi.waitFor(
    async () => {
      const body = (await (await fetch(`${gw.httpUrl}/api/devices`)).json()) as { devices: { id: string; points: { quality: string }[] }[] };
      const points = body.devices.find((d) => d.id === 'pump-dw-1')?.points ?? [];
      expect(points.length).toBe(6);
      expect(points.filter((p) => p.quality !== 'good')).toEqual([]);
    },
    { timeout: 30_000, interval: 200 },
  );
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

  it('reads the demo pump on an RTU line (a socat pty pair and the simulated RTU slave): pressure, flow and current where docs/modbus.md says', async () => {
    const { pty } = await startRtuPump();
    const r = await probe(['--rtu', pty.gw, '--baud', '9600', '--parity', 'none', '--unit', '1', '--table', 'input', '--count', '5']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`input registers 0-4 of unit 1 at ${pty.gw} (9600 8N1)`);
    expect(Number(row(r.out, 0, 'float32')[0])).toBeCloseTo(4.1, 5); // outlet pressure, bar (no noise)
    expect(r.out).toMatch(/^\s+4\s+0x00b4\s+180\s+180$/m); // current 18.0 A at scale 0.1
  });

  it('refuses an RTU line a gateway polls, naming the gateway and how to stop it, and reads it once the gateway has stopped', async () => {
    const { pty } = await startRtuPump();
    const dir = await tempDir('probe-rtu-');
    const httpPort = await freePort();
    const gw = await startGatewayProcess(await writeRtuPumpSite({ dir, path: pty.gw, httpPort, mqttPort: await freePort() }), httpPort);
    await pumpReadsGood(gw);
    const pid = gw.child.pid ?? 0;

    const held = await probe(['--rtu', pty.gw, '--baud', '9600', '--table', 'input', '--count', '5']);
    expect(held.code).toBe(1);
    expect(held.out).toBe('');
    expect(held.err).toMatch(new RegExp(`^cannot read ${pty.gw} \\(9600 8N1\\) unit 1: the port is held by the gateway \\(pid ${pid}: \\S*node .*dist/gateway/main\\.js.*\\), which polls this line: stop it first \\(systemctl stop building-fault-gateway, or kill -TERM ${pid}; it closes the port as it stops\\), probe, then start it again\\.\\n$`));
    // The refused probe left the gateway's polling alone.
    await pumpReadsGood(gw);

    expect(await stopGateway(gw.child)).toBe(0);
    const free = await probe(['--rtu', pty.gw, '--table', 'input', '--count', '5']);
    expect(free).toMatchObject({ code: 0, err: '' });
    expect(Number(row(free.out, 0, 'float32')[0])).toBeCloseTo(4.1, 5);
  }, 90_000);

  it('names any other program holding the line, and says what is wrong with an RTU command line (exit 2)', async () => {
    const { pty } = await startRtuPump();
    const port = await openSerialPort(pty.gw); // this test process holds it, as a terminal program would
    const held = await probe(['--rtu', pty.gw]);
    expect(held.code).toBe(1);
    expect(held.err).toContain(`unit 1: the port is held by another program (pid ${process.pid}: `);
    expect(held.err).toContain(`close it (kill -TERM ${process.pid}), then probe again.`);
    await port.close();

    const bad = await probe(['127.0.0.1:502', '--rtu', pty.gw, '--parity', 'mark', '--unit', '0', '--stop-bits', '3']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('expected: either HOST:PORT (Modbus TCP, e.g. 192.168.10.30:502) or --rtu /dev/ttyUSB0 (a serial line); --unit 1-247 on a serial line; --parity none, even or odd; --stop-bits 1 or 2');
  });
});
