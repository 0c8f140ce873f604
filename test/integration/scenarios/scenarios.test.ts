import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../../simulators/scenarios/load-scenario.js';
import { runScenario } from '../../../simulators/scenarios/scenario-runner.js';

// The whole catalogue runs with `npm run sim -- run all --once`; these are the ones that exercise
// the most of the product in a few seconds each: detection over MQTT, Modbus and OPC UA, grouping,
// sync through an outage, and the issue-13 cases: a restart in the middle of a leak, a step drop
// of pressure, and an alert channel that is down when an emergency happens.
describe('built-in scenarios against an in-process gateway and real simulators', () => {
  it.each(['water-leak', 'pump-failure', 'elevator-entrapment', 'power-cut', 'central-outage', 'storm-flood', 'restart-during-leak', 'burst-pipe-step', 'alert-channel-outage'])(
    '%s produces exactly its expected tickets, each synced once',
    async (name) => {
      // Half the CLI's default speed: the suite shares two cores with other test files.
      const result = await runScenario(await resolveScenario(name), { speed: 10 });
      expect(result.verdict.rows.filter((r) => !r.ok)).toEqual([]);
      expect(result.syncProblems).toEqual([]);
      expect(result.ok).toBe(true);
    },
    120_000,
  );
});
