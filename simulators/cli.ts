#!/usr/bin/env node
/**
 * `npm run sim -- list | run NAME|all|FILE.json [--speed N] [--once] | serve | device ID set POINT VALUE`
 * The site acceptance tool: plays scenarios against an in-process gateway on the demo site (or the
 * scenario's own site file) and checks the tickets; drives simulated devices by hand.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { systemClock } from '../core/clock.js';
import { loadSiteFile } from '../gateway/config/load-site.js';
import { createRootLogger } from '../core/log.js';
import { builtinScenarios, resolveScenario, type LoadedScenario } from './scenarios/load-scenario.js';
import { progressLine, resultTable } from './scenarios/report.js';
import type { ScenarioResult } from './scenarios/scenario-runner.js';
import { quietOpcuaSdk } from './sdk-quiet.js';

const CONTROL_PORT = Number(process.env['SIM_CONTROL_PORT'] ?? 8090);

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      speed: { type: 'string' },
      once: { type: 'boolean', default: false },
      gateway: { type: 'string' },
      site: { type: 'string' },
      broker: { type: 'string' },
      token: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const [cmd, ...rest] = positionals;
  switch (cmd) {
    case 'list':
      return list();
    case 'run': {
      const name = rest[0];
      if (name === undefined) return usage();
      const speed = values.speed === undefined ? undefined : Number(values.speed);
      if (speed !== undefined && !(speed > 0)) {
        process.stderr.write(`--speed must be a positive number, got ${values.speed}\n`);
        return 2;
      }
      if (values.gateway !== undefined && speed !== undefined && speed !== 1) {
        process.stderr.write('--speed: a running gateway keeps real time, so --gateway plays at speed 1\n');
        return 2;
      }
      return run(name, {
        ...(speed === undefined ? {} : { speed }),
        once: values.once,
        quiet: values.quiet,
        ...(values.gateway === undefined ? {} : { gateway: { url: values.gateway, siteFile: values.site ?? 'config/demo-site.json', ...(values.broker === undefined ? {} : { brokerUrl: values.broker }), ...readToken(values.token) } }),
      });
    }
    case 'serve':
      return serve(values.site ?? 'config/demo-site.json', values.broker);
    case 'device':
      return device(rest);
    default:
      return usage();
  }
}

function usage(): number {
  process.stderr.write(
    [
      'usage: npm run sim -- list',
      '       npm run sim -- run NAME|all|FILE.json [--speed N] [--once] [--quiet]',
      '       npm run sim -- run NAME --gateway http://HOST:8080 [--site SITE.json] [--broker mqtt://HOST:1883] [--token TOKEN] [--once]',
      '       npm run sim -- serve [--site config/demo-site.json] [--broker URL]   (ports and broker from the site file)',
      '       npm run sim -- device DEVICE_ID set POINT VALUE     (needs `sim serve` running; control port SIM_CONTROL_PORT, default 8090)',
      '',
    ].join('\n'),
  );
  return 2;
}

async function list(): Promise<number> {
  for (const { scenario } of await builtinScenarios()) {
    process.stdout.write(`${scenario.name.padEnd(26)} ${scenario.description}\n`);
  }
  return 0;
}

/** The staff token that reads tickets back from a gateway that guards reads: --token, else GATEWAY_TOKEN. */
function readToken(flag: string | undefined): { token?: string } {
  const token = flag ?? process.env['GATEWAY_TOKEN'];
  return token === undefined || token === '' ? {} : { token };
}

