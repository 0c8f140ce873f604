import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// Ten quiet minutes of the demo site with the rule pack's plant (issue 35): every pack rule on,
// five of them in their operating state the whole time, and no ticket from any of them.
describe('scenario normal-day', () => {
  it('raises no ticket, the rule pack included', () => expectScenarioPasses('normal-day', 20), 120_000);
});
