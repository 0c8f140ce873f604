import { crossReferenceIssues } from '../cross-references.js';
import { formatPath } from '../load-site.js';
import { isObject, type Json } from './json-tree.js';
import { isProtocol } from './protocols.js';
import { columnOf } from './row-patch.js';
import type { MergeState } from './row-merge.js';
import type { TableRow } from './table-rows.js';

export interface DeviceRowProblem {
  readonly row: TableRow;
  readonly message: string;
}

interface NewIssue {
  readonly deviceId: string;
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The cross-device issues of each device, keyed so the same issue before and after compares equal. */
function issuesOf(devices: readonly unknown[]): NewIssue[] {
  return crossReferenceIssues({ devices }).flatMap((issue) => {
    const [top, index, ...path] = issue.path;
    const device = typeof index === 'number' ? devices[index] : undefined;
    return top === 'devices' && isObject(device) ? [{ deviceId: String(device['id']), path, message: issue.message }] : [];
  });
}

const keyOf = (i: NewIssue): string => `${i.deviceId}|${i.path.join('.')}|${i.message}`;

/**
 * The checks across a site's devices (gateway/config/cross-references.ts: a rule reading a point
 * its device lacks, a fedBy naming no device, an event point mapping no code...) once every row
 * is in, as rows may name what later rows add. A device the import changed that fails one it did
 * not fail before is put back as it was (a new one is left out), and each of its rows is reported:
 * the first with the problem, the others as left out with it. Repeated, as a device put back may
 * leave another naming it.
 */
export function settleCrossReferences(state: MergeState, original: readonly unknown[]): DeviceRowProblem[] {
  const known = new Set(issuesOf(original).map(keyOf));
  const problems: DeviceRowProblem[] = [];
  for (;;) {
    const fresh = issuesOf(state.devices).filter((i) => state.before.has(i.deviceId) && !known.has(keyOf(i)));
    if (fresh.length === 0) return problems;
    for (const deviceId of new Set(fresh.map((i) => i.deviceId))) {
      const index = state.devices.findIndex((d) => isObject(d) && d['id'] === deviceId);
      const device = state.devices[index] as Json;
      const protocol = isObject(device['source']) ? device['source']['protocol'] : undefined;
      const [first, ...rest] = state.rowsOf.get(deviceId) ?? [];
      if (first !== undefined) {
        for (const issue of fresh.filter((i) => i.deviceId === deviceId)) {
          const column = isProtocol(protocol) ? columnOf(issue.path, protocol) : undefined;
          problems.push({ row: first, message: `${column ?? formatPath(issue.path)}: ${issue.message}` });
        }
        for (const row of rest) problems.push({ row, message: `left out with its device, whose rows do not pass (see row ${first.row})` });
      }
      const before = state.before.get(deviceId);
      if (before === undefined) state.devices.splice(index, 1);
      else state.devices[index] = before;
      state.before.delete(deviceId);
      state.rowsOf.delete(deviceId);
      state.pointsAdded.delete(deviceId);
    }
  }
}
