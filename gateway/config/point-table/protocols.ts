/** The protocols a point table may name, as the site file's `source.protocol`. */
export const PROTOCOLS = ['mqtt', 'modbus', 'opcua', 'bacnet', 'http', 'snmp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export function isProtocol(v: unknown): v is Protocol {
  return (PROTOCOLS as readonly unknown[]).includes(v);
}
