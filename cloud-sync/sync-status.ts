/** What health, metrics and the operator page show about uploads to the central service. */
export type SyncState =
  | 'not-configured'
  | 'idle'
  | 'sending'
  | 'backoff'
  | 'unauthorized'
  | 'stopped';

export interface SyncStatus {
  readonly state: SyncState;
  readonly backlog: number;
  readonly backlogBytes: number;
  readonly quotaBytes: number | null;
  /** True at or above 80 % of the outbox quota: health red and an alert. */
  readonly nearQuota: boolean;
  /** Age of the oldest unsent change (ms), null when the outbox is empty. */
  readonly oldestAgeMs: number | null;
  readonly lastSuccessAt: number | null;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
  readonly deadLetters: number;
  readonly uploaded: number;
}
