#!/usr/bin/env node
/** `npm run docs:schema`: rewrites config/site.schema.json from the zod site schema. */
import { writeFile } from 'node:fs/promises';
import { siteJsonSchemaText } from '../config/site-json-schema.js';

const file = process.argv[2] ?? 'config/site.schema.json';
await writeFile(file, siteJsonSchemaText());
process.stdout.write(`${file} written from gateway/config/site-schema.ts\n`);
