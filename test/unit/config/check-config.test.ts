import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSiteFile } from '../../../gateway/config/site-check.js';
import { FAULT_DEVICE_KINDS } from '../../../core/fault-catalogue.js';
import { rulesFor } from '../../../gateway/detect/builtin-faults.js';
import { Device } from '../../../gateway/config/site-schema.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function demoWith(change: (site: Record<string, unknown> & { devices: Record<string, unknown>[] }) => void): Promise<string> {
  const site = JSON.parse(await readFile(path.resolve('config/demo-site.json'), 'utf8')) as Record<string, unknown> & { devices: Record<string, unknown>[] };
  delete site['usersFile'];
  change(site);
  const file = path.join(await tempDir('check-'), 'site.json');
  await writeFile(file, JSON.stringify(site, null, 2));
  return file;
}

const TOKEN = (c: string): string => c.repeat(64);

describe('check-config', () => {
  it('finds every problem of a file with ten different mistakes in one run', async () => {
    const file = await demoWith((s) => {
      const [leak, leak2, meter, pump, lift] = s.devices as [Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>]; // eslint-disable-line @typescript-eslint/no-explicit-any
      (s['site'] as Record<string, unknown>)['code'] = 'sh-01'; // 1 a code in lower case
      s['colour'] = 'red'; // 2 an unknown key
      s['http'] = { port: '8080' }; // 3 a port as text
      leak2.id = leak.id; // 4 a duplicate device id
      meter.fedBy = 'db-9'; // 5 fed by a device not in the file
      pump.source.points[1].address = 1.5; // 6 a register address that is not an integer
      pump.kind = 'toaster'; // 7 an unknown device kind
      lift.source.endpoint = 'http://127.0.0.1:4840'; // 8 an OPC UA endpoint that is not opc.tcp://
      lift.source.points[1].id = 'position'; // 9 a duplicate point id
      lift.rules = [{ id: 'stuck', when: { kind: 'state', point: 'doorOpen', equals: true }, fault: 'door-stuck', tier: 'general', skill: 'elevator' }]; // 10 a rule on a point the device lacks
      s['users'] = [
        { id: 'u1', name: 'A', role: 'patrol', tokenSha256: TOKEN('a') },
        { id: 'u1', name: 'B', role: 'engineer', tokenSha256: TOKEN('b') }, // 11 a duplicate user id
      ];
    });
    const report = await checkSiteFile(file);
    expect(report.site).toBeNull();
    const at = report.problems.map((p) => p.slice(0, p.indexOf(': ')));
    expect(at).toEqual(
      expect.arrayContaining([
        'site.code',
        '(root)',
        'http.port',
        'devices[1].id',
        'devices[2].fedBy',
        'devices[3].source.points[1].address',
        'devices[3].kind',
        'devices[4].source.endpoint',
        'devices[4].source.points[1].id',
        'devices[4].rules[0].when.point',
        'users[1].id',
      ]),
    );
    expect(report.problems).toContain('devices[1].id: duplicate device id "leak-b1-pump-room" (also devices[0])');
    expect(report.problems).toContain('devices[2].fedBy: expected the id of a device in this file, got "db-9"');
    expect(new Set(report.problems).size).toBe(report.problems.length);
  });

  it('reports a bad users file beside the problems of the site file itself', async () => {
    const file = await demoWith((s) => {
      s['usersFile'] = 'users.json';
      (s['http'] as Record<string, unknown>)['port'] = 'x';
    });
    await writeFile(path.join(path.dirname(file), 'users.json'), JSON.stringify([{ id: 'u1', name: 'A', role: 'boss', tokenSha256: TOKEN('a') }]));
    const report = await checkSiteFile(file);
    expect(report.problems).toEqual([expect.stringMatching(/^usersFile users\.json: \[0\]\.role: /), expect.stringMatching(/^http\.port: /)]);
  });

  it('names the line and column of a JSON syntax error', async () => {
    const file = path.join(await tempDir('check-'), 'site.json');
    await writeFile(file, '{\n  "site": {\n    "id": "x",\n  },\n  "devices": []\n}\n');
    const report = await checkSiteFile(file);
    expect(report.code).toBe('GW_CONFIG_UNREADABLE');
    expect(report.problems).toEqual([expect.stringContaining('is not valid JSON (line 4, column 3)')]);
  });

  it('warns of demo logins, a device no fault can be raised for, points no rule reads, an unset password variable', async () => {
    const file = await demoWith((s) => {
      s['users'] = JSON.parse('[{"id":"p-wang","name":"W","role":"patrol","tokenSha256":"36c26b3c7bd4936777751797dabdc3a2218664d22c2477213c909c145eceb01a"}]') as unknown;
      s.devices.push({
        id: 'fan-1', kind: 'generic', name: 'Fan', location: { building: 'T1', floor: 'RF', description: 'roof' },
        source: { protocol: 'mqtt', username: 'fan-1', password: { env: 'MQTT_PASSWORD_FAN_1' }, points: [{ id: 'speed' }] },
      });
    });
    const report = await checkSiteFile(file, {});
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([
      'users[0] (p-wang): logs in with the demo token "demo-patrol" that the README publishes; give each person their own token before going live',
      'devices[3].source.points[5] (pump-dw-1.current): no fault rule reads this point',
      'devices[4].source.points[1] (elevator-t1-a.floor): no fault rule reads this point',
      'devices[6] (fan-1): no fault rule applies (no built-in fault of a generic reads its points speed, and it has no rules): only device-offline can raise a ticket for it',
      'devices[6].source.points[0] (fan-1.speed): no fault rule reads this point',
      'devices[6].source.password (fan-1): environment variable MQTT_PASSWORD_FAN_1 is not set here; the gateway will not start without it',
    ]);
  });

  it('the README lists the points each built-in fault reads, as the code reads them', async () => {
    const readme = await readFile(path.resolve('README.md'), 'utf8');
    for (const [fault, kinds] of Object.entries(FAULT_DEVICE_KINDS)) {
      for (const kind of kinds) {
        const device = Device.parse({ id: 'd', kind, name: 'd', battery: true, location: { building: 'b', floor: 'f', description: 'x' }, source: { protocol: 'mqtt', points: [{ id: 'wet' }, { id: 'battery' }, { id: 'voltageA' }, { id: 'onBattery' }, { id: 'current' }, { id: 'level' }, { id: 'running' }, { id: 'pressure' }, { id: 'moving' }, { id: 'faultCode' }, { id: 'fault' }, { id: 'outputSource' }, { id: 'batteryStatus' }, { id: 'outputLoadPercent' }, { id: 'batteryTemperature' }, { id: 'topLimit' }, { id: 'bottomLimit' }, { id: 'speed' }, { id: 'powerOn' }] } });
        const rule = rulesFor(device).find((r) => r.fault === fault);
        // Faults raised by pushed events read no named point: the table says so.
        const points = rule === undefined && kind === 'fire-panel' ? 'pushed events' : rule?.points.map((p) => `\`${p}\``).join(', ');
        expect(readme, `${fault} on a ${kind}`).toContain(`| \`${fault}\` | ${kind} | ${points} |`);
      }
    }
  });
});
