import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// Issue 35: the rule pack's state-aware rules against the BACnet chiller and air handler and the
// Modbus pump simulators (simulators/scenarios/sites/fdd-plant.json). Each scenario expects exactly
// its one ticket, so a pack rule firing beside it fails the run.
describe('rule pack scenarios', () => {
  it('pump-running-dry: a pump commanded on that loses its suction is one general ticket', () => expectScenarioPasses('pump-running-dry', 20), 120_000);

  it('valve-leaking: an air handler cooling its air with the valve shut is one general ticket', () => expectScenarioPasses('valve-leaking', 20), 120_000);

  it('chiller-short-cycling: a chiller starting every 90 s is one general ticket once it passes 4 starts in the hour', () => expectScenarioPasses('chiller-short-cycling', 30), 120_000);
});
