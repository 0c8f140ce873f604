import { Etcd3 } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseRenewal } from '../../gateway/ha/lease-renewal.js';
import { EtcdCluster } from '../../simulators/etcd/etcd-cluster.js';

let cluster: EtcdCluster | null = null;
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await cluster?.stop();
  cluster = null;
});

/** Which member is etcd's raft leader now (each member's status names it). */
async function raftLeader(c: EtcdCluster): Promise<number> {
  for (let i = 0; i < c.size; i += 1) {
    const one = new Etcd3({ hosts: c.endpoint(i) });
    try {
      const s = await one.maintenance.status();
      if (s.leader === s.header?.member_id) return i;
    } finally {
      one.close();
    }
  }
  throw new Error('no member says it leads');
}

describe('renewing the leadership lease', () => {
  it('holds while one member hangs (SIGSTOP): every renewal is answered by the others, none waits for the hung one', async () => {
    cluster = await EtcdCluster.start(3);
    const leader = await raftLeader(cluster);
    const hung = (leader + 1) % cluster.size;
    const granter = new Etcd3({ hosts: cluster.endpoint(leader) });
    closers.push(() => granter.close());
    const lease = granter.lease(2, { autoKeepAlive: false });
    const id = await lease.grant();
    const renewal = new LeaseRenewal(cluster.endpoints, 1_500);
    closers.push(() => renewal.close());
    expect((await renewal.renew(id, 1_000)).ttlSeconds).toBeGreaterThan(0);

    // The member hangs: a call sent to it is accepted by the kernel and never answered.
    cluster.pause(hung);
    const answers: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      answers.push((await renewal.renew(id, 1_000)).ttlSeconds);
      await new Promise((r) => setTimeout(r, 250));
    }
    // A lease of 2 s renewed 12 times over 3 s or more: it holds only if each renewal was answered.
    expect(answers.every((ttl) => ttl > 0), answers.join(',')).toBe(true);
    cluster.resume(hung);
  }, 60_000);

  it('says the lease has expired (ttl 0) once etcd let it go, and fails only when no member answers', async () => {
    cluster = await EtcdCluster.start(3);
    const client = new Etcd3({ hosts: cluster.endpoints });
    closers.push(() => client.close());
    const lease = client.lease(1, { autoKeepAlive: false });
    const id = await lease.grant();
    await lease.revoke();
    const renewal = new LeaseRenewal(cluster.endpoints, 1_500);
    closers.push(() => renewal.close());
    expect((await renewal.renew(id, 1_000)).ttlSeconds).toBe(0);
    for (let i = 0; i < cluster.size; i += 1) cluster.pause(i);
    await expect(renewal.renew(id, 500)).rejects.toBeInstanceOf(AggregateError);
    for (let i = 0; i < cluster.size; i += 1) cluster.resume(i);
  }, 60_000);
});
