import { z } from 'zod';
import { SiteFile } from './site-schema.js';

/**
 * The JSON Schema of a site file, generated from the zod schema (`z.toJSONSchema`, the input
 * side: keys with defaults are optional) so editors complete and check site files that name it
 * with `$schema`. Cross-reference checks (duplicate ids, `fedBy`, rules' points) live in code only:
 * `npm run check-config` finds those. Written to config/site.schema.json by `npm run docs:schema`.
 */
export function siteJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SiteFile, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  const properties = schema['properties'] as Record<string, unknown>;
  // Read by the loader before the schema sees the file (gateway/config/load-site.ts).
  properties['usersFile'] = { type: 'string', description: 'A JSON file of users, relative to the site file, joined to `users`.' };
  return {
    $schema: schema['$schema'],
    $id: 'https://building-fault-gateway.local/site.schema.json',
    title: 'Building-fault gateway site file',
    description: 'Generated from gateway/config/site-schema.ts by `npm run docs:schema`; do not edit.',
    ...schema,
  };
}

export function siteJsonSchemaText(): string {
  return `${JSON.stringify(siteJsonSchema(), null, 2)}\n`;
}
