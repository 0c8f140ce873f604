import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The house's floors (README "Architecture"): core/ at the ground imports nothing of the project;
 * adapters/ and cloud-sync/ stand on core only (and never on each other); gateway/ stands on those
 * three; simulators/ and bench/ stand above all. Type imports count: a type import is how a floor
 * starts to lean on the one above it.
 */
const FLOORS = {
  core: [],
  adapters: ['core'],
  'cloud-sync': ['core'],
  gateway: ['core', 'adapters', 'cloud-sync'],
  simulators: ['core', 'adapters', 'cloud-sync', 'gateway'],
  bench: ['core', 'adapters', 'cloud-sync', 'gateway', 'simulators'],
} as const satisfies Record<string, readonly string[]>;
type Room = keyof typeof FLOORS;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** Every project file a file imports: static, type-only, re-exports and dynamic `import('…')`. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms), ...text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1] ?? '');
  return specs.map((spec) => path.normalize(path.join(path.dirname(file), spec.replace(/\.js$/, '.ts'))));
}

const roomOf = (file: string): Room => file.split(path.sep)[0] as Room;
const files = (Object.keys(FLOORS) as Room[]).flatMap(sources);
const graph = new Map(files.map((f) => [path.normalize(f), imports(f)]));

describe('the import graph, type imports included', () => {
  it('has no cycle of files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (f: string, trail: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'visiting');
      for (const next of graph.get(f) ?? []) if (graph.has(next)) visit(next, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('goes only down the floors: core on nothing, adapters and cloud-sync on core, gateway on those', () => {
    const against: string[] = [];
    for (const [from, targets] of graph) {
      const room = roomOf(from);
      for (const to of targets) {
        const target = roomOf(to);
        if (target !== room && !(FLOORS[room] as readonly string[]).includes(target)) against.push(`${from} -> ${to}`);
      }
    }
    expect(against).toEqual([]);
  });
});
