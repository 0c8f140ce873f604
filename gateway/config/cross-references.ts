import { EVENT_FAULT_IDS, FAULT_DEVICE_KINDS, isEventFault } from '../../core/fault-catalogue.js';
import { stateRuleIssues } from './state-rule-references.js';

/**
 * The checks across a site file's parts (duplicate ids, `fedBy`, the points rules read, shared
 * tokens). They read the file leniently, so they also run on a file whose structure is wrong:
 * check-config then reports both kinds of problem in one pass (the schema's own refinement runs
 * only once the structure is right).
 */
export interface CrossIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function crossReferenceIssues(raw: unknown): CrossIssue[] {
  const site = obj(raw);
  const issues: CrossIssue[] = [];
  const userIds = new Set<string>();
  const tokens = new Set<string>();
  list(site['users']).forEach((u, i) => {
    const id = text(obj(u)['id']);
    const token = text(obj(u)['tokenSha256']);
    if (id !== undefined && userIds.has(id)) issues.push({ path: ['users', i, 'id'], message: `duplicate user id "${id}"` });
    if (token !== undefined && tokens.has(token)) issues.push({ path: ['users', i, 'tokenSha256'], message: 'two users share one token; give each their own' });
    if (id !== undefined) userIds.add(id);
    if (token !== undefined) tokens.add(token);
  });
  const devices = list(site['devices']).map(obj);
  const pushTokens = new Map<string, number>();
  const ids = new Map<string, number>();
  const bacnetDevices = new Map<string, number>();
  const bacnetRouters = new Map<number, { router: string; at: number }>();
  devices.forEach((d, i) => {
    const id = text(d['id']);
    if (id === undefined) return;
    const first = ids.get(id);
    if (first !== undefined) issues.push({ path: ['devices', i, 'id'], message: `duplicate device id "${id}" (also devices[${first}])` });
    else ids.set(id, i);
  });
  devices.forEach((d, i) => {
    const source = obj(d['source']);
    const points = new Set<string>();
    list(source['points']).forEach((p, j) => {
      const id = text(obj(p)['id']);
      if (id === undefined) return;
      if (points.has(id)) issues.push({ path: ['devices', i, 'source', 'points', j, 'id'], message: `duplicate point id "${id}"` });
      points.add(id);
    });
    const ruleIds = new Set<string>();
    list(d['rules']).forEach((r, j) => {
      const id = text(obj(r)['id']);
      if (id !== undefined && ruleIds.has(id)) issues.push({ path: ['devices', i, 'rules', j, 'id'], message: `duplicate rule id "${id}"` });
      if (id !== undefined) ruleIds.add(id);
      const when = obj(obj(r)['when']);
      const group = when['kind'] === 'composite' ? (when['all'] !== undefined ? 'all' : 'any') : undefined;
      const conditions = group === undefined ? [{ c: when, path: ['devices', i, 'rules', j, 'when', 'point'] }] : list(when[group]).map((c, k) => ({ c: obj(c), path: ['devices', i, 'rules', j, 'when', group, k, 'point'] }));
      for (const { c, path } of conditions) {
        const point = text(c['point']);
        if (point !== undefined && !points.has(point)) issues.push({ path, message: `expected a point of this device (${[...points].join(', ')}), got "${point}"` });
      }
    });
    issues.push(...eventCodeIssues(d, i, points));
    const fedBy = text(d['fedBy']);
    if (fedBy !== undefined && !ids.has(fedBy)) issues.push({ path: ['devices', i, 'fedBy'], message: `expected the id of a device in this file, got "${fedBy}"` });
    if (source['protocol'] === 'bacnet') issues.push(...bacnetIssues(source, i, bacnetDevices, bacnetRouters));
    if (source['protocol'] === 'opcua') {
      const mode = text(source['securityMode']) ?? 'None';
      const policy = text(source['securityPolicy']) ?? 'None';
      if ((mode === 'None') !== (policy === 'None')) issues.push({ path: ['devices', i, 'source', 'securityPolicy'], message: 'expected securityPolicy None exactly when securityMode is None' });
    }
    if (source['protocol'] === 'http') issues.push(...pushIssues(d, i, pushTokens));
  });
  issues.push(...gatewayUpsIssues(devices));
  issues.push(...stateRuleIssues(devices));
  return issues;
}

/** One UPS at most feeds the gateway, it is a UPS, and `shutdownAtMinutes` goes with it. */
function gatewayUpsIssues(devices: readonly Obj[]): CrossIssue[] {
  const issues: CrossIssue[] = [];
  let feeding: number | null = null;
  devices.forEach((d, i) => {
    if (d['shutdownAtMinutes'] !== undefined && d['powersGateway'] !== true) issues.push({ path: ['devices', i, 'shutdownAtMinutes'], message: 'shutdownAtMinutes applies to the UPS that feeds the gateway: set "powersGateway": true, or remove it' });
    if (d['powersGateway'] !== true) return;
    if (d['kind'] !== 'ups') issues.push({ path: ['devices', i, 'powersGateway'], message: `only a UPS (kind "ups") can feed the gateway; this device is kind "${text(d['kind']) ?? '?'}"` });
    else if (feeding !== null) issues.push({ path: ['devices', i, 'powersGateway'], message: `devices[${feeding}] already feeds the gateway: mark the one UPS its machine is plugged into` });
    else feeding = i;
  });
  return issues;
}

