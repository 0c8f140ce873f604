/**
 * The peer: Node-RED 4.1 (a devDependency, installed by `npm ci`, nothing fetched at run time) in
 * its own process, its own userDir in a scratch folder, the editor and admin API off (so no login
 * and no prompt), the HTTP port on 127.0.0.1 and free, telemetry, diagnostics and module installs
 * off, and the flow an operator would wire for our job given as its flows file:
 *
 *   mqtt in (site/#, QoS 1) -> function (parse JSON, last value per topic in context, count,
 *   power-loss / overcurrent threshold) -> on a fault only: http request POST to the central service
 *   http in GET /count -> function (the count) -> http response     (so the bench reads the count)
 *
 * What the peer does not do, and the gateway does: it keeps no alarm state (every reading past the
 * threshold posts again, nothing clears), writes nothing to disk, retries nothing, and holds a ticket
 * nowhere if the central service is down.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { freePort } from '../simulators/free-port.js';
import { terminate } from './child.js';
import { sleep } from './load.js';
import { scratch } from './sites.js';

export interface PeerOptions {
  readonly brokerPort: number;
  readonly centralUrl: string;
  readonly centralToken: string;
  readonly startTimeoutMs?: number;
}

export interface NodeRedPeer {
  readonly pid: number;
  readonly url: string;
  /** Node-RED's own version, from its package. */
  readonly version: string;
  /** Readings the flow's function node has counted. */
  readings(): Promise<number>;
  stop(): Promise<void>;
}

/** The site id the peer's tickets carry (the central service takes any with the bench token). */
export const PEER_SITE_ID = 'peer-site';

/** The function node an operator would write: parse, keep the last value, count, test the thresholds, build the ticket. */
function readingFunction(token: string): string {
  return `// One reading: {"value": 221.3} on site/<device>/<point>.
let value;
try {
  value = JSON.parse(msg.payload).value;
} catch (e) {
  node.warn('bad payload on ' + msg.topic);
  return null;
}
flow.set('readings', (flow.get('readings') || 0) + 1);
let last = context.get('last');
if (last === undefined) {
  last = {};
  context.set('last', last);
}
last[msg.topic] = value;
const parts = msg.topic.split('/');
const device = parts[1];
const point = parts[2] || '';
let fault = null;
if (point.startsWith('voltage') && value < 110) fault = 'power-loss';
else if (point === 'current' && value > 400) fault = 'overcurrent';
if (fault === null) return null;
const seq = (context.get('seq') || 0) + 1;
context.set('seq', seq);
const now = new Date();
const at = now.toISOString();
msg.headers = { authorization: 'Bearer ${token}', 'content-type': 'application/json' };
msg.payload = {
  siteId: '${PEER_SITE_ID}',
  items: [{
    id: 'peer-' + now.getTime() + '-' + seq,
    number: 'PEER-' + at.slice(0, 10).replace(/-/g, '') + '-' + String(seq).padStart(4, '0'),
    siteId: '${PEER_SITE_ID}',
    version: 1,
    kind: 'fault',
    createdAt: at,
    updatedAt: at,
    tier: 'emergency',
    fault: fault,
    deviceId: device,
    location: { building: '', floor: '', description: device },
    skill: 'electrical',
    title: { zh: (fault === 'power-loss' ? '停电：' : '过流：') + device, en: (fault === 'power-loss' ? 'Power loss: ' : 'Overcurrent: ') + device },
    status: 'raised',
    deadlines: { acknowledgeBy: at, dispatchBy: at, onSiteBy: null, resolveBy: at },
    history: [{ at: at, actor: 'gateway', action: 'raised' }],
  }],
};
return msg;`;
}

