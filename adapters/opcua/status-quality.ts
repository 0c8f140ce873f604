import type { Quality } from '../../core/reading.js';

/**
 * OPC UA StatusCode severity is the top two bits (Part 4, 7.39): 00 Good, 01 Uncertain, 10/11 Bad.
 */
export function qualityOf(statusValue: number): Quality {
  const severity = (statusValue >>> 30) & 0b11;
  if (severity === 0) return 'good';
  if (severity === 1) return 'uncertain';
  return 'bad';
}
