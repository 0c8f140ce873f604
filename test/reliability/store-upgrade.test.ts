import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { STORE_SCHEMA_VERSION } from '../../gateway/store/store-data.js';
import { freePort } from '../../simulators/free-port.js';
import { ensureBuilt, spawnGateway } from '../helpers/gateway-process.js';
import { writeLeakSite } from '../helpers/leak-site.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('store upgrades', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('a gateway given a store of a newer version does not start: it says GW_STORE_TOO_NEW and leaves the store as it was', async () => {
    const dir = await tempDir('gw-upgrade-');
    const siteFile = await writeLeakSite({ dir, sensors: 1, mqttPort: await freePort(), httpPort: await freePort() });
    await mkdir(path.join(dir, 'data'));
    const file = path.join(dir, 'data', 'store.json');
    const newer = JSON.stringify({ schemaVersion: STORE_SCHEMA_VERSION + 1, counters: {}, tickets: {}, somethingNew: { kept: true } });
    await writeFile(file, newer);
    const lines: string[] = [];
    const child = spawnGateway(siteFile, {}, (l) => void lines.push(l));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    const failed = lines.flatMap((l) => {
      try {
        const o = JSON.parse(l) as Record<string, unknown>;
        return o['event'] === 'gateway.start_failed' ? [o] : [];
      } catch {
        return [];
      }
    });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ code: 'GW_STORE_TOO_NEW', version: STORE_SCHEMA_VERSION + 1, supported: STORE_SCHEMA_VERSION });
    expect(await readFile(file, 'utf8')).toBe(newer);
    expect(lines.some((l) => l.includes('GW_STORE_CORRUPT'))).toBe(false);
  }, 60_000);
});
