import { OPEN_STATUSES as SHARED_OPEN_STATUSES } from '../../core/shared-words.js';
import type { Bilingual, Location, Satisfaction, Skill, Tier, TicketStatus } from '../../core/vocabulary.js';

export type { Tier, Skill, Location };

/**
 * The work on a ticket (DESIGN "The ticket"): the engineers' steps (taken = `acknowledged`,
 * `arrived`, `resolved`) and the central service's (`dispatched`, `in_progress`, `closed`), with
 * `on_hold` when the central service puts the work on hold (waiting for parts, for the owner),
 * `reopened` when a re-check after repair fails or the central service reopens it, and `rejected`
 * when a patrol found a false alarm (that ends it). What a patrol found on site is a separate fact:
 * `verification`. Who owns which status is written in docs/central-contract.md.
 */


/** Still to be worked on. A resolved ticket is done by the engineers (a public-area one waits for its re-check). */
export const OPEN_STATUSES: ReadonlySet<TicketStatus> = new Set(SHARED_OPEN_STATUSES);

export interface EvidenceSample {
  readonly ts: number;
  readonly value: number | boolean | string | null;
  readonly quality: 'good' | 'bad' | 'uncertain';
}

/** The recent readings of one point involved in the fault (so a burst pipe shows its pressure curve). */
export interface EvidenceSeries {
  readonly deviceId: string;
  readonly pointId: string;
  /** What staff call the point (the site file's name, else the built-in words for its id). */
  readonly name?: Bilingual;
  /** Words for a true / false reading of a boolean point (wet / dry, running / stopped). */
  readonly states?: { readonly on: Bilingual; readonly off: Bilingual };
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

export type DeadlineStep = keyof Deadlines;

/**
 * What an escalation was about: a deadline that passed without its step; `grab`, an order nobody
 * took within the grab rule's minutes (the supervisor assigns it); `stalled`, a taken repair not
 * moved on for hours (the team leader is chased).
 */
export type EscalationStage = DeadlineStep | 'grab' | 'stalled';

/** Who an escalation reached, above the team. */
export type EscalationLevel = 'leader' | 'supervisor' | 'manager';

/** Who did it: the gateway itself, a staff member (user id), or the central service. */
export type Actor = 'gateway' | 'central' | `user:${string}`;

export interface HistoryEntry {
  readonly at: string;
  readonly actor: Actor;
  readonly action: string;
  readonly status?: TicketStatus;
  readonly note?: string;
  /** An escalation: the deadline that passed (or the grab rule, a stalled repair), and the level it went to. */
  readonly step?: EscalationStage;
  readonly level?: EscalationLevel;
  /** Photos taken with this step (attachment ids). */
  readonly photos?: readonly string[];
  /** The central service's id of the update this entry applied: a replay of it is known and dropped. */
  readonly updateId?: string;
}

/** `fault` tickets come from one alarm; `incident` tickets group several (flood, root cause, upstream). */
export type TicketKind = 'fault' | 'incident';

/** On-site verification by a patrol (现场核实): a fact beside the engineers' work, never a step of it. */
export interface Verification {
  readonly state: 'pending' | 'confirmed' | 'rejected';
  /** User id of the patrol, and when (ISO). */
  readonly by: string | null;
  readonly at: string | null;
  readonly note: string | null;
}

/** A photo kept on the gateway's disk (`{dataDir}/attachments`) and synced to the central service. */
export interface Attachment {
  readonly id: string;
  readonly contentType: 'image/jpeg' | 'image/png' | 'image/webp';
  readonly bytes: number;
  readonly sha256: string;
  /** Why it was taken: reporting a patrol-found fault, proof of a repair, a re-check. */
  readonly purpose: 'report' | 'resolve' | 'recheck';
  readonly at: string;
  readonly by: string;
}

/** Materials used on a repair, as the engineer records them (001, 004: 材料). */
export interface Material {
  readonly name: string;
  readonly quantity: number;
  readonly unit?: string;
}

/** What the engineer says of a repair when resolving it (001, 004: the cause, what was done, materials, who worked on it). */
export interface Resolution {
  readonly cause: string | null;
  readonly action: string | null;
  readonly materials: readonly Material[];
  readonly workers: readonly string[];
  /** Fixed without coming on site (by phone, remotely, the owner did it), with the reason: counted apart in the KPIs. */
  readonly offSite: { readonly reason: string } | null;
}

/** How hard the repair turned out, judged on site (004: 简单 / 一般 / 复杂). */
export type Complexity = 'simple' | 'general' | 'complex';

/** The re-check (复查) a resolved public-area repair waits for. */
export interface Recheck {
  readonly state: 'none' | 'due' | 'passed' | 'failed';
  /** When it should be done by (ISO), while due. */
  readonly dueBy: string | null;
}


/**
 * One call to the owner after an in-unit repair (回访): not reached (a try; the callback stays due),
 * or reached, with the owner's satisfaction (null when they would not say), their words, and whether
 * the fault is fixed (an owner who says it is not gets the repair again).
 */
export type CallbackCall =
  | { readonly at: string; readonly by: Actor; readonly reached: false; readonly words: string | null }
  | { readonly at: string; readonly by: Actor; readonly reached: true; readonly satisfaction: Satisfaction | null; readonly words: string | null; readonly fixed: boolean };

/**
 * The callback an in-unit repair is due once repaired (the standard operating procedures: the same or
 * the next day, within 24 h; callback rate 100 %): due until a call reaches the owner, then done.
 */
export interface Callback {
  readonly state: 'due' | 'done';
  /** 24 h (`repairs.callbackWithinHours`) after the repair (ISO). */
  readonly dueBy: string;
  /** The calls made for this repair, in order; the last one reached the owner when done. */
  readonly calls: readonly CallbackCall[];
  /** Its due time passed without a call that reached the owner, and the desk was told (once). */
  readonly overdueTold: boolean;
}

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
  /** Raised by a sensor, or found by a patrol (巡检发现, with its reporter and photos). */
  readonly source: 'sensor' | 'patrol';
  /** The patrol who reported it, and the phone's own id for the report (a report sent again after a lost reply finds this ticket). */
  readonly reporter: { readonly id: string; readonly name: string; readonly ref?: string; readonly role?: string } | null;
  readonly status: TicketStatus;
  readonly verification: Verification;
  /** Whether the condition that raised it is still present. */
  readonly condition: 'active' | 'normal';
  readonly chattering: boolean;
  readonly deadlines: Deadlines;
  /** Incident this ticket is grouped under, and for incidents the tickets they group. */
  readonly parentId: string | null;
  readonly childIds: readonly string[];
  /**
   * The earlier ticket of the same device and fault this one follows: the fault came back after
   * that ticket was closed or rejected (DESIGN "The ticket": `repeatOf`).
   */
  readonly repeatOf: string | null;
  /** A repeat repair (返修): the earlier ticket was repaired (resolved or closed) within the site's window. */
  readonly rework: boolean;
  readonly assignee: string | null;
  /** The staff user the repair is assigned to or taken by (assignee is their name). */
  readonly assigneeId?: string;
  /** Judged on site (004), when someone said. */
  readonly complexity?: Complexity;
  /** Said when it was resolved on the gateway. */
  readonly resolution?: Resolution;
  /**
   * Storm mode holds this general or low ticket (工单插队、资源倾斜): its deadlines are paused since
   * then and its escalation held; the end of the storm moves its deadlines by the time paused.
   */
  readonly paused?: { readonly since: string; readonly reason: string };
  /** Milliseconds its deadlines were paused in all (storms), for the KPIs that leave paused time out. */
  readonly pausedMs?: number;
  /** The central work-order system's own number for this ticket, once it has said it (shown beside `number`). */
  readonly centralNumber?: string;
  readonly attachments: readonly Attachment[];
  readonly recheck: Recheck;
  /** An in-unit repair's callback to the owner (回访), from when it was repaired. */
  readonly callback?: Callback;
  readonly history: readonly HistoryEntry[];
}

/**
 * The two ways a ticket is over, said once. Open: still to be worked on (a resolved one is done by
 * the engineers, even while a public-area one waits for its re-check or an in-unit one for its
 * callback). Final: closed or rejected, nothing more can happen to it; a resolved ticket is not
 * final (a failed re-check or central reopens it).
 */
export function isOpen(t: Pick<Ticket, 'status'>): boolean {
  return OPEN_STATUSES.has(t.status);
}

export function isFinal(t: Pick<Ticket, 'status'>): boolean {
  return t.status === 'closed' || t.status === 'rejected';
}

/** A ticket being changed inside one mutation (its fields writable until the mutation returns). */
export type Draft = { -readonly [K in keyof Ticket]: Ticket[K] };
