import { readFileSync } from 'node:fs';

/**
 * Descriptors kept for the store's journal and snapshots, the adapters' own links (Modbus, OPC UA,
 * SNMP, BACnet), central sync, alert channels and the log, whatever clients on the LAN do: a ticket
 * must be written to disk even when every device and page is connected.
 */
export const RESERVED_FILES = 512;

/** Neither listener is ever capped below this, however low the limit: a gateway that starts must be reachable. */
const FLOOR = 16;

/**
 * How this process's open files are shared between its two listeners. HTTP clients (pages, pushing
 * devices) get what the site file allows, at most half of what the reserve leaves; the embedded
 * MQTT broker the rest, since every MQTT device holds one connection for good.
 */
export type FileBudget =
  | { readonly known: false }
  | { readonly known: true; readonly fileLimit: number; readonly httpConnections: number; readonly mqttConnections: number };

export function fileBudget(fileLimit: number | null, httpConfigured: number): FileBudget {
  if (fileLimit === null) return { known: false };
  const left = Math.max(0, fileLimit - RESERVED_FILES);
  const httpConnections = Math.min(httpConfigured, Math.max(FLOOR, Math.floor(left / 2)));
  return { known: true, fileLimit, httpConnections, mqttConnections: Math.max(FLOOR, left - httpConnections) };
}

/** The soft limit on open files of this process (Linux /proc/self/limits), or null where unknown. */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m?.[1] === undefined ? null : Number(m[1]);
  } catch {
    return null;
  }
}
