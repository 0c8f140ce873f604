import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// The repair procedures' scenarios (issue 32) each in a file of their own, so they run beside the others.
describe('scenario supervisor-assigns', () => {
  it('an order nobody grabbed goes to the supervisor, who assigns it; the engineer, alerted by name, takes and resolves it', () => expectScenarioPasses('supervisor-assigns', 20), 180_000);
});
