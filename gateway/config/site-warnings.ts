import { createHash } from 'node:crypto';
import { rulesFor } from '../detect/builtin-faults.js';
import { conditionsOf } from '../detect/rule-schema.js';
import { entryInputs } from '../detect/state-rule-entry.js';
import type { SiteConfig } from './site-schema.js';
import { UPS_MIB_POINTS } from '../../adapters/snmp/ups-mib.js';

/** The tokens the README gives for trying the pages (config/demo-users.json): anyone can read them. */
const DEMO_TOKENS = ['demo-patrol', 'demo-engineer', 'demo-supervisor', 'demo-desk', 'demo-operator', 'demo-admin'];
const DEMO_HASHES = new Map(DEMO_TOKENS.map((t) => [createHash('sha256').update(t).digest('hex'), t]));

/**
 * What is allowed but likely a mistake on a real site: demo logins, devices nothing can raise a
 * ticket for, points no fault reads, a password variable not set where the check runs.
 */
export function siteWarnings(site: SiteConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  site.users.forEach((u, i) => {
    const token = DEMO_HASHES.get(u.tokenSha256);
    if (token !== undefined) out.push(`users[${i}] (${u.id}): logs in with the demo token "${token}" that the README publishes; give each person their own token before going live`);
  });
  // The points state-aware rules read, as `device/point`: a rule may read another device's points.
  const byStateRules = new Set(site.devices.flatMap((d) => d.stateRules.flatMap((r) => Object.values(entryInputs(r)).map((ref) => (ref.includes('/') ? ref : `${d.id}/${ref}`)))));
  site.devices.forEach((d, i) => {
    const builtins = rulesFor(d);
    const read = new Set([...builtins.flatMap((r) => r.points), ...d.rules.flatMap((r) => conditionsOf(r).map((c) => c.point)), ...d.source.points.map((p) => p.id).filter((p) => byStateRules.has(`${d.id}/${p}`))]);
    if (builtins.length === 0 && d.rules.length === 0 && d.stateRules.length === 0) {
      out.push(`devices[${i}] (${d.id}): no fault rule applies (no built-in fault of a ${d.kind} reads its points ${d.source.points.map((p) => p.id).join(', ')}, and it has no rules): only device-offline can raise a ticket for it`);
    }
    d.source.points.forEach((p, j) => {
      // The points a mapping brings (ups-mib) are there to be seen and charted, not all to raise faults.
      const fromMapping = d.source.protocol === 'snmp' && d.source.mapping !== undefined && UPS_MIB_POINTS.some((m) => m.id === p.id && m.oid === (p as { oid?: string }).oid);
      if (!read.has(p.id) && !fromMapping) out.push(`devices[${i}].source.points[${j}] (${d.id}.${p.id}): no fault rule reads this point`);
    });
    // Over-speed is a share of the nameplate speed: the default (1.75 m/s) is wrong for every faster lift.
    const overspeed = d.faults['elevator-overspeed'];
    if (builtins.some((r) => r.fault === 'elevator-overspeed' && r.points.includes('speed')) && (overspeed === undefined || (overspeed !== false && overspeed['ratedSpeedMps'] === undefined))) {
      out.push(`devices[${i}].faults.elevator-overspeed (${d.id}): over-speed is judged against a rated speed of 1.75 m/s; set "ratedSpeedMps" to the elevator's nameplate speed`);
    }
    if (d.source.protocol === 'snmp') {
      const refs = { community: d.source.community, 'user.authKey': d.source.user?.authKey, 'user.privKey': d.source.user?.privKey };
      for (const [key, ref] of Object.entries(refs)) {
        if (ref !== undefined && 'env' in ref && (env[ref.env] ?? '') === '') out.push(`devices[${i}].source.${key} (${d.id}): environment variable ${ref.env} is not set here; the gateway will not start without it`);
      }
    }
    const pw = d.source.protocol === 'mqtt' ? d.source.password : undefined;
    if (pw !== undefined && 'env' in pw && (env[pw.env] ?? '') === '') out.push(`devices[${i}].source.password (${d.id}): environment variable ${pw.env} is not set here; the gateway will not start without it`);
    const token = d.source.protocol === 'http' ? d.source.token : undefined;
    if (token !== undefined && 'env' in token && (env[token.env] ?? '') === '') out.push(`devices[${i}].source.token (${d.id}): environment variable ${token.env} is not set here; the gateway will not start without it`);
  });
  return out;
}
