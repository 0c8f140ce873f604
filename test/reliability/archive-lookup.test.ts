import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { TicketArchive } from '../../gateway/tickets/ticket-archive.js';
import { freePort } from '../../simulators/free-port.js';
import { ensureBuilt, startGatewayProcess } from '../helpers/gateway-process.js';
import { writeLeakSite } from '../helpers/leak-site.js';
import { bearer, staffUsers } from '../helpers/staff.js';
import { tempDir } from '../helpers/temp-dir.js';
import { sampleTicket } from '../helpers/ticket-fixture.js';

const MONTH = 31 * 86_400_000;

describe('the ticket archive of a running gateway', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('answers an unknown ticket id from its index without reading a month file, and removes months past the retention', async () => {
    const dir = await tempDir('gw-archive-');
    const dataDir = path.join(dir, 'data');
    const httpPort = await freePort();
    // Twelve recent months of archive, and one month from six years ago (past the five-year retention).
    const archive = new TicketArchive(path.join(dataDir, 'archive'), silentLogger());
    const recent = Array.from({ length: 12 }, (_, m) => {
      const at = new Date(Date.now() - (m + 1) * MONTH).toISOString();
      return Array.from({ length: 20 }, (_, i) => sampleTicket(`t-${m}-${i}`, 1, 300, { createdAt: at, updatedAt: at, status: 'closed' }));
    }).flat();
    const oldAt = new Date(Date.now() - 6 * 366 * 86_400_000).toISOString();
    await archive.add([...recent, sampleTicket('six-years-old', 1, 300, { createdAt: oldAt, updatedAt: oldAt, status: 'closed' })]);
    const oldFile = path.join(dataDir, 'archive', `${oldAt.slice(0, 7)}.jsonl`);
    expect(existsSync(oldFile)).toBe(true);

    const siteFile = await writeLeakSite({ dir, sensors: 1, mqttPort: await freePort(), httpPort, extra: { users: staffUsers() } });
    const gw = await startGatewayProcess(siteFile, httpPort, { LOG_LEVEL: 'info' });
    const get = (id: string) => fetch(`${gw.httpUrl}/api/tickets/${id}`, { headers: bearer('engineer') });

    await vi.waitFor(() => expect(gw.events('archive.retention_removed')).toHaveLength(1), { timeout: 30_000, interval: 50 });
    expect(gw.events('archive.retention_removed')[0]).toMatchObject({ month: oldAt.slice(0, 7), tickets: 1, retentionYears: 5 });
    expect(existsSync(oldFile)).toBe(false);
    expect((await get('six-years-old')).status).toBe(404);

    const known = await get('t-3-7');
    expect(known.status).toBe(200);
    expect(await known.json()).toMatchObject({ archived: true, ticket: { id: 't-3-7' } });

    // Every month file is now a folder of the same name: reading any of them fails (EISDIR), which
    // the API answers 500. An unknown id is answered 404 without touching one.
    const monthsDir = path.join(dataDir, 'archive');
    for (const n of await readdir(monthsDir)) {
      if (!/^\d{4}-\d{2}\.jsonl$/.test(n)) continue;
      await rm(path.join(monthsDir, n));
      await mkdir(path.join(monthsDir, n));
    }
    for (const id of ['no-such-ticket', 'ffffffff-ffff-4fff-8fff-ffffffffffff', 't-99-0']) {
      const res = await get(id);
      expect(res.status).toBe(404);
      expect((await res.json()) as unknown).toMatchObject({ error: { code: 'GW_API_NOT_FOUND' } });
    }
    // The contrast: a known id reads its one month file, and the folder in its place is hit.
    expect((await get('t-3-7')).status).toBe(500);
  }, 120_000);
});
