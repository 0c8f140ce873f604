import { beforeAll, describe, it } from 'vitest';
import { ensureBuilt } from '../../helpers/gateway-process.js';
import { expectScenarioPasses } from './run-builtin.js';

// Issue 34: two gateway processes as a pair on three real etcd members, the site's own broker and
// the central service; the active SIGKILLed among faults. About 35 s: one run, at the CLI's speed
// (the lease is real time, so a faster clock only squeezes the gap the faults arrive in).
describe('two gateways on one site', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('gateway-failover: the active is SIGKILLed among faults, the standby takes over, every fault is one ticket at central and every emergency is alerted', () => expectScenarioPasses('gateway-failover', 4), 180_000);
});
