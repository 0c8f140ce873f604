import { Etcd3 } from 'etcd3';

/** What etcd answered to one renewal: the lease's time left, 0 when it has expired. */
export interface Renewed {
  readonly ttlSeconds: number;
}

/**
 * Renews one lease at every etcd member at once, and takes the first answer.
 *
 * One client over all members picks a member at random for each call, and a call that reaches a
 * member cut from etcd's leader hangs until its deadline. When the link between the two gateways'
 * machines is cut, two of the three members can be that for one gateway (the other's member, and
 * its own while etcd's leader is on the other side), so two renewals in three fail and a few in a
 * row let a healthy lease lapse: a failover nobody needed. Sent to every member, a renewal holds
 * as long as any member still reaches a quorum. A keepalive is idempotent, so the answers that
 * come after the first change nothing.
 */
export class LeaseRenewal {
  readonly #members: readonly Etcd3[];

  constructor(hosts: readonly string[], dialTimeoutMs: number) {
    this.#members = hosts.map((h) => new Etcd3({ hosts: h, dialTimeout: dialTimeoutMs }));
  }

  /** Rejects only when no member answered within `ms` (each member's call ends at that deadline). */
  renew(leaseId: string, ms: number): Promise<Renewed> {
    const deadline = Date.now() + ms;
    return Promise.any(this.#members.map((m) => renewAt(m, leaseId, deadline)));
  }

  close(): void {
    for (const m of this.#members) m.close();
  }
}

async function renewAt(member: Etcd3, leaseId: string, deadline: number): Promise<Renewed> {
  // The gRPC deadline is an absolute instant the library turns into a timer once, at the call:
  // it bounds the stream even if the member never answers.
  const stream = await member.leaseClient.leaseKeepAlive({ deadline });
  return new Promise<Renewed>((resolve, reject) => {
    stream.on('data', (res: { TTL?: string | number }) => {
      // Half-closing first keeps the stream's end from counting against a member that answered.
      stream.end();
      resolve({ ttlSeconds: Number(res.TTL ?? 0) });
    });
    stream.on('error', (err: Error) => reject(err));
    stream.write({ ID: leaseId });
  });
}
