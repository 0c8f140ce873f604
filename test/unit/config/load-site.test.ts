import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSiteFile, parseSite } from '../../../gateway/config/load-site.js';
import type { GatewayError } from '../../../core/errors.js';
import { problemsOf } from '../../helpers/config-problems.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('site file', () => {
  it('loads the shipped demo site with the design-table contract defaults', async () => {
    const site = await loadSiteFile(path.resolve('config/demo-site.json'));
    expect(site.devices.map((d) => d.source.protocol).sort()).toEqual(['modbus', 'mqtt', 'mqtt', 'mqtt', 'opcua', 'snmp']);
    // The procedures' numbers (README, "The repair procedures' numbers").
    expect(site.contract.emergency).toEqual({ acknowledgeMinutes: 5, dispatchMinutes: 15, onSiteMinutes: 15, resolveMinutes: 240 });
    expect(site.contract.general).toEqual({ acknowledgeMinutes: 30, dispatchMinutes: 120, onSiteMinutes: 15, onSiteInUnitMinutes: 10, resolveMinutes: 1440 });
    expect(site.contract.onSiteByFault).toEqual({ 'water-leak': 5, 'burst-pipe': 5, 'sump-high-level': 5 });
    expect(site.contract.grabMinutes).toBe(5);
    expect(site.broker.mode).toBe('embedded');
    expect(Object.isFrozen(site.devices[0])).toBe(true);
  });

  it('lists every problem with its path and what was expected', () => {
    const problems = problemsOf(() =>
      parseSite({
        site: { id: 'x', code: 'lower', name: 'X' },
        devices: [
          {
            id: 'p1',
            kind: 'pump',
            name: 'Pump',
            location: { building: 'T1', floor: 'B1', description: 'room' },
            source: { protocol: 'modbus', transport: { type: 'tcp', host: 'h' }, points: [{ id: 'a', table: 'coil', address: 1.5 }] },
            colour: 'red',
          },
        ],
      }),
    );
    expect(problems).toContain('site.code: expected 2-12 capital letters or digits');
    expect(problems.some((p) => p.startsWith('devices[0].source.points[0].address: '))).toBe(true);
    expect(problems.some((p) => p.startsWith('devices[0]: ') && p.includes('colour'))).toBe(true);
  });

  it('refuses duplicate device ids and a fedBy that names no device', () => {
    const device = (id: string, fedBy?: string) => ({
      id,
      kind: 'leak-sensor',
      name: id,
      ...(fedBy === undefined ? {} : { fedBy }),
      location: { building: 'T1', floor: '1F', description: 'x' },
      source: { protocol: 'mqtt', points: [{ id: 'wet' }] },
    });
    const problems = problemsOf(() => parseSite({ site: { id: 's', code: 'S1', name: 'S' }, devices: [device('a'), device('a', 'ghost')] }));
    expect(problems).toContain('devices[1].id: duplicate device id "a" (also devices[0])');
    expect(problems).toContain('devices[1].fedBy: expected the id of a device in this file, got "ghost"');
  });

  it('refuses an unknown fault to tune and a custom rule without its parts', () => {
    const problems = problemsOf(() =>
      parseSite({
        site: { id: 's', code: 'S1', name: 'S' },
        devices: [
          {
            id: 'd',
            kind: 'leak-sensor',
            name: 'd',
            location: { building: 'T1', floor: '1F', description: 'x' },
            source: { protocol: 'mqtt', points: [{ id: 'wet' }] },
            faults: { waterleak: { onDelaySeconds: 1 }, 'battery-low': { belowPercent: 'low' } },
            rules: [{ when: 'wet' }],
          },
        ],
      }),
    );
    expect(problems).toContain('devices[0].faults: Unrecognized key: "waterleak"');
    expect(problems.some((p) => p.startsWith('devices[0].faults.battery-low'))).toBe(true);
    expect(problems.some((p) => p.startsWith('devices[0].rules[0].id'))).toBe(true);
    expect(problems.some((p) => p.startsWith('devices[0].rules[0].tier'))).toBe(true);
  });

  it('reports a file that is not JSON with its name', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'bad.json');
    await writeFile(file, '{ "site": ');
    await expect(loadSiteFile(file)).rejects.toMatchObject({ code: 'GW_CONFIG_UNREADABLE' });
  });

  it('joins the users of a users file to the site, and names a bad user by the file and path', async () => {
    const dir = await tempDir();
    const site = JSON.parse(await readFile(path.resolve('config/demo-site.json'), 'utf8')) as Record<string, unknown>;
    const hash = 'a'.repeat(64);
    await writeFile(path.join(dir, 'staff.json'), JSON.stringify([{ id: 'p1', name: '王', role: 'patrol', tokenSha256: hash, buildings: ['T1'] }]));
    await writeFile(path.join(dir, 'site.json'), JSON.stringify({ ...site, dataDir: dir, usersFile: 'staff.json' }));
    const loaded = await loadSiteFile(path.join(dir, 'site.json'));
    expect(loaded.users.map((u) => [u.id, u.role])).toContainEqual(['p1', 'patrol']);

    await writeFile(path.join(dir, 'staff.json'), JSON.stringify([{ id: 'p1', name: '王', role: 'boss', tokenSha256: 'secret' }]));
    const err = await loadSiteFile(path.join(dir, 'site.json')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_CONFIG_INVALID' });
    const problems = (err as GatewayError).context['problems'] as string[];
    expect(problems.some((p) => p.startsWith('usersFile staff.json: [0].role'))).toBe(true);
    expect(problems.some((p) => p.startsWith('usersFile staff.json: [0].tokenSha256: expected the sha256'))).toBe(true);
    await writeFile(path.join(dir, 'site.json'), JSON.stringify({ ...site, dataDir: dir, usersFile: 'missing.json' }));
    await expect(loadSiteFile(path.join(dir, 'site.json'))).rejects.toMatchObject({ code: 'GW_CONFIG_UNREADABLE' });
  });
  it('refuses a pair (ha) on the embedded broker, and photos larger than etcd takes in one request', async () => {
    const { usersFile: _users, ...demo } = JSON.parse(await readFile(path.resolve('config/demo-site.json'), 'utf8')) as Record<string, unknown>;
    const ha = { gatewayId: 'gw-a', place: 1, etcd: ['http://127.0.0.1:2379', 'http://127.0.0.1:2479', 'http://127.0.0.1:2579'] };
    expect(problemsOf(() => parseSite({ ...demo, ha })).some((p) => p.startsWith('broker.mode: a pair of gateways (ha) cannot host the MQTT broker'))).toBe(true);
    const pair = { ...demo, ha, broker: { mode: 'external', url: 'mqtt://127.0.0.1:1883' } };
    expect(parseSite(pair).attachments.maxBytes).toBe(1_500_000);
    const big = problemsOf(() => parseSite({ ...pair, attachments: { maxBytes: 2_000_000 } }));
    expect(big.some((p) => p.startsWith('attachments.maxBytes: ') && p.includes('at most 1500000')), big.join('\n')).toBe(true);
  });
});
