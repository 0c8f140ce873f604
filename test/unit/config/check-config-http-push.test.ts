import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSiteFile } from '../../../gateway/config/site-check.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function demoSite(): Promise<Record<string, unknown> & { devices: Record<string, unknown>[] }> {
  return JSON.parse(await readFile(path.resolve('config/demo-site.json'), 'utf8')) as Record<string, unknown> & { devices: Record<string, unknown>[] };
}

/** The index the first added device gets: the demo site's own devices come first. */
async function firstAdded(): Promise<number> {
  return (await demoSite()).devices.length;
}

async function demoWithDevices(devices: Record<string, unknown>[]): Promise<string> {
  const site = await demoSite();
  delete site['usersFile'];
  site.devices = [...site.devices, ...devices];
  const file = path.join(await tempDir('check-push-'), 'site.json');
  await writeFile(file, JSON.stringify(site, null, 2));
  return file;
}

const location = { building: 'T1', floor: 'B1', description: 'B1 消防控制室' };

describe('check-config on HTTP push devices', () => {
  it('accepts a fire panel whose events raise and clear its faults, warning of a token variable not set here', async () => {
    const file = await demoWithDevices([
      {
        id: 'fp-1',
        kind: 'fire-panel',
        name: '消防主机',
        location,
        source: { protocol: 'http', token: { env: 'FP_TOKEN_NOT_SET_HERE' }, points: [{ id: 'panel', kind: 'event', decoder: { type: 'json', path: 'code' }, textPath: 'text', raises: { FIRE: 'fire-panel-alarm' }, clears: { RESET: ['fire-panel-alarm'] }, autoClearSeconds: 600 }] },
      },
    ]);
    const report = await checkSiteFile(file, {});
    expect(report.problems).toEqual([]);
    expect(report.warnings).toContain(`devices[${await firstAdded()}].source.token (fp-1): environment variable FP_TOKEN_NOT_SET_HERE is not set here; the gateway will not start without it`);
  });

  it('names every mistake: a fault of another kind, a fault no event may raise, an event point mapping nothing, a text decoder among several points, a shared token, a missing token', async () => {
    const file = await demoWithDevices([
      {
        id: 'fp-1',
        kind: 'fire-panel',
        name: '消防主机',
        location,
        source: {
          protocol: 'http',
          token: { value: 'shared' },
          points: [
            { id: 'panel', kind: 'event', raises: { TRAPPED: 'elevator-entrapment', LEAK: 'water-leak' } },
            { id: 'other', kind: 'event' },
          ],
        },
      },
      { id: 'door-1', kind: 'generic', name: '门磁', location, source: { protocol: 'http', token: { value: 'shared' }, points: [{ id: 'open', decoder: { type: 'boolean' } }, { id: 'tamper' }] } },
      { id: 'x-1', kind: 'generic', name: 'X', location, source: { protocol: 'http', points: [{ id: 'v' }] } },
    ]);
    const report = await checkSiteFile(file);
    const n = await firstAdded();
    expect(report.problems).toEqual(
      expect.arrayContaining([
        `devices[${n}].source.points[0].raises.TRAPPED: elevator-entrapment is a fault of elevator devices; this device is kind "fire-panel"`,
        expect.stringMatching(new RegExp(`^devices\\[${n}\\]\\.source\\.points\\[0\\]\\.raises\\.LEAK: "water-leak" cannot be raised by an event; expected one of fire-panel-alarm, fire-panel-fault, elevator-entrapment, elevator-out-of-service`)),
        `devices[${n}].source.points[1].raises: an event point maps at least one event code to a fault it raises (e.g. {"FIRE": "fire-panel-alarm"})`,
        expect.stringMatching(new RegExp(`^devices\\[${n + 1}\\]\\.source\\.points\\[0\\]\\.decoder\\.type: a boolean decoder reads the whole body as text`)),
        `devices[${n + 1}].source.token: devices[${n}] pushes with the same token; give each device its own`,
        `devices[${n + 2}].source.token: expected the device's push token: { "env": "FIRE_PANEL_TOKEN" } (an environment variable) or { "value": "..." }`,
      ]),
    );
  });
});
