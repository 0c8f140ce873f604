import { beforeAll, describe, it } from 'vitest';
import { ensureBuilt } from '../../helpers/gateway-process.js';
import { expectScenarioPasses } from './run-builtin.js';

// Issue 30: the gateway as a real process, killed and started again (gateway-dies), and stopping
// itself on its own UPS (ups-feeding-gateway); the reference central service's silent-site rule.
describe('the gateway process dies and comes back', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('gateway-dies: SIGKILLed after a leak synced, central reports the site silent within 100 s and recovered, staff get one message back after a crash', () => expectScenarioPasses('gateway-dies', 20), 180_000);

  it('ups-feeding-gateway: its UPS runs low, the last alert and status go out, it exits with status 75, and back on mains it says so', () => expectScenarioPasses('ups-feeding-gateway', 10), 180_000);
});
