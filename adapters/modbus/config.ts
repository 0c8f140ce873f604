import { z } from 'zod';
import { Identifier, ValueRange, PointName } from '../../core/schema-parts.js';

export const ModbusTransport = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('tcp'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(502),
  }),
  z.strictObject({
    type: z.literal('rtu'),
    path: z.string().min(1),
    baudRate: z.number().int().positive().default(9600),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  }),
]);

export const ModbusPoint = z.strictObject({
  id: Identifier,
  name: PointName.optional(),
  table: z.enum(['coil', 'discrete-input', 'holding-register', 'input-register']),
  /** Zero-based protocol address (register 40001 is holding-register address 0). */
  address: z.number().int().min(0).max(65535),
  type: z.enum(['bool', 'int16', 'uint16', 'int32', 'uint32', 'float32']).default('uint16'),
  /** Order of the two 16-bit words of a 32-bit value. */
  wordOrder: z.enum(['big', 'little']).default('big'),
  /** Order of the two bytes inside each 16-bit word. */
  byteOrder: z.enum(['big', 'little']).default('big'),
  scale: z.number().default(1),
  offset: z.number().default(0),
  /** Take one bit (0 = least significant) of a register as a boolean. */
  bit: z.number().int().min(0).max(15).optional(),
  unit: z.string().optional(),
  range: ValueRange.optional(),
}).superRefine((p, ctx) => {
  const registerTable = p.table === 'holding-register' || p.table === 'input-register';
  if (p.bit !== undefined && (!registerTable || !['bool', 'int16', 'uint16'].includes(p.type))) {
    ctx.addIssue({ code: 'custom', path: ['bit'], message: 'bit applies to one 16-bit holding or input register only' });
  }
  const wide = registerTable && ['int32', 'uint32', 'float32'].includes(p.type);
  if (wide && p.address > 65534) {
    ctx.addIssue({ code: 'custom', path: ['address'], message: 'a 32-bit value needs two registers: address at most 65534' });
  }
});
export type ModbusPoint = z.infer<typeof ModbusPoint>;

export const ModbusSource = z.strictObject({
  protocol: z.literal('modbus'),
  transport: ModbusTransport,
  unitId: z.number().int().min(0).max(255).default(1),
  pollMs: z.number().int().min(50).default(1000),
  timeoutMs: z.number().int().min(10).default(1000),
  retries: z.number().int().min(0).max(5).default(1),
  points: z.array(ModbusPoint).min(1),
});
export type ModbusSource = z.infer<typeof ModbusSource>;

/** How long the device may stay silent before it is offline: three poll periods (one slow answer is not an outage). */
export function silenceWindowMs(s: ModbusSource): number {
  return 3 * s.pollMs;
}
