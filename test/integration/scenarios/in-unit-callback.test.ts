import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// The repair procedures' scenarios (issue 32) each in a file of their own, so they run beside the others.
describe('scenario in-unit-callback', () => {
  it("the desk calls the owner back after an in-unit repair, and the month's callback figures count it", () => expectScenarioPasses('in-unit-callback', 20), 180_000);
});
