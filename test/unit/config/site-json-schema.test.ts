import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { siteJsonSchema, siteJsonSchemaText } from '../../../gateway/config/site-json-schema.js';

const EXAMPLES = ['config/demo-site.json', 'simulators/scenarios/sites/repair-site.json', 'simulators/scenarios/sites/typhoon-devices.json', 'simulators/scenarios/sites/storm-site.json', 'simulators/scenarios/sites/sump-site.json', 'simulators/scenarios/sites/push-site.json', 'test/fixtures/sites/every-protocol.json'];

async function json(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.resolve(file), 'utf8')) as Record<string, unknown>;
}

describe('config/site.schema.json', () => {
  it('is the zod site schema as generated now (npm run docs:schema)', async () => {
    expect(await readFile(path.resolve('config/site.schema.json'), 'utf8')).toBe(siteJsonSchemaText());
  });

  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(siteJsonSchema());

  for (const file of EXAMPLES) {
    it(`accepts ${file}, which names it with $schema`, async () => {
      const site = await json(file);
      expect(path.resolve(path.dirname(file), String(site['$schema']))).toBe(path.resolve('config/site.schema.json'));
      expect(validate(site), JSON.stringify(validate.errors)).toBe(true);
    });
  }

  it('refuses what the site schema refuses: an unknown key, a wrong kind, a string for a port', async () => {
    const site = await json('config/demo-site.json');
    const devices = site['devices'] as Record<string, unknown>[];
    const bad = { ...site, colour: 'red', http: { port: '8080' }, devices: [{ ...devices[0], kind: 'toaster' }] };
    expect(validate(bad)).toBe(false);
    const where = (validate.errors ?? []).map((e) => e.instancePath);
    expect(where).toEqual(expect.arrayContaining(['', '/http/port', '/devices/0/kind']));
  });
});
