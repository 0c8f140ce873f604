import { describe, expect, it } from 'vitest';
import { resolveScenario } from '../../../simulators/scenarios/load-scenario.js';
import { runScenario } from '../../../simulators/scenarios/scenario-runner.js';

// The repair loop's scenarios (issue 15), in a file of their own so they run beside the others:
// nobody takes a night emergency (escalation times are judged within half a scenario minute), a
// patrol-found ticket with photos through to its re-check, a repeat repair.
describe('repair-loop scenarios against an in-process gateway, real simulators and the reference central service', () => {
  it.each([
    ['night-emergency-unanswered', 20],
    ['patrol-found', 15],
    ['repeat-repair', 10],
  ] as const)(
    '%s produces exactly its expected tickets, each synced once with its photos',
    async (name, speed) => {
      const result = await runScenario(await resolveScenario(name), { speed });
      expect(result.verdict.rows.filter((r) => !r.ok)).toEqual([]);
      expect(result.syncProblems).toEqual([]);
      expect(result.ok).toBe(true);
    },
    180_000,
  );
});
