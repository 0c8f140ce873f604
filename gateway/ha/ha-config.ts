import { z } from 'zod';
import { Identifier } from '../../core/schema-parts.js';

/**
 * Two gateways on one site (docs/high-availability.md): absent, the gateway runs alone and needs no
 * etcd. Both gateways of a pair have the same site file but for `ha.gatewayId`, `http` and `dataDir`
 * (each machine its own), and list the same three etcd members: theirs and the witness's.
 */
export const HaConfig = z.strictObject({
  /** This gateway of the pair: how logs, /readyz, central and the other gateway name it. */
  gatewayId: Identifier,
  /**
   * This gateway's place in the pair, 1 or 2 (the other has the other): numbers of tickets raised
   * while acting alone carry it (`…-91001`, `…-92001`), so the two never give the same number.
   */
  place: z.union([z.literal(1), z.literal(2)]),
  /** Client URLs of the three etcd members (the two gateways' and the witness's), e.g. "http://192.168.10.21:2379". */
  etcd: z.array(z.string().url()).min(1),
  /** Key prefix of this site in etcd (a witness may serve several sites). */
  prefix: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'expected a key prefix such as "/gateway"').default('/gateway'),
  /**
   * Seconds the active's lease lives without a renewal: the longest a dead active blocks the
   * standby, and so most of the failover time. Renewed four times within it. etcd refuses a TTL
   * under one and a half election timeouts (1.5 s with the settings the docs give). A false
   * failover (the active's event loop stood still this long) costs a switch and alerts marked
   * re-sent, nothing lost: raise it on a slow board, and the failover time grows with it.
   */
  leaseSeconds: z.number().int().min(2).max(30).default(2),
  /**
   * Seconds without a quorum (etcd unreachable or split) after which each gateway acts alone:
   * raises, alerts and syncs on its own, says so, and merges duplicates when the pair meets again.
   */
  aloneAfterSeconds: z.number().min(2).max(300).default(10),
  /**
   * Changes the pair keeps in etcd behind the newest: a standby away for fewer catches up from
   * etcd; one away for more copies the active's store over the site network first.
   */
  keptChanges: z.number().int().min(100).max(100_000).default(10_000),
  /** The address the other gateway reaches this one's pages at (the standby forwards staff writes here). Default http://<http.host or 127.0.0.1>:<http.port>. */
  peerUrl: z.string().url().optional(),
});
export type HaConfig = z.infer<typeof HaConfig>;
