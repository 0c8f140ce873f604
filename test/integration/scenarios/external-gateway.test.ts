import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { sha256Hex } from '../../../gateway/api/auth.js';
import { buildGateway } from '../../../gateway/app.js';
import { systemClock } from '../../../core/clock.js';
import { loadSiteFile } from '../../../gateway/config/load-site.js';
import { silentLogger } from '../../../core/log.js';
import { freePort } from '../../../simulators/free-port.js';
import { loadScenarioFile } from '../../../simulators/scenarios/load-scenario.js';
import { runAgainstGateway } from '../../../simulators/scenarios/scenario-runner.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('sim run --gateway: a scenario against a gateway started elsewhere', () => {
  it('drives the site file’s simulators on its own ports and reads the tickets back from the gateway API', async () => {
    const dir = await tempDir();
    const [mqttPort, httpPort, modbusPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const siteFile = path.join(dir, 'site.json');
    await writeFile(
      siteFile,
      JSON.stringify({
        site: { id: 'ext', code: 'EX01', name: 'External run' },
        broker: { mode: 'embedded', host: '127.0.0.1', port: mqttPort },
        // Reads need a token, as on a new site: the runner reads the tickets back with one.
        http: { host: '127.0.0.1', port: httpPort, readsNeedToken: true },
        users: [{ id: 'o-acceptance', name: 'Acceptance', role: 'operator', tokenSha256: sha256Hex('tok-acceptance') }],
        dataDir: path.join(dir, 'data'),
        devices: [
          {
            id: 'leak-1',
            kind: 'leak-sensor',
            name: 'Leak 1',
            location: { building: 'T1', floor: 'B1', description: 'B1 pump room' },
            source: { protocol: 'mqtt', username: 'leak-1', password: { value: 'pw' }, points: [{ id: 'wet' }] },
          },
          {
            id: 'pump-1',
            kind: 'pump',
            name: 'Pump 1',
            supply: 'domestic',
            location: { building: 'T1', floor: 'B1', description: 'B1 pump 1' },
            source: {
              protocol: 'modbus',
              transport: { type: 'tcp', host: '127.0.0.1', port: modbusPort },
              points: [
                { id: 'runCommand', table: 'coil', address: 0, type: 'bool' },
                { id: 'running', table: 'discrete-input', address: 0, type: 'bool' },
                { id: 'faultCode', table: 'holding-register', address: 0 },
              ],
            },
          },
        ],
      }),
    );
    const scenarioFile = path.join(dir, 'leak.json');
    await writeFile(
      scenarioFile,
      JSON.stringify({ name: 'ext-leak', description: 'leak on an external gateway', settleSeconds: 8, steps: [{ at: 0, device: 'leak-1', set: { wet: true } }], expect: [{ fault: 'water-leak', device: 'leak-1', tier: 'emergency' }] }),
    );
    const gateway = await buildGateway(await loadSiteFile(siteFile), { clock: systemClock, log: silentLogger() });
    await gateway.start();
    onTestFinished(() => gateway.stop());

    const result = await runAgainstGateway(await loadScenarioFile(scenarioFile), { gatewayUrl: `http://127.0.0.1:${httpPort}`, siteFile, token: 'tok-acceptance' });
    expect(result.verdict.rows.filter((r) => !r.ok)).toEqual([]);
    expect(result.ok).toBe(true);
  }, 60_000);

  it('refuses a scenario that needs the in-process central service', async () => {
    const loaded = await loadScenarioFile(path.resolve('simulators/scenarios/builtin/central-outage.json'));
    await expect(runAgainstGateway(loaded, { gatewayUrl: 'http://127.0.0.1:1', siteFile: 'config/demo-site.json' })).rejects.toThrow(/without --gateway/);
  });
});
