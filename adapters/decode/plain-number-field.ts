/**
 * The payload nearly every MQTT point sends, `{"value":221.3}` exactly, read straight from its
 * bytes: making the text and running JSON.parse on it was most of what a reading cost to decode.
 *
 * Only the plainest form is read here: one key, no spaces, a number with at most 15 digits and no
 * exponent. Anything else (another key, a space, `1e3`, a string, a 16th digit) is `undefined` and
 * goes to JSON.parse, so what a payload decodes to never depends on which path read it:
 * a mantissa under 10^15 and a power of ten up to 10^15 are both exact doubles, and IEEE division
 * rounds correctly, so `mantissa / 10^k` is the double nearest the decimal, as JSON.parse gives.
 */

const CLOSE = 0x7d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const MAX_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: MAX_DIGITS + 1 }, (_, k) => 10 ** k);

/** A reader for `{"<key>":<number>}`; null when the key itself would need escaping in JSON (then JSON.parse reads every payload). */
export function plainNumberField(key: string): ((payload: Buffer) => number | undefined) | null {
  if (!/^[\x20-\x7e]*$/.test(key) || key.includes('"') || key.includes('\\')) return null;
  const prefix = Buffer.from(`{"${key}":`, 'latin1');
  const start = prefix.length;
  return (payload) => {
    const end = payload.length - 1;
    if (end <= start || payload[end] !== CLOSE) return undefined;
    for (let i = 0; i < start; i++) if (payload[i] !== prefix[i]) return undefined;
    return plainNumber(payload, start, end);
  };
}

/** `-?(0|[1-9][0-9]*)(\.[0-9]+)?` in bytes [from, to), at most 15 digits; undefined for anything else. */
function plainNumber(bytes: Buffer, from: number, to: number): number | undefined {
  let i = from;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  const intStart = i;
  let mantissa = 0;
  while (i < to && isDigit(bytes[i])) mantissa = mantissa * 10 + ((bytes[i++] as number) - ZERO);
  const intDigits = i - intStart;
  // JSON allows no empty integer part and no leading zero (`01`).
  if (intDigits === 0 || (intDigits > 1 && bytes[intStart] === ZERO)) return undefined;
  let digits = intDigits;
  let fraction = 0;
  if (i < to && bytes[i] === DOT) {
    i++;
    const fracStart = i;
    while (i < to && isDigit(bytes[i])) mantissa = mantissa * 10 + ((bytes[i++] as number) - ZERO);
    fraction = i - fracStart;
    if (fraction === 0) return undefined;
    digits += fraction;
  }
  if (i !== to || digits > MAX_DIGITS) return undefined;
  const value = mantissa / (POWERS_OF_TEN[fraction] as number);
  return negative ? -value : value;
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= ZERO && b <= NINE;
}
