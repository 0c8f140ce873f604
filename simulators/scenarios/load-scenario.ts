import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { formatIssues } from '../../gateway/config/load-site.js';
import { Scenario } from './scenario-schema.js';

/** The built-in scenarios, found from the source tree or from dist/ alike. */
export function builtinDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'simulators', 'scenarios', 'builtin');
    if (existsSync(candidate)) return candidate;
    const here = path.join(dir, 'builtin');
    if (existsSync(here) && dir.endsWith(path.join('simulators', 'scenarios'))) return here;
    dir = path.dirname(dir);
  }
  throw new Error('simulators/scenarios/builtin not found');
}

export interface LoadedScenario {
  readonly scenario: Scenario;
  readonly file: string;
}

export async function loadScenarioFile(file: string): Promise<LoadedScenario> {
  const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
  const r = Scenario.safeParse(raw);
  if (!r.success) throw new Error(`scenario ${file} is invalid:\n  ${formatIssues(r.error.issues).join('\n  ')}`);
  return { scenario: r.data, file };
}

/** A built-in name (`water-leak`) or a path to an operator's own scenario file. */
export async function resolveScenario(nameOrFile: string): Promise<LoadedScenario> {
  if (nameOrFile.endsWith('.json')) return loadScenarioFile(path.resolve(nameOrFile));
  const file = path.join(builtinDir(), `${nameOrFile}.json`);
  if (!existsSync(file)) throw new Error(`no scenario "${nameOrFile}"; see npm run sim -- list`);
  return loadScenarioFile(file);
}

export async function builtinScenarios(): Promise<LoadedScenario[]> {
  const dir = builtinDir();
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map((f) => loadScenarioFile(path.join(dir, f))));
}
