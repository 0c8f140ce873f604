import { routeSdkLogs } from '../adapters/opcua/sdk-log.js';
import type { Logger } from '../core/log.js';

/**
 * Loads the OPC UA server SDK the simulators use and sends its console warnings to `log` (the
 * operator's CLIs print their own lines; the SDK's plain-text, UTC-stamped ones would mix in).
 * Called before anything starts an OPC UA server.
 */
export async function quietOpcuaSdk(log: Logger): Promise<void> {
  routeSdkLogs(await import('node-opcua'), log);
}
