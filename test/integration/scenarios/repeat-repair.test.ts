import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// A repair-loop scenario (issue 15) in a file of its own, so the three run beside each other.
describe('scenario repeat-repair', () => {
  it('produces exactly its expected tickets, each synced once with its photos', () => expectScenarioPasses('repeat-repair', 15), 180_000);
});
