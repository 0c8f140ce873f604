import { formatIssues, formatPath, readJsonFile, withUsersFile } from './load-site.js';
import { crossReferenceIssues } from './cross-references.js';
import { SiteFile, type SiteConfig } from './site-schema.js';
import { siteWarnings } from './site-warnings.js';
import { GatewayError } from '../../core/errors.js';

export interface SiteReport {
  /** Every problem found, each with its path; empty when the gateway would start on the file. */
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  readonly site: SiteConfig | null;
  /** GW_CONFIG_UNREADABLE when the file cannot be read or is not JSON, else GW_CONFIG_INVALID. */
  readonly code: 'GW_CONFIG_INVALID' | 'GW_CONFIG_UNREADABLE';
}

/**
 * Everything `npm run check-config` says about a site file, in one pass: the structure (zod) and
 * the cross-references together (these the schema checks only once the structure is right, so
 * they are run here on the raw file as well), then the warnings of a valid site.
 */
export async function checkSiteFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<SiteReport> {
  let raw: unknown;
  try {
    raw = await readJsonFile(file, 'site file');
  } catch (err) {
    return { problems: [err instanceof Error ? err.message : String(err)], warnings: [], site: null, code: 'GW_CONFIG_UNREADABLE' };
  }
  const problems: string[] = [];
  try {
    raw = await withUsersFile(raw, file);
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    problems.push(...((err.context['problems'] as string[] | undefined) ?? [err.message]));
    // The rest of the file is still checked, without the users file it could not join.
    if (raw !== null && typeof raw === 'object') raw = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== 'usersFile'));
  }
  const parsed = SiteFile.safeParse(raw);
  if (parsed.success && problems.length === 0) return { problems, warnings: siteWarnings(parsed.data, env), site: parsed.data, code: 'GW_CONFIG_INVALID' };
  if (!parsed.success) problems.push(...formatIssues(parsed.error.issues));
  problems.push(...crossReferenceIssues(raw).map((i) => `${formatPath(i.path)}: ${i.message}`));
  return { problems: [...new Set(problems)], warnings: [], site: null, code: 'GW_CONFIG_INVALID' };
}
