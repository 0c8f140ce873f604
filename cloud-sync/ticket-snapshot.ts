import type { Tier } from '../core/vocabulary.js';

/**
 * A ticket as the central contract carries it (cloud-sync/openapi.json, TicketSnapshot): the fields
 * sync itself reads. The gateway's tickets are sent whole, so every field the contract names
 * travels; these are the ones that decide how and in what order.
 */
export interface TicketSnapshot {
  readonly id: string;
  /** Rises with every change: the central service keeps the newest and answers duplicate to an older one. */
  readonly version: number;
  /** The site's ticket number, for people reading logs. */
  readonly number: string;
  readonly tier: Tier;
  readonly attachments: readonly AttachmentRef[];
}

/** A photo a snapshot names: uploaded before the snapshot, since the contract's snapshot names only photos central has. */
export interface AttachmentRef {
  readonly id: string;
  readonly contentType: 'image/jpeg' | 'image/png' | 'image/webp';
  readonly sha256: string;
}
