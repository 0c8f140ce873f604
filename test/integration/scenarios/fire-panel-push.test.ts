import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// Issue 22: a fire panel and an elevator cloud pushing over HTTP to the gateway's own port.
describe('scenario fire-panel-push', () => {
  it('produces exactly its expected tickets (zone 3 fire alarm, loop fault, entrapment, silence), each synced once', () => expectScenarioPasses('fire-panel-push', 10), 180_000);
});
