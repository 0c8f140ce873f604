import type { UnitMemory } from './unit-memory.js';

/**
 * Serves one request PDU from a unit's memory (Modbus Application Protocol v1.1b3, section 6)
 * and returns the response PDU, or an exception PDU (function code | 0x80, exception code).
 */
export function exceptionPdu(fc: number, code: number): Buffer {
  return Buffer.from([(fc | 0x80) & 0xff, code]);
}

function readBits(mem: UnitMemory, fc: number, pdu: Buffer, table: 'coil' | 'discrete-input'): Buffer {
  const address = pdu.readUInt16BE(1);
  const count = pdu.readUInt16BE(3);
  if (count < 1 || count > 2000) return exceptionPdu(fc, 0x03); // illegal data value
  if (address + count > mem.size) return exceptionPdu(fc, 0x02); // illegal data address
  const bytes = Math.ceil(count / 8);
  const out = Buffer.alloc(2 + bytes);
  out.writeUInt8(fc, 0);
  out.writeUInt8(bytes, 1);
  for (let i = 0; i < count; i++) {
    if (mem.getBit(table, address + i)) out[2 + (i >> 3)] = (out[2 + (i >> 3)] ?? 0) | (1 << (i & 7));
  }
  return out;
}

function readWords(mem: UnitMemory, fc: number, pdu: Buffer, table: 'holding-register' | 'input-register'): Buffer {
  const address = pdu.readUInt16BE(1);
  const count = pdu.readUInt16BE(3);
  if (count < 1 || count > 125) return exceptionPdu(fc, 0x03);
  if (address + count > mem.size) return exceptionPdu(fc, 0x02);
  const out = Buffer.alloc(2 + count * 2);
  out.writeUInt8(fc, 0);
  out.writeUInt8(count * 2, 1);
  for (let i = 0; i < count; i++) out.writeUInt16BE(mem.getWord(table, address + i), 2 + i * 2);
  return out;
}

export function servePdu(mem: UnitMemory, pdu: Buffer): Buffer {
  const fc = pdu.readUInt8(0);
  if (pdu.length < 5) return exceptionPdu(fc, 0x03);
  const address = pdu.readUInt16BE(1);
  switch (fc) {
    case 0x01:
      return readBits(mem, fc, pdu, 'coil');
    case 0x02:
      return readBits(mem, fc, pdu, 'discrete-input');
    case 0x03:
      return readWords(mem, fc, pdu, 'holding-register');
    case 0x04:
      return readWords(mem, fc, pdu, 'input-register');
    case 0x05: {
      const raw = pdu.readUInt16BE(3);
      if (raw !== 0xff00 && raw !== 0x0000) return exceptionPdu(fc, 0x03); // ON is FF00, OFF is 0000
      if (address >= mem.size) return exceptionPdu(fc, 0x02);
      mem.setBits('coil', address, [raw === 0xff00]);
      mem.onWrite?.('coil', address);
      return Buffer.from(pdu.subarray(0, 5)); // the echo of the request
    }
    case 0x06:
      if (address >= mem.size) return exceptionPdu(fc, 0x02);
      mem.setWords('holding-register', address, [pdu.readUInt16BE(3)]);
      mem.onWrite?.('holding-register', address);
      return Buffer.from(pdu.subarray(0, 5));
    case 0x0f: {
      const count = pdu.readUInt16BE(3);
      if (address + count > mem.size) return exceptionPdu(fc, 0x02);
      const values = Array.from({ length: count }, (_, i) => ((pdu[6 + (i >> 3)] ?? 0) & (1 << (i & 7))) !== 0);
      mem.setBits('coil', address, values);
      for (let i = 0; i < count; i++) mem.onWrite?.('coil', address + i);
      return Buffer.from(pdu.subarray(0, 5));
    }
    case 0x10: {
      const count = pdu.readUInt16BE(3);
      if (address + count > mem.size) return exceptionPdu(fc, 0x02);
      const words = Array.from({ length: count }, (_, i) => pdu.readUInt16BE(6 + i * 2));
      mem.setWords('holding-register', address, words);
      for (let i = 0; i < count; i++) mem.onWrite?.('holding-register', address + i);
      return Buffer.from(pdu.subarray(0, 5));
    }
    default:
      return exceptionPdu(fc, 0x01); // illegal function
  }
}
