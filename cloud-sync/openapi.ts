import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The contract document, found from the source tree or from dist/ alike. */
export function openapiPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'cloud-sync', 'openapi.json');
    if (existsSync(candidate)) return candidate;
    const here = path.join(dir, 'openapi.json');
    if (existsSync(here)) return here;
    dir = path.dirname(dir);
  }
  throw new Error('cloud-sync/openapi.json not found');
}

export function loadOpenApi(): Record<string, unknown> {
  return JSON.parse(readFileSync(openapiPath(), 'utf8')) as Record<string, unknown>;
}
