import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSiteFile } from '../../../gateway/config/site-check.js';
import { tempDir } from '../../helpers/temp-dir.js';

type Json = Record<string, unknown>;

/** The demo site with one more device; returns the file and the added device's index. */
async function demoWith(device: Json): Promise<{ file: string; at: number }> {
  const site = JSON.parse(await readFile(path.resolve('config/demo-site.json'), 'utf8')) as Json & { devices: Json[] };
  delete site['usersFile'];
  site.devices = [...site.devices, device];
  const file = path.join(await tempDir('check-lift-codes-'), 'site.json');
  await writeFile(file, JSON.stringify(site, null, 2));
  return { file, at: site.devices.length - 1 };
}

const box = (extra: Json, points: Json[] = [{ id: 'alarmCode' }, { id: 'floor' }], kind = 'elevator'): Json => ({
  id: 'lift-box-1',
  kind,
  name: 'B 号客梯',
  location: { building: 'T2', floor: '1F', description: 'T2 大堂 B 梯' },
  source: { protocol: 'mqtt', username: 'lift-box-1', password: { value: 'pw-lift-box-1' }, points },
  ...extra,
});

describe('check-config on an elevator’s speed', () => {
  it('warns when over-speed would be judged against the default rated speed, and not once the site gives its own', async () => {
    const lift = (faults: Json): Json => box({ faults }, [{ id: 'speed' }, { id: 'moving' }]);
    const bare = await demoWith(lift({}));
    expect((await checkSiteFile(bare.file, {})).warnings).toContain(`devices[${bare.at}].faults.elevator-overspeed (lift-box-1): over-speed is judged against a rated speed of 1.75 m/s; set "ratedSpeedMps" to the elevator's nameplate speed`);
    const rated = await demoWith(lift({ 'elevator-overspeed': { ratedSpeedMps: 2.5 } }));
    expect((await checkSiteFile(rated.file, {})).warnings.filter((w) => w.includes('over-speed'))).toEqual([]);
  });
});

describe('check-config on an elevator box’s event codes', () => {
  it('accepts a vendor’s table on its own point', async () => {
    const { file } = await demoWith(box({ eventCodes: { point: 'alarmCode', raises: { E31: 'elevator-overtravel-top' }, clears: { E00: ['elevator-overtravel-top'] }, autoClearSeconds: 600 } }));
    expect((await checkSiteFile(file, {})).problems).toEqual([]);
  });

  it('names a code mapped to a fault that is not an elevator fault, with its path', async () => {
    const { file, at } = await demoWith(box({ eventCodes: { point: 'alarmCode', raises: { E31: 'fire-panel-alarm' } } }));
    const problems = (await checkSiteFile(file, {})).problems.join('\n');
    expect(problems).toContain(`devices[${at}].eventCodes.raises.E31`);
    expect(problems).toContain('expected one of the elevator faults (elevator-entrapment, elevator-overtravel-top');
    expect(problems).toContain('got "fire-panel-alarm"');
  });

  it('names a table whose point the device does not have', async () => {
    const { file, at } = await demoWith(box({ eventCodes: { point: 'code' } }));
    expect((await checkSiteFile(file, {})).problems.join('\n')).toContain(`devices[${at}].eventCodes.point: expected the point that carries the box's event code, one of this device's points (alarmCode, floor); got "code"`);
  });

  it('names a table on a device that is not an elevator', async () => {
    const { file, at } = await demoWith(box({ eventCodes: {} }, [{ id: 'eventCode' }], 'generic'));
    expect((await checkSiteFile(file, {})).problems.join('\n')).toContain(`devices[${at}].eventCodes: event codes raise elevator faults: only a device of kind "elevator" may have them (this one is "generic")`);
  });
});
