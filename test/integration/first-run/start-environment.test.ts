import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { freePort } from '../../../simulators/free-port.js';
import { ensureBuilt, startGatewayProcess, stopGateway } from '../../helpers/gateway-process.js';
import { writeLeakSite } from '../../helpers/leak-site.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A gateway started by hand without the environment npm start, the image and the unit give it (runtime-flags.ts). */
describe('the environment the gateway starts with', () => {
  ensureBuilt();

  for (const given of ['without', 'with'] as const) {
    it(`${given} MALLOC_ARENA_MAX: ${given === 'without' ? 'runs, and says once what it was started without' : 'says nothing about it'}`, async () => {
      const dir = await tempDir('start-env-');
      const httpPort = await freePort();
      const siteFile = await writeLeakSite({ dir, sensors: 1, httpPort, mqttPort: await freePort(), dataDir: path.join(dir, 'data') });
      // The helper starts gateways with GATEWAY_ENV; an empty value is a variable not set.
      const gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info', ...(given === 'without' ? { MALLOC_ARENA_MAX: '' } : {}) });
      await vi.waitFor(() => expect(gw.events('gateway.started')).toHaveLength(1), { timeout: 30_000, interval: 50 });
      const told = gw.events('process.env_missing');
      if (given === 'with') expect(told).toEqual([]);
      else {
        expect(told).toHaveLength(1);
        expect(told[0]).toMatchObject({ level: 40, missing: ['MALLOC_ARENA_MAX'] });
        expect(String(told[0]?.['msg'])).toContain('MALLOC_ARENA_MAX=2');
      }
      expect(await stopGateway(gw.child)).toBe(0);
    });
  }
});
