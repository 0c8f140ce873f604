import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// The repair procedures' scenarios (issue 32) each in a file of their own, so they run beside the others.
describe('scenario typhoon-night', () => {
  it('storm mode pauses the general tickets and the entrapment escalates on time; their deadlines resume after it', () => expectScenarioPasses('typhoon-night', 20), 180_000);
});
