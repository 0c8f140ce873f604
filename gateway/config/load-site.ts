import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { GatewayError, errorMessage } from '../errors.js';
import { SiteFile, type SiteConfig } from './site-schema.js';

/** `devices[3].source.points[1].address` from zod's path array. */
export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const part of p) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

/** Validates a parsed site file once and freezes it; every problem is listed, not just the first. */
export function parseSite(raw: unknown, origin = 'site file'): SiteConfig {
  const result = SiteFile.safeParse(raw);
  if (!result.success) {
    const problems = formatIssues(result.error.issues);
    throw new GatewayError('GW_CONFIG_INVALID', `${origin} is invalid:\n  ${problems.join('\n  ')}`, { origin, problems });
  }
  return deepFreeze(result.data);
}

export async function loadSiteFile(file: string): Promise<SiteConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new GatewayError('GW_CONFIG_UNREADABLE', `cannot read site file ${file}: ${errorMessage(err)}`, { file }, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new GatewayError('GW_CONFIG_UNREADABLE', `site file ${file} is not valid JSON: ${errorMessage(err)}`, { file }, { cause: err });
  }
  return parseSite(raw, file);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
