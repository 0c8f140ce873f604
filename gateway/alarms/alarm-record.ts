/** Persisted state of one alarm (one per device and fault), kept in store.data.alarms. */
export interface AlarmRecord {
  readonly key: string;
  readonly deviceId: string;
  readonly fault: string;
  state: 'active' | 'normal';
  since: number;
  /** The ticket this alarm raised, while it may still take occurrences. */
  ticketId: string | null;
  /** Recent activation times, for ISA-18.2 chattering. */
  activations: number[];
  /** Activations that raised nothing because the alarm was shelved or held back. */
  suppressed: number;
}

export const alarmKey = (deviceId: string, fault: string): string => `${deviceId}/${fault}`;

export function isAlarmRecord(v: unknown): v is AlarmRecord {
  return typeof v === 'object' && v !== null && typeof (v as AlarmRecord).key === 'string' && typeof (v as AlarmRecord).fault === 'string';
}
