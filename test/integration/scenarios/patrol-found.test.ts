import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// A repair-loop scenario (issue 15) in a file of its own, so the three run beside each other.
describe('scenario patrol-found', () => {
  it('produces exactly its expected tickets, each synced once with its photos', () => expectScenarioPasses('patrol-found', 20), 180_000);
});
