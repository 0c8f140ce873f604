import type { Location, Skill, Tier } from '../config/site-schema.js';

export type { Tier, Skill, Location };

/** Lifecycle (DESIGN "The ticket"): local steps first, then the steps the central service reports. */
export type TicketStatus =
  | 'raised'
  | 'acknowledged'
  | 'confirmed'
  | 'rejected'
  | 'dispatched'
  | 'in_progress'
  | 'resolved'
  | 'closed';

export const OPEN_STATUSES: ReadonlySet<TicketStatus> = new Set(['raised', 'acknowledged', 'confirmed', 'dispatched', 'in_progress']);

export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

export interface EvidenceSample {
  readonly ts: number;
  readonly value: number | boolean | string | null;
  readonly quality: 'good' | 'bad' | 'uncertain';
}

/** The recent readings of one point involved in the fault (so a burst pipe shows its pressure curve). */
export interface EvidenceSeries {
  readonly deviceId: string;
  readonly pointId: string;
  readonly unit?: string;
  readonly samples: readonly EvidenceSample[];
}

export interface Occurrence {
  readonly at: string;
  readonly clearedAt?: string;
}

export interface Deadlines {
  readonly acknowledgeBy: string;
  readonly dispatchBy: string;
  readonly onSiteBy: string | null;
  readonly resolveBy: string;
}

/** Who did it: the gateway itself, a staff member (user id), or the central service. */
export type Actor = 'gateway' | 'central' | `user:${string}`;

export interface HistoryEntry {
  readonly at: string;
  readonly actor: Actor;
  readonly action: string;
  readonly status?: TicketStatus;
  readonly note?: string;
}

/** `fault` tickets come from one alarm; `incident` tickets group several (flood, root cause, upstream). */
export type TicketKind = 'fault' | 'incident';

export interface Ticket {
  /** UUID, the idempotency key with `version`. */
  readonly id: string;
  /** `{siteCode}-{YYYYMMDD}-{seq}`, unique per site across restarts. */
  readonly number: string;
  readonly siteId: string;
  /** Bumped on every change; the central service upserts by (id, version). */
  readonly version: number;
  readonly kind: TicketKind;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly tier: Tier;
  readonly fault: string;
  readonly deviceId: string;
  readonly deviceName: string;
  readonly location: Location;
  readonly skill: Skill;
  readonly publicArea: boolean;
  readonly title: Bilingual;
  readonly description: Bilingual;
  readonly evidence: readonly EvidenceSeries[];
  readonly occurrences: readonly Occurrence[];
  readonly source: 'sensor';
  readonly status: TicketStatus;
  /** Whether the condition that raised it is still present. */
  readonly condition: 'active' | 'normal';
  readonly chattering: boolean;
  readonly deadlines: Deadlines;
  /** Incident this ticket is grouped under, and for incidents the tickets they group. */
  readonly parentId: string | null;
  readonly childIds: readonly string[];
  /**
   * The earlier ticket of the same device and fault, when this one was raised because the fault
   * came back after that ticket was closed or rejected (DESIGN "The ticket": `repeatOf`).
   */
  readonly repeatOf: string | null;
  readonly assignee: string | null;
  readonly history: readonly HistoryEntry[];
}

export function isOpen(t: Pick<Ticket, 'status'>): boolean {
  return OPEN_STATUSES.has(t.status);
}
