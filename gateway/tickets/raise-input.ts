import type { Device } from '../config/site-schema.js';
import type { Bilingual, Skill, Tier } from '../../core/vocabulary.js';
import type { Attachment, EvidenceSeries, Ticket, TicketKind } from './ticket.js';

/** What raising a ticket takes: what the fault is, where, how urgent, and what it joins. */
export interface RaiseInput {
  readonly kind?: TicketKind;
  readonly fault: string;
  readonly device: Pick<Device, 'id' | 'name' | 'location'>;
  readonly tier: Tier;
  readonly skill: Skill;
  readonly title: Bilingual;
  readonly description: Bilingual;
  readonly evidence?: readonly EvidenceSeries[];
  readonly parentId?: string | null;
  /** The earlier ticket of the same device and fault this one repeats (the fault came back after it closed). */
  readonly repeatOf?: string | null;
  /** Found by a patrol (巡检发现): who, and the photos taken (already on disk). Default: raised by a sensor. */
  readonly reporter?: { readonly id: string; readonly name: string; readonly ref?: string; readonly role?: string };
  readonly attachments?: readonly Attachment[];
  /** Public area or inside a unit; default the device's location says. */
  readonly publicArea?: boolean;
  /** When the condition began (default now). */
  readonly at?: number;
  /** Elapsed (monotonic) time the condition was decided, for the decided-to-durable latency. */
  readonly decidedAt?: number;
  /**
   * Runs after the ticket is in the store's memory and before the durable write, so state that
   * points at the ticket (the alarm's ticket id) is written in the same write.
   */
  readonly alongside?: (ticket: Ticket) => void;
}
