import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import { Leadership } from '../../gateway/ha/leadership.js';
import { LeaseRenewal } from '../../gateway/ha/lease-renewal.js';
import { pairKeys } from '../../gateway/ha/pair-keys.js';
import { PhotoMirror } from '../../gateway/ha/photo-mirror.js';
import { AttachmentStore, PhotoNotDurable, type PhotoRef } from '../../gateway/tickets/attachment-store.js';
import { EtcdCluster } from '../../simulators/etcd/etcd-cluster.js';

let cluster: EtcdCluster | null = null;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await cluster?.stop();
  cluster = null;
});

const jpeg = (): Buffer => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(50_000)]);
const keys = pairKeys('/gw', 'mirror-site');

/** One gateway of a pair, as far as photos go: its leadership, its photo folder, its mirror, the photos its tickets name. */
async function member(c: EtcdCluster, id: string, named: PhotoRef[]): Promise<{ mirror: PhotoMirror; local: AttachmentStore; uploads: AttachmentStore; leadership: Leadership; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), `mirror-${id}-`));
  const client = new Etcd3({ hosts: c.endpoints });
  const renewal = new LeaseRenewal(c.endpoints, 1_500);
  const leadership = new Leadership({ client, renewal, keys, me: { gatewayId: id, url: `http://${id}`, version: 'test', storeFormat: 2 }, leaseSeconds: 2, clock: systemClock, log: silentLogger() });
  const local = new AttachmentStore(dir, 1_500_000);
  const mirror = new PhotoMirror({ client, keys, leadership, local, named: () => named, clock: systemClock, log: silentLogger(), unnamedPasses: 2 });
  cleanups.push(async () => {
    await mirror.stop();
    await leadership.stop();
    client.close();
    renewal.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { mirror, local, uploads: new AttachmentStore(dir, 1_500_000, mirror), leadership, dir };
}

describe("the pair's photos in etcd", () => {
  it('a photo the active gives out is copied to the other; one only a standby has is given back; nobody names it: swept from etcd, kept on disk', async () => {
    cluster = await EtcdCluster.start(1);
    const bNames: PhotoRef[] = [];
    const a = await member(cluster, 'gw-a', []);
    a.leadership.start();
    await vi.waitFor(() => expect(a.leadership.holds()).toBe(true), { timeout: 10_000 });
    const b = await member(cluster, 'gw-b', bNames);
    b.leadership.start();

    // The standby cannot give an id out: its upload is refused before anyone names it.
    await expect(b.uploads.add(jpeg(), 'e-li', Date.now())).rejects.toBeInstanceOf(PhotoNotDurable);

    const x = jpeg();
    const px = await a.uploads.add(x, 'e-li', Date.now());
    await b.mirror.pullOnce();
    expect(await readFile(path.join(b.dir, 'attachments', `${px.id}.jpg`))).toEqual(x);

    // A photo taken while the pair was apart, on the standby's disk only, named by a ticket it holds.
    const y = jpeg();
    const lone = new AttachmentStore(b.dir, 1_500_000);
    const py = await lone.add(y, 'e-li', Date.now());
    bNames.push(py);
    await b.mirror.reconcileOnce();
    await a.mirror.pullOnce();
    expect(await readFile(path.join(a.dir, 'attachments', `${py.id}.jpg`))).toEqual(y);

    // The active's tickets name neither (archived): two passes later both have left etcd.
    const listed = async (): Promise<string[]> => {
      const c = new Etcd3({ hosts: cluster!.endpoints });
      try {
        return await c.getAll().prefix(keys.photoPrefix).keys();
      } finally {
        c.close();
      }
    };
    expect(await listed()).toHaveLength(2);
    await a.mirror.reconcileOnce();
    expect(await listed()).toHaveLength(2);
    await a.mirror.reconcileOnce();
    expect(await listed()).toEqual([]);
    expect(await a.local.has(px)).toBe(true);
    expect(await b.local.has(py)).toBe(true);
  }, 60_000);

  it('a ticket names a photo this disk lacks (the other took it and died): read from etcd and kept', async () => {
    cluster = await EtcdCluster.start(1);
    const a = await member(cluster, 'gw-a', []);
    a.leadership.start();
    await vi.waitFor(() => expect(a.leadership.holds()).toBe(true), { timeout: 10_000 });
    const x = jpeg();
    const px = await a.uploads.add(x, 'e-li', Date.now());
    const b = await member(cluster, 'gw-b', []);
    expect(await b.local.has(px)).toBe(false);
    expect(await b.uploads.read(px)).toEqual(x);
    expect(await b.local.has(px)).toBe(true);
    const taken = await b.uploads.take([px.id], 'report', 'e-li');
    expect(taken.ok).toBe(true);
  }, 60_000);
});
