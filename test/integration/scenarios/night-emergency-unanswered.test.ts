import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// A repair-loop scenario (issue 15) in a file of its own, so the three run beside each other.
describe('scenario night-emergency-unanswered', () => {
  it('produces exactly its expected tickets, each synced once with its photos', () => expectScenarioPasses('night-emergency-unanswered', 30), 180_000);
});
