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
  const ids = new Map<string, number>();
  const bacnetDevices = new Map<string, number>();
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
    const fedBy = text(d['fedBy']);
    if (fedBy !== undefined && !ids.has(fedBy)) issues.push({ path: ['devices', i, 'fedBy'], message: `expected the id of a device in this file, got "${fedBy}"` });
    if (source['protocol'] === 'bacnet') {
      // One BACnet device is one upstream: two site devices on it would be two links fighting over it.
      const address = text(source['address']);
      const key = `${address?.includes(':') === true ? address : `${address ?? ''}:47808`}/${String(source['deviceInstance'])}`;
      const first = bacnetDevices.get(key);
      if (address !== undefined && first !== undefined) issues.push({ path: ['devices', i, 'source', 'deviceInstance'], message: `BACnet device ${String(source['deviceInstance'])} at ${address} is already devices[${first}]; map all its points on one device` });
      else if (address !== undefined) bacnetDevices.set(key, i);
    }
    if (source['protocol'] === 'opcua') {
      const mode = text(source['securityMode']) ?? 'None';
      const policy = text(source['securityPolicy']) ?? 'None';
      if ((mode === 'None') !== (policy === 'None')) issues.push({ path: ['devices', i, 'source', 'securityPolicy'], message: 'expected securityPolicy None exactly when securityMode is None' });
    }
  });
  return issues;
}
