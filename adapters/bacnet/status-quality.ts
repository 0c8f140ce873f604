import type { Quality } from '../../core/reading.js';

/**
 * status-flags (ASHRAE 135, 12.x.11: BIT STRING in-alarm(0), fault(1), overridden(2),
 * out-of-service(3)) as a reading's quality. in-alarm is the process being abnormal, not the
 * value being doubtful, so it leaves the quality good; fault means the value is unreliable;
 * out-of-service means it is not being taken from the process (an operator may be writing it).
 */
export interface FlagQuality {
  readonly quality: Quality;
  readonly reason?: string;
}

const GOOD: FlagQuality = { quality: 'good' };

/** `bits` as the stack decodes a BIT STRING: bit i is (bytes[i >> 3] >> (i & 7)) & 1. */
export function flagsQuality(bits: readonly number[] | undefined): FlagQuality {
  if (bits === undefined) return GOOD;
  const bit = (i: number): boolean => (((bits[i >> 3] ?? 0) >> (i & 7)) & 1) === 1;
  if (bit(1)) return { quality: 'bad', reason: 'GW_BACNET_STATUS_FAULT: status-flags fault set by the device' };
  if (bit(3)) return { quality: 'uncertain', reason: 'GW_BACNET_OUT_OF_SERVICE: status-flags out-of-service set by the device' };
  return GOOD;
}
