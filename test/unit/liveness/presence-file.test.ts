import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { ALIVE_STAMP_MS, PRESENCE_FILE, PresenceFile } from '../../../gateway/liveness/presence-file.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('the presence stamp', () => {
  it('is written at start, every ten seconds, and with who stopped it at a clean stop', async () => {
    const dataDir = await tempDir();
    const clock = new ManualClock(Date.UTC(2026, 11, 7, 2, 0, 0));
    const p = new PresenceFile({ dataDir, gatewayId: 'gw-1', clock, log: silentLogger() });
    expect(p.previous()).toBeNull();
    p.start();
    const read = async () => JSON.parse(await readFile(path.join(dataDir, PRESENCE_FILE), 'utf8')) as { aliveAt: number; stop: unknown; startedAt: number };
    expect((await read()).stop).toBeNull();
    clock.advance(ALIVE_STAMP_MS * 3);
    expect((await read()).aliveAt).toBe(Date.UTC(2026, 11, 7, 2, 0, 30));
    clock.advance(4_000);
    p.stop('SIGTERM');
    expect((await read()).stop).toEqual({ at: Date.UTC(2026, 11, 7, 2, 0, 34), by: 'SIGTERM' });
    expect(clock.pendingTimers).toBe(0);
    const next = new PresenceFile({ dataDir, gatewayId: 'gw-1', clock, log: silentLogger() });
    expect(next.previous()?.stop?.by).toBe('SIGTERM');
  });

  it('reads a file that does not parse as none, and says so in the log', async () => {
    const dataDir = await tempDir();
    await writeFile(path.join(dataDir, PRESENCE_FILE), '{"gatewayId":');
    const events: string[] = [];
    const p = new PresenceFile({ dataDir, gatewayId: 'gw-1', clock: new ManualClock(), log: { warn: (o: { event: string }) => events.push(o.event) } as never });
    expect(p.previous()).toBeNull();
    expect(events).toEqual(['liveness.presence_unreadable']);
  });
});
