import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/log.js';
import { firstMonthKept, TicketArchive } from '../../../gateway/tickets/ticket-archive.js';
import { captureLog } from '../../helpers/capture-log.js';
import { sampleTicket } from '../../helpers/ticket-fixture.js';
import { tempDir } from '../../helpers/temp-dir.js';

const created = (id: string, at: string) => sampleTicket(id, 1, 50, { createdAt: at, updatedAt: at, status: 'closed' });

function events(text: string, event: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((l) => (l.includes(`"event":"${event}"`) ? [JSON.parse(l) as Record<string, unknown>] : []));
}

describe('TicketArchive index', () => {
  it('finds an archived ticket by id from its month, and answers an unknown id from the index alone', async () => {
    const dir = await tempDir();
    const archive = new TicketArchive(dir, silentLogger());
    await archive.add([created('a', '2026-09-03T02:00:00.000Z'), created('b', '2026-10-03T02:00:00.000Z')]);
    const again = new TicketArchive(dir, silentLogger());
    expect((await again.find('a'))?.id).toBe('a');
    expect((await again.find('b'))?.createdAt).toBe('2026-10-03T02:00:00.000Z');
    // With the month files gone, an unknown id is still answered (nothing needed reading).
    for (const n of await readdir(dir)) if (/^\d{4}-\d{2}\.jsonl$/.test(n)) await writeFile(path.join(dir, n), 'not a ticket\n');
    expect(await again.find('no-such-ticket')).toBeUndefined();
  });

  it('indexes an archive written before the index, and a month line appended after the last index line (a crash between the two)', async () => {
    const dir = await tempDir();
    const first = new TicketArchive(dir, silentLogger());
    await first.add([created('old', '2026-08-03T02:00:00.000Z')]);
    await writeFile(path.join(dir, 'index.jsonl'), '');
    await appendFile(path.join(dir, '2026-08.jsonl'), `${JSON.stringify(created('late', '2026-08-09T02:00:00.000Z'))}\n`);
    const { log, text } = captureLog();
    const archive = new TicketArchive(dir, log);
    expect((await archive.find('old'))?.id).toBe('old');
    expect((await archive.find('late'))?.id).toBe('late');
    expect(events(text(), 'archive.index_mended')).toHaveLength(1);
    // Mended on disk: the next start reads the index and no month.
    const index = await readFile(path.join(dir, 'index.jsonl'), 'utf8');
    expect(index).toContain('"late"');
  });

  it('rebuilds an index with a damaged line from the month files, and drops a torn last line', async () => {
    const dir = await tempDir();
    const first = new TicketArchive(dir, silentLogger());
    await first.add([created('x', '2026-08-03T02:00:00.000Z')]);
    await first.add([created('y', '2026-09-03T02:00:00.000Z')]);
    const file = path.join(dir, 'index.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    await writeFile(file, ['{"month":', ...lines.slice(1)].join('\n'));
    const { log, text } = captureLog();
    const archive = new TicketArchive(dir, log);
    expect((await archive.find('x'))?.id).toBe('x');
    expect((await archive.find('y'))?.id).toBe('y');
    expect(events(text(), 'archive.index_bad')[0]).toMatchObject({ code: 'GW_STORE_CORRUPT' });

    await appendFile(file, '{"month":"2026-1');
    const torn = new TicketArchive(dir, silentLogger());
    await torn.add([created('z', '2026-09-04T02:00:00.000Z')]);
    const after = new TicketArchive(dir, captureLog().log);
    for (const id of ['x', 'y', 'z']) expect((await after.find(id))?.id).toBe(id);
  });
});

describe('TicketArchive retention', () => {
  it('keeps the same month five years back and everything after', () => {
    expect(firstMonthKept(Date.UTC(2026, 10, 27), 5)).toBe('2021-11');
    expect(firstMonthKept(Date.UTC(2026, 0, 1), 5)).toBe('2021-01');
  });

  it('removes month files older than the retention, logs each, and forgets their ids', async () => {
    const dir = await tempDir();
    const { log, text } = captureLog();
    const archive = new TicketArchive(dir, log);
    await archive.add([
      created('sep21', '2021-09-15T02:00:00.000Z'),
      created('oct21', '2021-10-31T15:00:00.000Z'),
      created('oct21b', '2021-10-01T02:00:00.000Z'),
      created('nov21', '2021-11-01T02:00:00.000Z'),
      created('nov26', '2026-11-20T02:00:00.000Z'),
    ]);
    expect(await archive.removeExpired(Date.UTC(2026, 10, 27, 4), 5)).toEqual(['2021-09', '2021-10']);
    expect(await archive.months()).toEqual(['2021-11', '2026-11']);
    const removed = events(text(), 'archive.retention_removed');
    expect(removed.map((e) => [e['month'], e['tickets']])).toEqual([
      ['2021-09', 1],
      ['2021-10', 2],
    ]);
    expect(await archive.find('oct21')).toBeUndefined();
    expect((await archive.find('nov21'))?.id).toBe('nov21');
    const reopened = new TicketArchive(dir, silentLogger());
    expect(await reopened.find('sep21')).toBeUndefined();
    expect((await reopened.find('nov26'))?.id).toBe('nov26');
    expect(await readFile(path.join(dir, 'index.jsonl'), 'utf8')).not.toContain('sep21');
  });

  it('does not take a wall clock stepped years ahead for the passing of time', async () => {
    const dir = await tempDir();
    const archive = new TicketArchive(dir, silentLogger());
    await archive.add([created('a', '2022-12-15T02:00:00.000Z'), created('b', '2026-11-20T02:00:00.000Z')]);
    expect(await archive.removeExpired(Date.UTC(2040, 0, 1), 5)).toEqual([]);
    expect(await archive.months()).toEqual(['2022-12', '2026-11']);
  });
});
