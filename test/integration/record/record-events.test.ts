import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.js';
import { loadSiteFile } from '../../../gateway/config/load-site.js';
import { silentLogger } from '../../../core/log.js';
import { ReadingRecorder } from '../../../gateway/record/reading-recorder.js';
import { replayRecording } from '../../../gateway/record/replay.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('recording and replaying pushed events', () => {
  it('keeps an event with its words, so the replay raises the fire alarm that carries them', async () => {
    const site = await loadSiteFile(path.resolve('simulators/scenarios/sites/push-site.json'));
    const file = path.join(await tempDir('record-events-'), 'events.gz');
    const rec = new ReadingRecorder({ file, maxBytes: 1_000_000, siteId: site.site.id, clock: systemClock, log: silentLogger() });
    rec.write({ deviceId: 'fire-panel-t1', pointId: 'panel', value: 'FIRE', quality: 'good', ts: Date.now(), event: { text: '火警 3 区' } });
    await rec.close();
    const r = await replayRecording(file, site);
    expect(r.readings).toBe(1);
    expect(r.tickets.map((t) => [t.fault, t.tier, t.description.zh])).toEqual([['fire-panel-alarm', 'emergency', '火警 3 区（1 号楼消防主机，1F 消防控制室）']]);
  });
});