/**
 * An HTTP push device: its events raise faults its kind has, every event point maps some code,
 * plain-text decoders only where the body is one point, and no two devices share an inline token.
 */
function pushIssues(d: Obj, i: number, tokens: Map<string, number>): CrossIssue[] {
  const issues: CrossIssue[] = [];
  const source = obj(d['source']);
  const kind = text(d['kind']) ?? '';
  const points = list(source['points']).map(obj);
  const token = text(obj(source['token'])['value']);
  if (token !== undefined) {
    const first = tokens.get(token);
    if (first !== undefined) issues.push({ path: ['devices', i, 'source', 'token'], message: `devices[${first}] pushes with the same token; give each device its own` });
    else tokens.set(token, i);
  }
  points.forEach((p, j) => {
    const at = ['devices', i, 'source', 'points', j];
    const decoder = text(obj(p['decoder'])['type']);
    if ((decoder === 'number' || decoder === 'boolean') && points.length > 1) {
      issues.push({ path: [...at, 'decoder', 'type'], message: `a ${decoder} decoder reads the whole body as text, so it fits a device with one point only; use {"type": "json", "path": "..."} to pick this point out of a JSON body` });
    }
    if (p['kind'] !== 'event') return;
    const raises = Object.entries(obj(p['raises']));
    const clears = Object.entries(obj(p['clears']));
    if (raises.length === 0 && clears.length === 0) issues.push({ path: [...at, 'raises'], message: 'an event point maps at least one event code to a fault it raises (e.g. {"FIRE": "fire-panel-alarm"})' });
    const check = (fault: unknown, path: (string | number)[]): void => {
      if (typeof fault !== 'string') return;
      if (!isEventFault(fault)) {
        issues.push({ path, message: `"${fault}" cannot be raised by an event; expected one of ${EVENT_FAULT_IDS.join(', ')}` });
        return;
      }
      const kinds: readonly string[] = FAULT_DEVICE_KINDS[fault];
      if (!kinds.includes(kind)) issues.push({ path, message: `${fault} is a fault of ${kinds.join(' or ')} devices; this device is kind "${kind}"` });
    };
    for (const [code, fault] of raises) check(fault, [...at, 'raises', code]);
    for (const [code, faults] of clears) list(faults).forEach((f, k) => check(f, [...at, 'clears', code, k]));
  });
  return issues;
}

/**
 * One BACnet device is one upstream: two site devices on it would be two links fighting over it.
 * And a network is reached through one router: two routers named for it would take turns.
 */
function bacnetIssues(source: Obj, i: number, devices: Map<string, number>, routers: Map<number, { router: string; at: number }>): CrossIssue[] {
  const issues: CrossIssue[] = [];
  const instance = String(source['deviceInstance']);
  const address = text(source['address']);
  const network = typeof source['network'] === 'number' ? source['network'] : undefined;
  const mac = source['mac'];
  const macHex = typeof mac === 'number' ? mac.toString(16).padStart(2, '0') : text(mac)?.toLowerCase();
  const where = network !== undefined && macHex !== undefined ? { key: `net-${network}/${macHex}`, words: `network ${network} MAC ${String(mac)}` } : address !== undefined ? { key: address.includes(':') ? address : `${address}:47808`, words: address } : undefined;
  if (where !== undefined) {
    const key = `${where.key}/${instance}`;
    const first = devices.get(key);
    if (first !== undefined) issues.push({ path: ['devices', i, 'source', 'deviceInstance'], message: `BACnet device ${instance} at ${where.words} is already devices[${first}]; map all its points on one device` });
    else devices.set(key, i);
  }
  const router = text(source['router']);
  if (network !== undefined && router !== undefined) {
    const normal = router.includes(':') ? router : `${router}:47808`;
    const first = routers.get(network);
    if (first !== undefined && first.router !== normal) issues.push({ path: ['devices', i, 'source', 'router'], message: `network ${network} is reached through ${first.router} in devices[${first.at}]; name one router per network` });
    else if (first === undefined) routers.set(network, { router: normal, at: i });
  }
  return issues;
}

/** An elevator box's code table: on an elevator, read from a point the device has. */
function eventCodeIssues(d: Obj, i: number, points: ReadonlySet<string>): CrossIssue[] {
  if (d['eventCodes'] === undefined) return [];
  if (d['kind'] !== 'elevator') return [{ path: ['devices', i, 'eventCodes'], message: `event codes raise elevator faults: only a device of kind "elevator" may have them (this one is "${String(d['kind'])}")` }];
  const point = text(obj(d['eventCodes'])['point']) ?? 'eventCode';
  if (points.has(point)) return [];
  return [{ path: ['devices', i, 'eventCodes', 'point'], message: `expected the point that carries the box's event code, one of this device's points (${[...points].join(', ')}); got "${point}"` }];
}
