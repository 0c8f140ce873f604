/** The only thing adapters hand to the rest of the gateway: one normalized sample of one point. */
export type Quality = 'good' | 'bad' | 'uncertain';

export type ReadingValue = number | boolean | string | null;

export interface Reading {
  readonly deviceId: string;
  readonly pointId: string;
  /** null when quality is `bad` and there is no value to report. */
  readonly value: ReadingValue;
  readonly quality: Quality;
  /** Epoch milliseconds: the device's own timestamp when it sent one, else the time of receipt. */
  readonly ts: number;
  /** Why quality is not good (`GW_MODBUS_TIMEOUT`, an OPC UA status code name...). */
  readonly reason?: string;
}
