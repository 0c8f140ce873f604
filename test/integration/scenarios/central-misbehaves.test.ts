import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// Issue 17: the central service cycles through the answers the contract forbids while a leak is
// raised, worked and closed. Its own file, so it runs beside the other scenarios.
describe('scenario central-misbehaves', () => {
  it('delivers the ticket once, refuses the bad updates and applies the close', () => expectScenarioPasses('central-misbehaves', 30), 180_000);
});
