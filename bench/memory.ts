/**
 * Memory: RSS of the real gateway process (dist/gateway/main.js) at idle on the demo site, on the
 * demo site without its OPC UA device (the OPC UA SDK is then never loaded), and on the 5,000-point
 * site, and on a site of 1,000 power meters (`idleRss1000Devices`, beside the peer's figure of the
 * same name: `npm run bench -- --only peer`). Devices are not running: the Modbus and OPC UA
 * addresses point at free ports nobody listens on.
 *
 * Idle means settled: a gateway idles for months, and the first seconds still hold what starting
 * allocated (V8 grows its young generation while modules load and shrinks it only when its memory
 * reducer runs, a few rounds starting about 8 s after allocation slows). So RSS is read twice: 5 s
 * after start (`startup*`) and after `settleMs` (the figures with targets). The four gateways run
 * side by side: idle processes do not disturb each other, and the measure takes one settle, not four.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SiteFileInput } from '../gateway/config/site-schema.js';
import { freePort } from '../simulators/free-port.js';
import { rssMb, spawnGateway } from './child.js';
import { sleep } from './load.js';
import { progress } from './progress.js';
import { benchSite, meterDevices, scratch, writeSiteFile } from './sites.js';

const DEMO_SITE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'config', 'demo-site.json');

export interface MemoryOptions {
  readonly startupMs: number;
  readonly settleMs: number;
  readonly samples: number;
  readonly points: number;
  /** Meters (4 points each) of the site `idleRss1000Devices` is measured on: 1,000 in the bench (the peer's figure is beside it). */
  readonly devices: number;
}

export interface MemoryResult {
  readonly idleRssMb: number;
  readonly idleRssNoOpcuaMb: number;
  readonly rss5000PointsMb: number;
  readonly idleRss1000Devices: number;
  readonly startupRssMb: number;
  readonly startupRssNoOpcuaMb: number;
  readonly settleSeconds: number;
}

export async function measureMemory(o: MemoryOptions): Promise<MemoryResult> {
  const demo = await demoOnLoopback();
  const withoutOpcua = { ...demo, devices: (demo.devices ?? []).filter((d) => d.source.protocol !== 'opcua') };
  const [full, noOpcua, points, devices] = await Promise.all([
    idleRss('demo site', demo, o),
    idleRss('demo site without OPC UA', withoutOpcua, o),
    idleRss(`${o.points}-point site`, benchSite('.', meterDevices(o.points)), o),
    idleRss(`${o.devices}-meter site`, benchSite('.', meterDevices(o.devices * 4)), o),
  ]);
  return {
    idleRssMb: full.settled,
    idleRssNoOpcuaMb: noOpcua.settled,
    rss5000PointsMb: points.settled,
    idleRss1000Devices: devices.settled,
    startupRssMb: full.startup,
    startupRssNoOpcuaMb: noOpcua.startup,
    settleSeconds: o.settleMs / 1000,
  };
}

/** The demo site as shipped, moved onto loopback and free ports, its devices absent. */
async function demoOnLoopback(): Promise<SiteFileInput> {
  const site = JSON.parse(await readFile(DEMO_SITE, 'utf8')) as SiteFileInput & { usersFile?: string };
  // The copy lives in a scratch folder: its users file is named from where the demo site is.
  const usersFile = site.usersFile === undefined ? {} : { usersFile: path.resolve(path.dirname(DEMO_SITE), site.usersFile) };
  const modbusPort = await freePort();
  const opcuaPort = await freePort();
  const devices = (site.devices ?? []).map((d) => {
    const s = d.source;
    if (s.protocol === 'modbus' && s.transport.type === 'tcp') return { ...d, source: { ...s, transport: { ...s.transport, host: '127.0.0.1', port: modbusPort } } };
    if (s.protocol === 'opcua') return { ...d, source: { ...s, endpoint: `opc.tcp://127.0.0.1:${opcuaPort}/UA/Elevator` } };
    return d;
  });
  return { ...site, ...usersFile, broker: { mode: 'embedded', host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, devices };
}

/** RSS shortly after start, and the largest of a few samples once the process has settled. */
async function idleRss(label: string, input: SiteFileInput, o: MemoryOptions): Promise<{ startup: number; settled: number }> {
  const tmp = await scratch('memory');
  try {
    const siteFile = await writeSiteFile(tmp.dir, { ...input, dataDir: tmp.dir, log: { level: 'info' } });
    const gateway = await spawnGateway(siteFile);
    try {
      await sleep(o.startupMs);
      const startup = await rssMb(gateway.pid);
      await sleep(Math.max(0, o.settleMs - o.startupMs));
      let settled = 0;
      for (let i = 0; i < o.samples; i++) {
        settled = Math.max(settled, await rssMb(gateway.pid));
        await sleep(500);
      }
      progress(`memory: ${label}: ${startup} MB ${o.startupMs / 1000} s after start, ${settled} MB after ${o.settleMs / 1000} s`);
      return { startup, settled };
    } finally {
      await gateway.stop();
    }
  } finally {
    await tmp.remove();
  }
}
