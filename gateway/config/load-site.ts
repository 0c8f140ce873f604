import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { deepFreeze } from '../../core/schema-parts.js';
import { User } from '../api/users-schema.js';
import { GatewayError, errorMessage } from '../../core/errors.js';
import { jsonSyntaxError } from './json-syntax.js';
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
  return parseSite(await withUsersFile(await readJsonFile(file, 'site file'), file), file);
}

/** A JSON file of the configuration; an unreadable or unparsable one is GW_CONFIG_UNREADABLE naming it. */
export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new GatewayError('GW_CONFIG_UNREADABLE', `cannot read ${what} ${file}: ${errorMessage(err)}`, { file }, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = jsonSyntaxError(text);
    const where = at === null ? '' : ` (line ${at.line}, column ${at.column})`;
    throw new GatewayError('GW_CONFIG_UNREADABLE', `${what} ${file} is not valid JSON${where}: ${errorMessage(err)}`, { file, ...(at === null ? {} : { line: at.line, column: at.column }) }, { cause: err });
  }
}

/**
 * Users may live in a file of their own (`usersFile`, relative to the site file) so staff can be
 * changed without touching the site; they are validated here and joined to the site's `users`.
 */
export async function withUsersFile(raw: unknown, siteFile: string): Promise<unknown> {
  if (raw === null || typeof raw !== 'object' || !('usersFile' in raw) || typeof raw.usersFile !== 'string') return raw;
  const { usersFile, ...rest } = raw as Record<string, unknown> & { usersFile: string };
  const path = resolve(dirname(siteFile), usersFile);
  const users = await readJsonFile(path, 'users file (usersFile)');
  const parsed = z.array(User).safeParse(users);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues).map((p) => `usersFile ${usersFile}: ${p}`);
    throw new GatewayError('GW_CONFIG_INVALID', `${siteFile} is invalid:\n  ${problems.join('\n  ')}`, { origin: siteFile, problems });
  }
  const inline = Array.isArray(rest['users']) ? (rest['users'] as unknown[]) : [];
  return { ...rest, users: [...inline, ...parsed.data] };
}

