#!/usr/bin/env node
/**
 * `npm run bacnet-discover -- [--target ip:port] [--broadcast ip[:port]] [--bbmd ip[:port] [--ttl s]] [--network N] [--bind host:port] [--wait s] [--low N --high N]`
 *
 * Finds BACnet devices (a global-broadcast Who-Is, so routers pass it on; through a BBMD as a
 * registered foreign device with --bbmd) and prints each as a site-file device: its instance, its
 * address (or the network, MAC and router of a device behind a router) and the analog, binary and
 * multi-state objects it holds, with their names and units read from the device. Set `kind` and
 * `location`, drop the points you do not need, paste into `devices`.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../../core/clock.js';
import { loadStack } from './bacnet-session.js';
import { discover } from './discover.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    broadcast: { type: 'string' },
    bbmd: { type: 'string' },
    ttl: { type: 'string', default: '60' },
    network: { type: 'string' },
    bind: { type: 'string' },
    wait: { type: 'string', default: '3' },
    timeout: { type: 'string', default: '3000' },
    low: { type: 'string' },
    high: { type: 'string' },
  },
});

const withPort = (a: string): string => (a.includes(':') ? a : `${a}:47808`);
// 6.2.2: networks 1-65534; J.5.2.1: a TTL is two octets of seconds.
for (const [flag, value, max] of [['--network', values.network, 65_534], ['--ttl', values.ttl, 65_535]] as const) {
  if (value !== undefined && !(Number.isInteger(Number(value)) && Number(value) >= 1 && Number(value) <= max)) {
    process.stderr.write(`bacnet-discover: ${flag} expects a whole number 1-${max}, got "${value}"\n`);
    process.exit(2);
  }
}
// A broadcast Who-Is is answered by broadcast I-Ams to port 47808: listen there unless told otherwise.
// Asking one node, or through a BBMD (which forwards to where we registered from), any port does.
const [bindHost = '0.0.0.0', bindPort = values.target === undefined && values.bbmd === undefined ? '47808' : '0'] = (values.bind ?? '').split(':').filter((x) => x !== '');
const result = await discover(
  await loadStack(),
  {
    ...(values.target === undefined ? {} : { target: withPort(values.target) }),
    ...(values.broadcast === undefined ? {} : { broadcast: withPort(values.broadcast) }),
    ...(values.bbmd === undefined ? {} : { bbmd: { address: withPort(values.bbmd), ttlSeconds: Number(values.ttl) } }),
    ...(values.network === undefined ? {} : { network: Number(values.network) }),
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
for (const d of result.devices) if (d.source.network !== undefined) process.stderr.write(`bacnet-discover: ${d.id} (device ${d.source.deviceInstance}) is on network ${d.source.network} MAC ${String(d.source.mac)} behind the router ${d.source.router ?? '?'}\n`);
// Devices without the operator-only `states` note: that goes to stderr, so stdout parses as site-file devices.
for (const d of result.devices) if (d.states !== undefined) process.stderr.write(`bacnet-discover: ${d.id} state texts ${JSON.stringify(d.states)}\n`);
process.stdout.write(`${JSON.stringify(result.devices.map(({ states: _states, ...d }) => d), null, 2)}\n`);
process.exitCode = result.devices.length === 0 ? 1 : 0;
