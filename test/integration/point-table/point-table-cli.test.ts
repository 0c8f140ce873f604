import { execFile } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/gateway-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const EXPORT = path.resolve('dist/gateway/cli/export-points.js');
const IMPORT = path.resolve('dist/gateway/cli/import-points.js');
const EVERY = path.resolve('test/fixtures/sites/every-protocol.json');

function run(cli: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => execFile(process.execPath, [cli, ...args], (e, out, err) => resolve({ code: e === null ? 0 : Number(e.code), out, err })));
}

describe('npm run export-points, then npm run import-points', () => {
  ensureBuilt(IMPORT);

  for (const ext of ['csv', 'xlsx']) {
    it(`gives back the site file of every protocol byte for byte, into itself and into a site without devices (${ext.toUpperCase()})`, async () => {
      const dir = await tempDir('points-cli-');
      const site = path.join(dir, 'site.json');
      await copyFile(EVERY, site);
      const table = path.join(dir, `points.${ext}`);
      expect(await run(EXPORT, [site, table])).toMatchObject({ code: 0, out: `${table}: 39 points of ${site}\n` });

      const again = await run(IMPORT, [table, '--site', site]);
      expect(again).toMatchObject({ code: 0, err: '' });
      expect(again.out).toContain('the site file already says all of it, nothing written');
      expect(await readFile(site, 'utf8')).toBe(await readFile(EVERY, 'utf8'));

      const raw = JSON.parse(await readFile(EVERY, 'utf8')) as Record<string, unknown>;
      const empty = path.join(dir, 'empty.json');
      await writeFile(empty, `${JSON.stringify({ ...raw, devices: [] }, null, 2)}\n`);
      const fresh = await run(IMPORT, [table, '--site', empty]);
      expect(fresh).toMatchObject({ code: 0, err: '' });
      expect(fresh.out).toContain('39 of 39 rows imported; devices added 9');
      expect(fresh.out).toContain('set LEAK_T2_B2_PASSWORD, LIFT_T2_PASSWORD, FIRE_PANEL_T2_TOKEN, UPS_T2_AUTH_KEY, UPS_T2_PRIV_KEY, ATS_T2_COMMUNITY');
      expect(await readFile(empty, 'utf8')).toBe(await readFile(EVERY, 'utf8'));
    });
  }
});
