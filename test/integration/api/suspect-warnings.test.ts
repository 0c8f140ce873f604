import { describe, expect, it, onTestFinished } from 'vitest';
import { buildGateway } from '../../../gateway/app.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import type { ReadingValue } from '../../../core/reading.js';
import { testSite } from '../../helpers/site.js';
import { bearer, staffUsers } from '../../helpers/staff.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** The live stream as a page hears it: everything so far, and a wait for a pattern in it. */
function liveStream(res: Response): { readUntil(pattern: RegExp): Promise<void>; heard(): string } {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let heard = '';
  return {
    async readUntil(pattern) {
      while (!pattern.test(heard)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}`);
        heard += value;
      }
    },
    heard: () => heard,
  };
}

const LIFT = {
  id: 'lift-a',
  kind: 'elevator',
  name: 'A 号客梯',
  nameEn: 'Elevator A',
  location: { building: 'T1', floor: '1F', description: 'T1 大堂 A 梯', descriptionEn: 'T1 lobby, elevator A', publicArea: true },
  source: { protocol: 'mqtt', username: 'lift-a', password: { value: 'pw-lift-a' }, points: ['moving', 'inDoorZone', 'doorsClosed', 'occupied'].map((id) => ({ id })) },
} as const;

describe('suspected entrapment on the engineering page’s stream', () => {
  it('is read by staff of its building only where reads need a token: a patrol of another building sees none', async () => {
    const site = testSite({ dataDir: await tempDir(), http: { host: '127.0.0.1', port: 0, readsNeedToken: true }, users: staffUsers(), devices: [{ ...LIFT, source: { ...LIFT.source, points: [...LIFT.source.points] } }] });
    const gw = await buildGateway(site, { clock: systemClock, log: silentLogger() });
    await gw.start();
    onTestFinished(() => gw.stop());
    for (const [pointId, value] of Object.entries({ moving: false, inDoorZone: false, doorsClosed: true, occupied: true })) gw.pipeline.ingest({ deviceId: 'lift-a', pointId, value, quality: 'good', ts: Date.now() });
    const read = async (who: 'engineer' | 'patrol' | 'farPatrol'): Promise<unknown[]> => ((await (await fetch(`${gw.httpUrl()}/api/warnings`, { headers: bearer(who) })).json()) as { warnings: unknown[] }).warnings;
    expect(await read('engineer')).toHaveLength(1);
    expect(await read('patrol')).toHaveLength(1);
    expect(await read('farPatrol')).toEqual([]);
    expect((await fetch(`${gw.httpUrl()}/api/warnings`)).status).toBe(401);
  });

  it('is sent live and served by GET /api/warnings while the confirm delay runs, and withdrawn when the car moves on', async () => {
    const site = testSite({
      dataDir: await tempDir(),
      http: { host: '127.0.0.1', port: 0 },
      devices: [
        {
          id: 'lift-a',
          kind: 'elevator',
          name: 'A 号客梯',
          nameEn: 'Elevator A',
          location: { building: 'T1', floor: '1F', description: 'T1 大堂 A 梯', descriptionEn: 'T1 lobby, elevator A', publicArea: true },
          source: { protocol: 'mqtt', username: 'lift-a', password: { value: 'pw-lift-a' }, points: ['moving', 'inDoorZone', 'doorsClosed', 'occupied'].map((id) => ({ id })) },
        },
      ],
    });
    const gw = await buildGateway(site, { clock: systemClock, log: silentLogger() });
    await gw.start();
    onTestFinished(() => gw.stop());
    const abort = new AbortController();
    onTestFinished(() => abort.abort());
    const stream = liveStream(await fetch(`${gw.httpUrl()}/api/events?events=warnings`, { signal: abort.signal }));
    const feed = (values: Record<string, ReadingValue>): void => {
      for (const [pointId, value] of Object.entries(values)) gw.pipeline.ingest({ deviceId: 'lift-a', pointId, value, quality: 'good', ts: Date.now() });
    };

    feed({ moving: false, inDoorZone: false, doorsClosed: true, occupied: true });
    await stream.readUntil(/event: warnings\ndata: \{"warnings":\[\{[^\n]*疑似困人/);
    const got = (await (await fetch(`${gw.httpUrl()}/api/warnings`)).json()) as { warnings: { deviceId: string; fault: string; words: unknown; device: unknown; place: unknown; since: number; confirmAt: number }[] };
    expect(got.warnings).toHaveLength(1);
    const w = got.warnings[0]!;
    expect(w).toMatchObject({ deviceId: 'lift-a', fault: 'elevator-entrapment', words: { zh: '疑似困人', en: 'Suspected entrapment' }, device: { zh: 'A 号客梯', en: 'Elevator A' }, place: { zh: 'T1 大堂 A 梯', en: 'T1 lobby, elevator A' } });
    expect(w.confirmAt - w.since).toBe(30_000);
    expect(gw.tickets.all().filter((t) => t.fault === 'elevator-entrapment')).toEqual([]);

    feed({ moving: true });
    await stream.readUntil(/event: warnings\ndata: \{"warnings":\[\]\}/);
    expect(((await (await fetch(`${gw.httpUrl()}/api/warnings`)).json()) as { warnings: unknown[] }).warnings).toEqual([]);
  }, 30_000);
});
