import { z } from 'zod';

/**
 * Persisted state of one alarm (one per device and fault), kept in store.data.alarms. A value: a
 * change puts a new record in its place (AlarmTicketing), so the store finds what changed by
 * reference, as it does for tickets, at no cost per unchanged alarm.
 */
export interface AlarmRecord {
  readonly key: string;
  readonly deviceId: string;
  readonly fault: string;
  readonly state: 'active' | 'normal';
  /** Wall time of the last change of state (a stamp for people, never a duration). */
  readonly since: number;
  /** The ticket this alarm raised, while it may still take occurrences. */
  readonly ticketId: string | null;
  /** Wall times of recent activations (kept for the record; chattering is judged in elapsed time). */
  readonly activations: readonly number[];
  /** Activations that raised nothing because the alarm was shelved or held back. */
  readonly suppressed: number;
}

export const AlarmRecordSchema = z.object({
  key: z.string().min(1),
  deviceId: z.string().min(1),
  fault: z.string().min(1),
  state: z.enum(['active', 'normal']),
  since: z.number(),
  ticketId: z.string().nullable(),
  activations: z.array(z.number()),
  suppressed: z.number().int().min(0),
});

const _check = (p: z.output<typeof AlarmRecordSchema>): AlarmRecord => p;
void _check;

export const alarmKey = (deviceId: string, fault: string): string => `${deviceId}/${fault}`;

export function isAlarmRecord(v: unknown): v is AlarmRecord {
  return typeof v === 'object' && v !== null && typeof (v as AlarmRecord).key === 'string' && typeof (v as AlarmRecord).fault === 'string';
}
