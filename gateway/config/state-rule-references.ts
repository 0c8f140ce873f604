import { PACK_RULE_IDS } from '../detect/rule-pack.js';

/**
 * The points a device's state-aware rules (`stateRules`) name, checked against the site file: each
 * must be a point of its own device (`flow`) or of another device in the file (`pump-1/flow`). Read
 * leniently like the other cross-references, so check-config lists these beside structural problems.
 */
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function stateRuleIssues(devices: readonly Obj[]): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const pointsOf = new Map<string, string[]>();
  for (const d of devices) {
    const id = text(d['id']);
    if (id !== undefined) pointsOf.set(id, list(obj(d['source'])['points']).flatMap((p) => text(obj(p)['id']) ?? []));
  }
  devices.forEach((d, i) => {
    const own = text(d['id']) ?? '';
    const faults = new Set(list(d['rules']).flatMap((r) => text(obj(r)['id']) ?? []));
    list(d['stateRules']).forEach((r, j) => {
      const e = obj(r);
      const rule = text(e['rule']) ?? '';
      const at = ['devices', i, 'stateRules', j];
      // An unknown rule is the schema's to say (its discriminator lists the rules there are).
      if (rule !== 'custom' && !PACK_RULE_IDS.includes(rule)) return;
      const fault = text(e['id']) ?? rule;
      if (faults.has(fault)) issues.push({ path: [...at, rule === 'custom' ? 'id' : 'rule'], message: `device "${own}" already has a rule "${fault}": give this one its own "id"` });
      faults.add(fault);
      const key = rule === 'custom' ? 'inputs' : 'points';
      for (const [role, ref] of Object.entries(obj(e[key]))) {
        if (typeof ref !== 'string') continue;
        const slash = ref.indexOf('/');
        const deviceId = slash < 0 ? own : ref.slice(0, slash);
        const pointId = slash < 0 ? ref : ref.slice(slash + 1);
        const points = pointsOf.get(deviceId);
        if (points === undefined) issues.push({ path: [...at, key, role], message: `rule "${fault}" reads "${ref}" for its "${role}" role, but there is no device "${deviceId}" in this file` });
        else if (!points.includes(pointId)) issues.push({ path: [...at, key, role], message: `rule "${fault}" reads point "${pointId}" for its "${role}" role, but device "${deviceId}" has no such point (its points: ${points.join(', ') || 'none'})` });
      }
    });
  });
  return issues;
}
