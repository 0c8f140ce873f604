/**
 * Modbus exception codes (Modbus Application Protocol v1.1b3, section 7). A device answers a
 * request it cannot serve with the function code + 0x80 and one of these.
 */
export const MODBUS_EXCEPTIONS: Readonly<Record<number, string>> = {
  0x01: 'illegal function', // the device does not support this function code
  0x02: 'illegal data address', // the address (or address + count) is outside the device map
  0x03: 'illegal data value', // a value in the request is not allowed (e.g. count 0 or > 125)
  0x04: 'server device failure', // an unrecoverable error while serving the request
  0x05: 'acknowledge', // accepted, long-running; poll again later
  0x06: 'server device busy', // busy with a long command; retry later
  0x08: 'memory parity error', // file record read found corrupt memory
  0x0a: 'gateway path unavailable', // the gateway has no path to that unit id (misconfigured)
  0x0b: 'gateway target failed to respond', // the gateway got no answer from the unit behind it
};

/** `0x0B gateway target failed to respond`: the text a site engineer reads in the status. */
export function describeException(code: number): string {
  const hex = `0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
  return `${hex} ${MODBUS_EXCEPTIONS[code] ?? 'unknown exception'}`;
}