async function run(name: string, o: { speed?: number; once: boolean; quiet: boolean; gateway?: { url: string; siteFile: string; brokerUrl?: string; token?: string } }): Promise<number> {
  const scenarios: LoadedScenario[] = name === 'all' ? await builtinScenarios() : [await resolveScenario(name)];
  // The simulators (and the OPC UA SDK they load) only for the commands that run them: `list` and `device` stay light.
  await quietOpcuaSdk(createRootLogger());
  const { runAgainstGateway, runScenario } = await import('./scenarios/scenario-runner.js');
  const results: ScenarioResult[] = [];
  for (const loaded of scenarios) {
    const s = loaded.scenario;
    process.stdout.write(`\n== ${s.name}: ${s.description}\n   expects: ${s.expect.length === 0 ? 'no ticket' : s.expect.map((e) => `${e.fault} @ ${e.device} (${e.tier})`).join(', ')}\n`);
    const onProgress = (p: Parameters<typeof progressLine>[1]): void => {
      if (!o.quiet) process.stdout.write(`${progressLine(s.name, p)}\n`);
    };
    let r: ScenarioResult;
    try {
      r =
        o.gateway === undefined
          ? await runScenario(loaded, { ...(o.speed === undefined ? {} : { speed: o.speed }), onProgress })
          : await runAgainstGateway(loaded, { gatewayUrl: o.gateway.url, siteFile: o.gateway.siteFile, ...(o.gateway.brokerUrl === undefined ? {} : { brokerUrl: o.gateway.brokerUrl }), ...(o.gateway.token === undefined ? {} : { token: o.gateway.token }), onProgress });
    } catch (err) {
      process.stderr.write(`   cannot run ${s.name}: ${(err as Error).message}\n`);
      return 2;
    }
    results.push(r);
    process.stdout.write(`   ${r.ok ? 'PASS' : 'FAIL'} in ${r.realSeconds.toFixed(1)} s\n`);
  }
  process.stdout.write(`\n${resultTable(results)}\n`);
  const failed = results.filter((r) => !r.ok);
  process.stdout.write(`\n${results.length - failed.length} passed, ${failed.length} failed\n`);
  if (!o.once) return 0;
  return failed.length === 0 ? 0 : 1;
}

/** Runs the site's simulated devices against a running gateway, with a control port for `sim device`. */
async function serve(siteFile: string, brokerOption: string | undefined): Promise<number> {
  const log = createRootLogger();
  const site = await loadSiteFile(siteFile);
  // The gateway's broker as the site file names it: the embedded one on this machine, or the site's own.
  const brokerUrl = brokerOption ?? (site.broker.mode === 'embedded' ? `mqtt://127.0.0.1:${site.broker.port}` : site.broker.url);
  await quietOpcuaSdk(log);
  const { SimulatedSite } = await import('./site/simulated-site.js');
  const sims = await SimulatedSite.start(site, { clock: systemClock, ports: 'config' });
  await sims.connectMqtt(brokerUrl);
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      void (async () => {
        try {
          const { deviceId, point, value } = JSON.parse(body) as { deviceId: string; point: string; value: string };
          const known = site.devices.find((d) => d.id === deviceId);
          if (known === undefined) throw new Error(`no device "${deviceId}" in ${siteFile} (devices: ${sims.deviceIds().join(', ')})`);
          const points = known.source.points.map((p) => p.id);
          if (!points.includes(point)) throw new Error(`device "${deviceId}" has no point "${point}" (its points: ${points.join(', ')})`);
          await sims.device(deviceId).set(point, parseValue(value));
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
        } catch (err) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: (err as Error).message }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(CONTROL_PORT, '127.0.0.1', resolve));
  log.info({ event: 'sim.serving', devices: sims.deviceIds(), control: `http://127.0.0.1:${CONTROL_PORT}` }, 'simulated devices running; drive them with npm run sim -- device ID set POINT VALUE');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  server.close();
  await sims.stop();
  return 0;
}

async function device(args: string[]): Promise<number> {
  const [deviceId, verb, point, value] = args;
  if (deviceId === undefined || verb !== 'set' || point === undefined || value === undefined) return usage();
  try {
    const res = await fetch(`http://127.0.0.1:${CONTROL_PORT}/`, { method: 'POST', body: JSON.stringify({ deviceId, point, value }) });
    const body = (await res.json()) as { ok: boolean; error?: string };
    if (!body.ok) {
      process.stderr.write(`error: ${body.error ?? 'refused'}\n`);
      return 1;
    }
    process.stdout.write(`${deviceId}.${point} = ${value}\n`);
    return 0;
  } catch {
    process.stderr.write(`no simulator is listening on 127.0.0.1:${CONTROL_PORT}: start one with npm run sim -- serve\n`);
    return 1;
  }
}

function parseValue(v: string): number | boolean | string {
  if (v === 'true' || v === 'false') return v === 'true';
  const n = Number(v);
  return Number.isFinite(n) && v.trim() !== '' ? n : v;
}

process.exitCode = await main(process.argv.slice(2));
