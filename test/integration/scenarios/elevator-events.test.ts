import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// Issue 35: the lift-monitoring events, from an OPC UA controller's signals and an MQTT elevator box's codes, in a file of their own so they run beside the others.
describe('the elevator events of the lift-monitoring standard', () => {
  it('elevator-overtravel: 冲顶 from the controller’s limit switch and 蹲底 from the box’s code 4004 are one emergency ticket each, synced once', () => expectScenarioPasses('elevator-overtravel', 10), 120_000);

  it('elevator-moving-doors-open: 开门走梯 from the controller and from the box’s code 4005 are one emergency ticket each, both cleared, synced once', () => expectScenarioPasses('elevator-moving-doors-open', 10), 120_000);
});
