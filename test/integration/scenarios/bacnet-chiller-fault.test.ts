import { it } from 'vitest';
import { expectScenarioPasses } from './run-builtin.js';

it('bacnet-chiller-fault: a chiller fault by COV and a polled chiller alarm are one general hvac ticket each', () => expectScenarioPasses('bacnet-chiller-fault', 10), 120_000);
