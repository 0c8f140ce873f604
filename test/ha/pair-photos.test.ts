import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PAIR_ENGINEER_TOKEN, PairSite, type PairGateway } from '../../simulators/ha/pair-site.js';
import { ensureBuilt } from '../helpers/gateway-process.js';

let site: PairSite | null = null;
afterEach(async () => {
  await site?.stop();
  site = null;
});

/** A photo as a phone sends it: JPEG magic, then bytes enough to be a real picture's size. */
const photo = (): Buffer => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(200_000), Buffer.from([0xff, 0xd9])]);
const auth = { authorization: `Bearer ${PAIR_ENGINEER_TOKEN}` };

async function upload(g: PairGateway, bytes: Buffer): Promise<string> {
  const res = await fetch(`${g.url}/api/attachments`, { method: 'POST', headers: { ...auth, 'content-type': 'image/jpeg' }, body: bytes });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { attachment: { id: string } }).attachment.id;
}

async function report(g: PairGateway, photoId: string): Promise<{ id: string; number: string }> {
  const res = await fetch(`${g.url}/api/tickets`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ deviceId: 'leak-1', fault: 'water-leak', publicArea: true, photos: [photoId] }) });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { ticket: { id: string; number: string } }).ticket;
}

async function photoFrom(g: PairGateway, id: string): Promise<Buffer | null> {
  const res = await fetch(`${g.url}/api/attachments/${id}`);
  return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : null;
}

describe("a pair's photos", () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('a photo taken through either gateway is on both; one given out just before the active is SIGKILLed is on the new active, and central gets every photo', async () => {
    site = await PairSite.start({ leakSensors: 1 });
    await site.startBoth();
    const first = await site.waitForActive(15_000);
    const standby = site.other(first);

    // Taken through the standby's address (forwarded to the active), and reported there.
    const one = photo();
    const id1 = await upload(standby, one);
    await report(standby, id1);
    await vi.waitFor(async () => expect(await readFile(path.join(standby.dataDir, 'attachments', `${id1}.jpg`)).catch(() => null)).toEqual(one), { timeout: 15_000 });

    // A photo the active answered an id for, then the active dies before the phone sends its report.
    const two = photo();
    const id2 = await upload(first, two);
    await first.child.kill();
    const next = await site.waitForActive(15_000);
    expect(next.id).toBe(standby.id);
    // The phone's queue sends the report to the gateway that now answers: the photo is there.
    await report(next, id2);
    expect(await photoFrom(next, id1)).toEqual(one);
    expect(await photoFrom(next, id2)).toEqual(two);
    await vi.waitFor(() => {
      expect(site?.central.attachment('pair-site', id1)?.bytes).toEqual(one);
      expect(site?.central.attachment('pair-site', id2)?.bytes).toEqual(two);
    }, { timeout: 20_000 });
  }, 120_000);
});
