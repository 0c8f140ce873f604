import { expect } from 'vitest';
import { resolveScenario } from '../../../simulators/scenarios/load-scenario.js';
import { runScenario } from '../../../simulators/scenarios/scenario-runner.js';

/**
 * Plays a built-in scenario against an in-process gateway, real simulators and the reference
 * central service, at `speed` (below the CLI's, as the suite shares two cores), and expects every
 * row to pass (escalation times are judged within half a scenario minute).
 */
export async function expectScenarioPasses(name: string, speed: number): Promise<void> {
  const result = await runScenario(await resolveScenario(name), { speed });
  expect(result.verdict.rows.filter((r) => !r.ok)).toEqual([]);
  expect(result.syncProblems).toEqual([]);
  expect(result.ok).toBe(true);
}
