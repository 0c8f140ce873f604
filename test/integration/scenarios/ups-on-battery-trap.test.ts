import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// Issue 22: a UPS's SNMP v3 trap raises power-loss at once; the next poll after mains is back clears it.
describe('scenario ups-on-battery-trap', () => {
  it('raises one emergency power-loss for the UPS and clears it, synced once', () => expectScenarioPasses('ups-on-battery-trap', 10), 180_000);
});

// Issue 31: a flat battery is not mains back.
describe('scenario ups-runs-flat', () => {
  it('keeps power-loss on as the battery runs low and the load goes dark, and clears all three once mains are back', () => expectScenarioPasses('ups-runs-flat', 10), 180_000);
});
