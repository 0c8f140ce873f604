import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../simulators/free-port.js';
import { ensureBuilt, startGatewayProcess, stopGateway } from '../../helpers/gateway-process.js';
import { writeLeakSite } from '../../helpers/leak-site.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Node 20 and 21 refuse RSA PKCS#1 v1.5 decryption, and node-opcua says so (NODE-OPCUA-W27); 22+ it stays silent. */
const W27_EXPECTED = Number(process.versions.node.split('.')[0]) < 22;

describe("node-opcua's console output", () => {
  ensureBuilt();

  it('goes into the structured log, one JSON line each; the harmless PKCS#1 v1.5 notice only at debug', async () => {
    const dir = await tempDir('sdk-log-');
    const [httpPort, mqttPort, opcuaPort] = [await freePort(), await freePort(), await freePort()];
    const siteFile = await writeLeakSite({
      dir, sensors: 1, httpPort, mqttPort, dataDir: path.join(dir, 'data'),
      extra: {
        devices: [
          { id: 'lift-1', kind: 'elevator', name: 'Lift', location: { building: 'T1', floor: '1F', description: 'lobby' }, source: { protocol: 'opcua', endpoint: `opc.tcp://127.0.0.1:${opcuaPort}/UA/Elevator`, points: [{ id: 'moving', nodeId: 'ns=1;s=ElevatorA.Moving' }] } },
        ],
      },
    });
    const gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'debug' });
    // The notice comes once the SDK's start-up self-test has run (it makes an RSA key); wait for it by event.
    if (W27_EXPECTED) await expect.poll(() => gw.events('opcua.sdk_notice').length, { timeout: 60_000, interval: 100 }).toBeGreaterThan(0);
    expect(await stopGateway(gw.child)).toBe(0);
    for (const line of gw.lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    const notices = gw.events('opcua.sdk_notice');
    if (W27_EXPECTED) expect(notices.map((n) => n['level'])).toEqual(notices.map(() => 20));
    expect(gw.events('opcua.sdk_warning').filter((w) => /W27|CVE-2023-46809/.test(String(w['msg'])))).toEqual([]);
  });
});