/** The flows file: one tab, the nodes above, the broker as a config node. */
export function peerFlows(o: PeerOptions): object[] {
  const tab = 'peer-tab';
  return [
    { id: tab, type: 'tab', label: 'Meters to tickets' },
    {
      id: 'broker',
      type: 'mqtt-broker',
      name: 'site broker',
      broker: '127.0.0.1',
      port: String(o.brokerPort),
      clientid: 'node-red-peer',
      autoConnect: true,
      usetls: false,
      protocolVersion: 4,
      keepalive: 60,
      cleansession: true,
      autoUnsubscribe: true,
      birthTopic: '',
      closeTopic: '',
      willTopic: '',
    },
    { id: 'in', type: 'mqtt in', z: tab, name: 'meters', topic: 'site/#', topicType: 'topic', qos: '1', datatype: 'utf8', broker: 'broker', nl: false, rap: true, rh: 0, inputs: 0, x: 100, y: 80, wires: [['detect']] },
    { id: 'detect', type: 'function', z: tab, name: 'count, last value, threshold', func: readingFunction(o.centralToken), outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 300, y: 80, wires: [['post']] },
    {
      id: 'post',
      type: 'http request',
      z: tab,
      name: 'ticket to central',
      method: 'POST',
      ret: 'obj',
      paytoqs: 'ignore',
      url: `${o.centralUrl}/v1/tickets/batch`,
      tls: '',
      persist: true,
      proxy: '',
      insecureHTTPParser: false,
      authType: '',
      senderr: false,
      headers: [],
      x: 520,
      y: 80,
      wires: [[]],
    },
    { id: 'count-in', type: 'http in', z: tab, name: '', url: '/count', method: 'get', upload: false, swaggerDoc: '', x: 100, y: 160, wires: [['count']] },
    { id: 'count', type: 'function', z: tab, name: 'count', func: "msg.payload = { readings: flow.get('readings') || 0 };\nreturn msg;", outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], x: 300, y: 160, wires: [['count-out']] },
    { id: 'count-out', type: 'http response', z: tab, name: '', statusCode: '200', headers: {}, x: 480, y: 160, wires: [] },
  ];
}

function settingsFile(port: number): string {
  return `// Written by the bench (bench/node-red.ts): Node-RED as the peer, nothing reachable but the flow's own endpoint.
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  httpAdminRoot: false,
  disableEditor: true,
  httpNodeRoot: '/',
  credentialSecret: false,
  flowFilePretty: false,
  functionExternalModules: false,
  externalModules: { autoInstall: false, palette: { allowInstall: false, allowUpload: false }, modules: { allowInstall: false } },
  diagnostics: { enabled: false, ui: false },
  runtimeState: { enabled: false, ui: false },
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { projects: { enabled: false } },
  contextStorage: { default: { module: 'memory' } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
`;
}

export function nodeRedVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('node-red/package.json') as { version: string }).version;
}

/** Starts Node-RED with the peer flow; resolves once its MQTT client is connected and /count answers. */
export async function startNodeRed(o: PeerOptions): Promise<NodeRedPeer> {
  const require = createRequire(import.meta.url);
  const red = path.join(path.dirname(require.resolve('node-red/package.json')), 'red.js');
  const tmp = await scratch('node-red');
  const port = await freePort();
  const settings = path.join(tmp.dir, 'settings.js');
  const flows = path.join(tmp.dir, 'flows.json');
  await writeFile(settings, settingsFile(port));
  await writeFile(flows, JSON.stringify(peerFlows(o), null, 2));
  // As `node-red` runs it: plain node, no flags.
  const child = spawn(process.execPath, [red, '--settings', settings, '--userDir', tmp.dir, flows], { cwd: tmp.dir, env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let connected = false;
  const keep = (c: Buffer): void => {
    const text = c.toString('utf8');
    if (text.includes('Connected to broker')) connected = true;
    log = (log + text).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = (): Promise<void> => terminate(child).then(() => tmp.remove());
  const readings = async (): Promise<number> => ((await (await fetch(`${url}/count`)).json()) as { readings: number }).readings;
  const deadline = performance.now() + (o.startTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) {
      await tmp.remove();
      throw new Error(`Node-RED exited with ${child.exitCode} before it was ready:\n${log}`);
    }
    if (connected && (await readings().then(() => true, () => false))) break;
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`Node-RED was not ready within ${o.startTimeoutMs ?? 60_000} ms:\n${log}`);
    }
    await sleep(100);
  }
  return { pid: child.pid ?? 0, url, version: nodeRedVersion(), readings, stop };
}
