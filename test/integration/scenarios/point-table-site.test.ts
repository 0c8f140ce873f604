import { describe, it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

// Issue 20: a site made from the demo point table (XLSX) imported into a site file with no
// devices raises its tickets over MQTT and Modbus like the hand-written demo site. Speed 10 as the
// other scenario tests: at 20 on a loaded machine the Modbus poll can miss its scaled offline window.
describe('scenario point-table-site', () => {
  it('imports the demo point table and raises the leak and the pump failure, each synced once', () => expectScenarioPasses('point-table-site', 10), 180_000);
});
