import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { importPoints } from '../../../gateway/config/point-table/import-points.js';
import { readTableFile, writeTableFile } from '../../../gateway/config/point-table/table-file.js';
import { checkSiteFile } from '../../../gateway/config/site-check.js';
import { loadScenarioFile } from '../../../simulators/scenarios/load-scenario.js';
import { runScenario } from '../../../simulators/scenarios/scenario-runner.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { expectScenarioPasses } from './run-builtin.js';

// Issue 20: a site made from the demo point table (XLSX) imported into a site file with no
// devices raises its tickets over MQTT and Modbus like the hand-written demo site. Speed 10 as the
// other scenario tests: at 20 on a loaded machine the Modbus poll can miss its scaled offline window.
describe('scenario point-table-site', () => {
  it('imports the demo point table and raises the leak and the pump failure, each synced once', () => expectScenarioPasses('point-table-site', 10), 180_000);
});

describe('a site file made by import-points from a CSV with bad rows', () => {
  it('passes check-config and raises the leak and the pump failure in a scenario', async () => {
    const dir = await tempDir('pt-scenario-');
    const base = JSON.parse(await readFile(path.resolve('simulators/scenarios/sites/point-table-base.json'), 'utf8')) as Record<string, unknown>;
    const siteFile = path.join(dir, 'site.json');
    await writeFile(siteFile, JSON.stringify({ ...base, $schema: undefined, usersFile: path.resolve('config/demo-users.json') }));
    const template = await readTableFile(path.resolve('config/points-template.csv'));
    const header = template[0] ?? [];
    const rowOf = (cells: Record<string, string>): string[] => header.map((h) => cells[h.split(' ')[0] ?? ''] ?? '');
    const csv = path.join(dir, 'points.csv');
    // Row 36: a new device of an unknown kind; row 37: a new pump point whose address is not a number.
    const bad = [
      rowOf({ deviceId: 'fan-1', deviceKind: 'toaster', deviceName: '排风机', building: 'T1', floor: 'RF', place: '屋面', protocol: 'mqtt', connection: 'fan-1', pointId: 'speed', type: 'number' }),
      rowOf({ deviceId: 'pump-dw-1', pointId: 'level', pointName: '水箱液位', address: 'x', table: 'input-register', type: 'uint16', unit: 'm' }),
    ];
    await writeTableFile(csv, [...template, ...bad]);
    const out = await importPoints(csv, siteFile);
    expect(out.result?.problems.map((p) => p.row)).toEqual([36, 37]);
    expect(out.written).toBe(true);
    const check = await checkSiteFile(siteFile, { ...process.env, ...Object.fromEntries((out.result?.passwordEnv ?? []).map((v) => [v, 'set'])) });
    expect(check.problems).toEqual([]);
    // The operator sets the new MQTT devices' passwords, as the import told them to.
    for (const v of out.result?.passwordEnv ?? []) vi.stubEnv(v, `pw-${v.toLowerCase()}`);
    onTestFinished(() => void vi.unstubAllEnvs());
    const scenarioFile = path.join(dir, 'scenario.json');
    await writeFile(
      scenarioFile,
      JSON.stringify({
        name: 'imported-site',
        description: 'a leak and a pump failure on a site imported from a point table',
        siteFile,
        steps: [
          { at: 0, device: 'leak-b1-pump-room', set: { wet: true } },
          { at: 30, device: 'pump-dw-1', mode: 'fail' },
        ],
        expect: [
          { fault: 'water-leak', device: 'leak-b1-pump-room', tier: 'emergency' },
          // The table carries the pump's supply (domestic water): its failure is an emergency.
          { fault: 'pump-failure', device: 'pump-dw-1', tier: 'emergency' },
        ],
      }),
    );
    const result = await runScenario(await loadScenarioFile(scenarioFile), { speed: 10 });
    expect(result.verdict.rows.filter((r) => !r.ok)).toEqual([]);
    expect(result.syncProblems).toEqual([]);
    expect(result.ok).toBe(true);
  }, 180_000);
});
