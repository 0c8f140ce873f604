import { createHash, randomUUID } from 'node:crypto';

/**
 * How a new ticket gets its id and number. A single gateway, and a pair with a quorum: a random id
 * and the next number of the site's day. One of a pair acting alone (no quorum, docs/high-availability.md)
 * must not give a number the other gives too, and should give the same fault the same id as the
 * other, so central holds one ticket for it and the pair merges the two when it meets again.
 */
export interface TicketIdentity {
  /** The id of a new ticket: a fault ticket's may be derived from the fault. */
  id(kind: 'fault' | 'incident', deviceId: string, fault: string): string;
  /** Null: numbers of the site's day (`0001`...). A place of the pair (1 or 2): numbers raised alone (`91001`, `92001`...). */
  numberPlace(): 1 | 2 | null;
}

export const randomIdentity: TicketIdentity = { id: () => randomUUID(), numberPlace: () => null };

/**
 * The identity of one of a pair acting alone since the leadership epoch `since` (the last one both
 * gateways knew): a fault ticket's id is a digest of the site, that epoch, the device, the fault and
 * how many times this gateway raised that fault while alone, shaped as a UUID. Both gateways,
 * seeing the same fault, give it the same id.
 */
export function aloneIdentity(siteId: string, since: number, place: 1 | 2): TicketIdentity {
  const raised = new Map<string, number>();
  return {
    id: (kind, deviceId, fault) => {
      if (kind !== 'fault') return randomUUID();
      const key = `${deviceId}/${fault}`;
      const n = (raised.get(key) ?? 0) + 1;
      raised.set(key, n);
      const h = createHash('sha256').update(`${siteId}|${since}|${deviceId}|${fault}|${n}`).digest('hex');
      // A version-8 (custom) UUID: the same shape as the random ids, so nothing downstream tells them apart.
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    numberPlace: () => place,
  };
}
