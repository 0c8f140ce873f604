import { it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

it('bacnet-routed-chiller: chillers behind a BACnet router, reached through a BBMD as a foreign device, are one general hvac ticket each', () => expectScenarioPasses('bacnet-routed-chiller', 10), 120_000);
