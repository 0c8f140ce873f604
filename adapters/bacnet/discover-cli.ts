#!/usr/bin/env node
/**
 * `npm run bacnet-discover -- [--target ip:port] [--broadcast ip[:port]] [--bind host:port] [--wait s] [--low N --high N]`
 *
 * Finds BACnet/IP devices (Who-Is / I-Am) and prints each as a site-file device: its instance,
 * address and the analog, binary and multi-state objects it holds, with their names and units read
 * from the device. Set `kind` and `location`, drop the points you do not need, paste into `devices`.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../../gateway/clock.js';
import { loadStack } from './bacnet-session.js';
import { discover } from './discover.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    broadcast: { type: 'string' },
    bind: { type: 'string' },
    wait: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '3000' },
    low: { type: 'string' },
    high: { type: 'string' },
  },
});

const withPort = (a: string): string => (a.includes(':') ? a : `${a}:47808`);
// A broadcast Who-Is is answered by broadcast I-Ams to port 47808: listen there unless told otherwise.
const [bindHost = '0.0.0.0', bindPort = values.target === undefined ? '47808' : '0'] = (values.bind ?? '').split(':').filter((x) => x !== '');
const result = await discover(
  await loadStack(),
  {
    ...(values.target === undefined ? {} : { target: withPort(values.target) }),
    ...(values.broadcast === undefined ? {} : { broadcast: withPort(values.broadcast) }),
    bind: { host: bindHost, port: Number(bindPort) },
    waitMs: Number(values.wait) * 1000,
    timeoutMs: Number(values.timeout),
    ...(values.low === undefined ? {} : { lowLimit: Number(values.low) }),
    ...(values.high === undefined ? {} : { highLimit: Number(values.high) }),
  },
  { clock: systemClock },
);
for (const p of result.problems) process.stderr.write(`bacnet-discover: ${p}\n`);
if (result.devices.length === 0) process.stderr.write('bacnet-discover: no BACnet device answered\n');
// Devices without the operator-only `states` note: that goes to stderr, so stdout parses as site-file devices.
for (const d of result.devices) if (d.states !== undefined) process.stderr.write(`bacnet-discover: ${d.id} state texts ${JSON.stringify(d.states)}\n`);
process.stdout.write(`${JSON.stringify(result.devices.map(({ states: _states, ...d }) => d), null, 2)}\n`);
process.exitCode = result.devices.length === 0 ? 1 : 0;
