import { readFile, writeFile } from 'node:fs/promises';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../simulators/free-port.js';
import { ensureBuilt, startGatewayProcess, stopGateway, waitForPort } from '../helpers/gateway-process.js';
import { writeLeakSite } from '../helpers/leak-site.js';
import { logLineProblems, topLevelKeys } from '../helpers/log-lines.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('log lines', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('finds a key written twice', () => {
    expect(topLevelKeys('{"a":1,"b":{"a":2,"c":[{"a":3}]},"s":"x\\",\\"a\\":","a":4}')).toEqual(['a', 'b', 's', 'a']);
    expect(logLineProblems('{"event":"x","component":"a","component":"a"}')).toEqual(['keys written twice: component']);
  });

  it('are one JSON event a line with an event and no key twice, at debug level, through a ticket, a dead Modbus link, a Node warning and a stop', async () => {
    const dir = await tempDir('gw-logs-');
    const mqttPort = await freePort();
    const httpPort = await freePort();
    const siteFile = await writeLeakSite({ dir, sensors: 2, mqttPort, httpPort });
    // A Modbus pump at a port nobody listens on: the link goes down and is retried.
    const site = JSON.parse(await readFile(siteFile, 'utf8')) as { devices: unknown[] };
    const demo = JSON.parse(await readFile('config/demo-site.json', 'utf8')) as { devices: { source: { protocol: string; transport?: { port: number } } }[] };
    const pump = demo.devices.find((d) => d.source.protocol === 'modbus');
    if (pump?.source.transport === undefined) throw new Error('the demo site has no Modbus TCP pump');
    site.devices.push({ ...pump, fedBy: undefined, source: { ...pump.source, transport: { ...pump.source.transport, port: await freePort() } } });
    await writeFile(siteFile, JSON.stringify(site));

    // A library's Node warning, sent on SIGWINCH by a module loaded before the gateway's own.
    const warner = "process.on('SIGWINCH',()=>process.emitWarning('a%20library%20warned','DeprecationWarning','DEP0999'))";
    const gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'debug', NODE_OPTIONS: `--import=data:text/javascript,${warner}` });
    await waitForPort(mqttPort);
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'leak-0', password: 'pw-0', reconnectPeriod: 0 });
    await c.publishAsync('site/leak-0/wet', JSON.stringify({ value: true }), { qos: 1 });
    await c.endAsync();
    await vi.waitFor(() => expect(gw.events('ticket.raised')).toHaveLength(1), { timeout: 20_000, interval: 50 });
    await vi.waitFor(() => expect(gw.events('modbus.link_down').length).toBeGreaterThan(0), { timeout: 20_000, interval: 50 });
    gw.child.kill('SIGWINCH');
    await vi.waitFor(() => expect(gw.events('process.warning')).toMatchObject([{ name: 'DeprecationWarning', warningCode: 'DEP0999', msg: 'a library warned' }]), { timeout: 10_000, interval: 50 });
    expect(await stopGateway(gw.child)).toBe(0);
    const problems = gw.lines.flatMap((l) => logLineProblems(l).map((p) => `${p}: ${l.slice(0, 300)}`));
    expect(problems).toEqual([]);
    expect(gw.lines.length).toBeGreaterThan(10);
  }, 90_000);
});
