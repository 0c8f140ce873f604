/**
 * Modbus RTU framing for the simulated slave (Modbus over Serial Line v1.02, section 2.5.1): an
 * RTU frame is the slave address (1 byte), the PDU, and a CRC-16 (2 bytes, low byte first). The
 * gateway side uses modbus-serial; this is written separately so a symmetric bug cannot hide.
 */

/** CRC-16/MODBUS: polynomial 0x8005 reflected (0xA001), initial value 0xFFFF (section 6.2.2). */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = (crc & 1) !== 0 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Address + PDU + CRC; the CRC goes low byte first, the one field Modbus sends little-endian. */
export function encodeRtuFrame(address: number, pdu: Uint8Array): Buffer {
  const frame = Buffer.alloc(pdu.length + 3);
  frame.writeUInt8(address, 0);
  frame.set(pdu, 1);
  frame.writeUInt16LE(crc16(frame.subarray(0, pdu.length + 1)), pdu.length + 1);
  return frame;
}

/** A frame is at least address, function code and CRC; its last two bytes are the CRC of the rest. */
export function crcValid(frame: Buffer): boolean {
  return frame.length >= 4 && frame.readUInt16LE(frame.length - 2) === crc16(frame.subarray(0, frame.length - 2));
}

/**
 * Length of the request at the start of `buf`, from its function code (section 6 of the
 * application protocol): 'more' while the bytes that tell are still to come, 'unknown' for a
 * function whose length only the silent interval can end.
 */
export function requestLength(buf: Buffer): number | 'more' | 'unknown' {
  if (buf.length < 2) return 'more';
  const fc = buf.readUInt8(1);
  // FC 0x01-0x04 reads, 0x05/0x06 single writes: address (2) + count or value (2) after the FC.
  if (fc >= 0x01 && fc <= 0x06) return 8;
  if (fc === 0x0f || fc === 0x10) {
    // Multiple writes: address (2), quantity (2), byte count (1), then that many bytes.
    if (buf.length < 7) return 'more';
    return 7 + buf.readUInt8(6) + 2;
  }
  return 'unknown';
}

/**
 * The 3.5-character silent interval that ends a frame (section 2.5.1.1): a character is 11 bits
 * (start, 8 data, parity or second stop, stop); above 19200 baud the spec fixes it at 1.75 ms.
 */
export function silentIntervalMs(baudRate: number): number {
  return baudRate > 19_200 ? 1.75 : (3.5 * 11 * 1000) / baudRate;
}
