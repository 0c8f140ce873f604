/**
 * Phase of device i of n: spread evenly over its own poll period so 200 devices polled every
 * second do not all fire in the same millisecond (Modbus, SNMP and BACnet pollers).
 */
export function staggerPhase(index: number, count: number, pollMs: number): number {
  return count <= 1 ? 0 : Math.floor((pollMs * index) / count);
}
