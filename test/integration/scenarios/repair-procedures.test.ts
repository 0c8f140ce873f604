import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// The repair loop as the procedures write it (issue 32): storm mode, the supervisor's assignment
// after the grab rule, the callback to the owner and the month's figures, in a file of their own.
describe('scenarios of the repair procedures', () => {
  it('typhoon-night: storm mode pauses the general tickets and the entrapment escalates on time; their deadlines resume after it', () => expectScenarioPasses('typhoon-night', 20), 180_000);
  it('supervisor-assigns: an order nobody grabbed goes to the supervisor, who assigns it; the engineer, alerted by name, takes and resolves it', () => expectScenarioPasses('supervisor-assigns', 20), 180_000);
  it("in-unit-callback: the desk calls the owner back after an in-unit repair, and the month's callback figures count it", () => expectScenarioPasses('in-unit-callback', 20), 180_000);
});
