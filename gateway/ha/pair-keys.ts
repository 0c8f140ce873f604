/** The keys one site's pair keeps in etcd, under `{prefix}/{siteId}/`. */
export interface PairKeys {
  /** Held by the active with its lease; its create revision is the fencing epoch. */
  readonly leader: string;
  /** One key per durable change: `log/{seq}` (zero-padded, so keys sort as numbers). */
  readonly logPrefix: string;
  logKey(seq: number): string;
  seqOf(key: string): number;
  /** Tickets each gateway raised or changed while acting alone: `alone/{gatewayId}/{ticketId}`, merged by the leader. */
  readonly alonePrefix: string;
  /** Photos staff took, one key each: `photos/{id}.{jpg|png|webp}` (gateway/ha/photo-mirror.ts). */
  readonly photoPrefix: string;
  /** The secret the two gateways show each other to copy the active's store (gateway/ha/store-copy.ts). */
  readonly peerSecret: string;
  /** An operator's command to the active (`npm run ha -- switchover`). */
  readonly command: string;
  /** Each gateway's own line while it runs: role, version, store format (what `npm run ha -- status` shows). */
  member(gatewayId: string): string;
  readonly memberPrefix: string;
}

const SEQ_DIGITS = 14;

export function pairKeys(prefix: string, siteId: string): PairKeys {
  const base = `${prefix.replace(/\/+$/, '')}/${siteId}`;
  const logPrefix = `${base}/log/`;
  return {
    leader: `${base}/leader`,
    logPrefix,
    logKey: (seq) => `${logPrefix}${String(seq).padStart(SEQ_DIGITS, '0')}`,
    seqOf: (key) => Number(key.slice(logPrefix.length)),
    command: `${base}/command`,
    alonePrefix: `${base}/alone/`,
    photoPrefix: `${base}/photos/`,
    peerSecret: `${base}/peer-secret`,
    member: (id) => `${base}/members/${id}`,
    memberPrefix: `${base}/members/`,
  };
}

/** What the leader key holds: who is active, where its pages are, what store format it writes. */
export interface LeaderInfo {
  readonly gatewayId: string;
  readonly url: string;
  readonly version: string;
  readonly storeFormat: number;
}

export function readLeaderInfo(text: string | null): LeaderInfo | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as Partial<LeaderInfo>;
    if (typeof v.gatewayId !== 'string' || typeof v.url !== 'string') return null;
    return { gatewayId: v.gatewayId, url: v.url, version: typeof v.version === 'string' ? v.version : 'unknown', storeFormat: typeof v.storeFormat === 'number' ? v.storeFormat : 0 };
  } catch {
    return null;
  }
}
