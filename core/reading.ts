/** The only thing adapters hand to the rest of the gateway: one normalized sample of one point. */
export type Quality = 'good' | 'bad' | 'uncertain';

export type ReadingValue = number | boolean | string | null;

/** A sampled value of a point (a pressure, a door contact). */
export interface SampleReading {
  readonly deviceId: string;
  readonly pointId: string;
  /** null when quality is `bad` and there is no value to report. */
  readonly value: ReadingValue;
  readonly quality: Quality;
  /** Epoch milliseconds: the device's own timestamp when it sent one, else the time of receipt. */
  readonly ts: number;
  /** Why quality is not good (`GW_MODBUS_TIMEOUT`, an OPC UA status code name...). */
  readonly reason?: string;
  readonly event?: undefined;
  /**
   * More readings of the same answer follow at once (a poll's reply, a trap's varbinds): detection
   * judges the device once the last of them is in, so a fault that fires is told with the values
   * that answer carried, not some from the answer before.
   */
  readonly more?: true;
}

/**
 * Something that happened, told by the device (a fire panel's "火警 3 区", a vendor cloud's
 * "elevator trapped"): always a good reading whose value is the event code, with the device's own
 * words. Which fault a code raises or clears is the site file's (a point of kind `event`), not the adapter's.
 */
export interface EventReading {
  readonly deviceId: string;
  readonly pointId: string;
  /** The event code as the device sent it (`FIRE`, `TRAPPED`). */
  readonly value: string;
  readonly quality: 'good';
  readonly ts: number;
  readonly reason?: undefined;
  readonly event: { readonly text: string };
  /** An event is judged on its own, never held for an answer's other readings. */
  readonly more?: undefined;
}

export type Reading = SampleReading | EventReading;
