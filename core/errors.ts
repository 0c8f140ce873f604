/**
 * The catalogue of coded errors. Every code has a message a site engineer understands; the
 * README's error table is checked against this list by test/unit/errors.test.ts.
 */
export const ERROR_CATALOGUE = {
  GW_CONFIG_INVALID: 'The site file does not match the schema; each problem names its path.',
  GW_CONFIG_UNREADABLE: 'The site file could not be read or is not JSON.',
  GW_CONFIG_SECRET_MISSING: 'An environment variable the site file names for a secret is not set.',
  GW_STORE_CORRUPT: 'A store file or journal line could not be read or had the wrong shape; it was set aside and the gateway started from the last good generation.',
  GW_STORE_TOO_NEW: 'The store was written by a newer gateway (a higher schema version); it is not read or changed and the gateway does not start. Run the newer version, or restore a backup taken before the upgrade.',
  GW_STORE_WRITE_FAILED: 'The store could not be written (disk full or read-only); changes are kept in memory and retried.',
  GW_DATA_DIR_UNWRITABLE: 'The data folder cannot be written at start; the gateway does not start until it can.',
  GW_EVENT_LOOP_STALLED: 'The event loop stood still longer than watchdog.stallAfterMs; the process was killed (SIGKILL, exit status 137) so its supervisor restarts it.',
  GW_BACKUP_FAILED: 'A backup of the data folder could not be written (not a data folder, the destination exists, or the store kept changing); nothing was changed.',
  GW_BACKUP_INVALID: 'A backup to restore has no manifest or a file that differs from it; nothing was restored.',
  GW_RESTORE_LIVE: 'A restore was refused because a gateway is running on the data folder; stop it first.',
  GW_PORT_IN_USE: 'A port the site file names (http.port, broker.port) is held by another program at start; the gateway stops and names the port and the setting.',
  GW_HA_FENCED: 'This gateway of a pair lost its leadership (its lease ran out, etcd refused its epoch, or it resigned): it writes, alerts and syncs nothing more and carries on as the standby.',
  GW_HA_NO_QUORUM: 'The pair could not reach a majority of its etcd members for longer than ha.aloneAfterSeconds: each gateway acts alone (raises, alerts and syncs every fault) and the duplicates are merged when the pair meets again.',
  GW_HA_STORE_FORMAT: 'The other gateway of the pair writes a store format this version does not know (a mixed-version pair during an upgrade): it does not replicate and stays out of the election until it runs the same version.',
  GW_HA_ETCD_SPACE: "etcd refuses writes because its space quota is used up (its NOSPACE alarm): the pair cannot commit changes; compact and defragment etcd, then disarm the alarm (docs/high-availability.md).",
  GW_CLOCK_STEP: 'The wall clock stepped (NTP, a flat RTC battery); durations are unaffected, stamps after the step use the new time.',
  GW_BACK: 'The gateway started after a time away: it tells staff once (alerts/system and every robot channel) and central (lastAbsence in its status) how long it was away and why (a clean stop and who made it, a crash, a power loss), and what the readings at start raised or cleared.',
  GW_STORM_DIGEST: 'Storm mode is on: the general and low tickets raised in the last hour (deadlines paused, escalation held) are told in one message instead of one each; emergencies alert as always.',
  GW_UPS_SHUTDOWN: "The UPS that feeds the gateway's machine (powersGateway) is on battery and low: the gateway sent a last alert and a last status and stopped cleanly with exit status 75, which the systemd unit does not restart into a dying battery.",
  GW_MQTT_DECODE: 'An MQTT payload could not be decoded into a reading for its point.',
  GW_MQTT_UNKNOWN_TOPIC: 'An MQTT message arrived on a topic no device point maps to.',
  GW_MQTT_PAYLOAD_TOO_LARGE: 'An MQTT payload exceeded the maximum size and was dropped.',
  GW_MQTT_CONNECTION: 'The MQTT broker connection failed or was lost.',
  GW_MQTT_NOT_AUTHORIZED: 'A device or login tried to connect, use another login\'s client id, publish or subscribe outside its credentials or ACL.',
  GW_MQTT_PACKET_TOO_LARGE: 'An MQTT packet declared more than broker.maxPacketBytes (or a connection sent something before CONNECT); the connection was closed before the packet was read.',
  GW_MQTT_LOGIN_LIMIT: 'An MQTT connection did not log in within broker.loginTimeoutSeconds, or too many connections were already waiting to log in (broker.maxPendingLogins, per address or in all); it was closed.',
  GW_MQTT_CONNECTION_LIMIT: "The embedded broker holds as many connections as the process's open-file limit leaves it (after 512 kept for the store and the HTTP cap): one more was refused, or the site file has more MQTT logins than that (said at start and alerted once). Raise the limit: LimitNOFILE in the service unit, --ulimit nofile in Docker.",
  GW_MODBUS_TIMEOUT: 'A Modbus device did not answer within its timeout.',
  GW_MODBUS_EXCEPTION: 'A Modbus device answered with an exception code.',
  GW_MODBUS_CONNECTION: 'The Modbus connection could not be opened or was lost.',
  GW_OPCUA_CONNECTION: 'The OPC UA session could not be opened or was lost.',
  GW_OPCUA_BAD_STATUS: 'An OPC UA value arrived with a bad or uncertain status code.',
  GW_OPCUA_SUBSCRIPTION_STALLED: 'An OPC UA subscription stopped delivering and was re-created.',
  GW_BACNET_TIMEOUT: 'A BACnet device did not answer a request within its timeoutMs; a device that stays silent is one upstream-offline ticket.',
  GW_BACNET_ERROR: 'A BACnet device answered a request with an Error, Reject or Abort (unknown object or property, unsupported service); the reason names the error class and code.',
  GW_BACNET_COV_REFUSED: 'A BACnet device refused a COV subscription (no COV support, or no room for another subscriber); that point is polled every pollMs instead.',
  GW_BACNET_STATUS_FAULT: 'A BACnet object reported the fault bit of its status-flags: its value is unreliable, so the reading is bad.',
  GW_BACNET_OUT_OF_SERVICE: 'A BACnet object reported the out-of-service bit of its status-flags: its value is not taken from the process, so the reading is uncertain.',
  GW_BACNET_SOCKET: 'The gateway\'s BACnet/IP UDP socket could not bind (the address or port is in use) or failed to send.',
  GW_BACNET_NO_ROUTE: 'A BACnet device behind a router (its source names a network and MAC) cannot be reached: no router answered Who-Is-Router-To-Network for its network, or the router refused it (Reject-Message-To-Network, with the reason). Set the source\'s router if the site knows it, or check the network number.',
  GW_BACNET_BBMD_NAK: 'The BBMD named in bacnet.bbmd refused the gateway: a Register-Foreign-Device NAK (its foreign-device table is full, or it takes no foreign devices) or a Distribute-Broadcast-To-Network NAK (it no longer holds the registration). Broadcasts (finding routers, discovery) do not reach the BMS network until it accepts; registration is retried.',
  GW_HTTP_PUSH_UNAUTHORIZED: 'A push to POST /ingest/{deviceId} had no token, or not the token of that device (401); a wrong token also counts against the client address.',
  GW_HTTP_PUSH_SLOW_DOWN: 'Too many wrong push tokens for one device came from this client address: its pushes for that device are refused for a while (429 with Retry-After), doubling with each further failure.',
  GW_HTTP_PUSH_UNKNOWN_DEVICE: "A push with a valid device token named a device id no HTTP push device of the site has (404); callers without a valid token get 401 instead, so they learn nothing of which devices exist.",
  GW_HTTP_PUSH_RATE_LIMITED: "A device pushed faster than its source.rateLimit (429 with Retry-After, measured on the monotonic clock); the push was not taken and the device should send it again.",
  GW_HTTP_PUSH_TOO_LARGE: "A push body was larger than the device's source.maxBodyBytes (413); it was not read.",
  GW_HTTP_PUSH_DECODE: "A push body could not be decoded into readings of the device's points (not JSON, a value that is not a number, an unknown boolean word, none of the device's points); 400 names what was wrong and nothing of the push was taken.",
  GW_HTTP_PUSH_UNMAPPED_EVENT: 'A pushed event code is in neither `raises` nor `clears` of its point: it was kept as a value and raised nothing; map it in the site file.',
  GW_HTTP_PUSH_SILENT: 'A pushing device sent nothing for longer than its source.expectEverySeconds; its points read bad until it pushes again (detection raises device-offline).',
  GW_HTTP_PUSH_NOT_READY: 'A push arrived while the HTTP push adapter was not running (starting or stopping); 503 with Retry-After, send it again.',
  GW_SNMP_TIMEOUT: 'An SNMP agent did not answer a GET within its timeout and retries (v2c: a wrong community looks the same, the agent stays silent).',
  GW_SNMP_AUTH: 'An SNMP v3 agent refused the gateway\'s credentials (unknown user, wrong authentication or privacy key, unsupported security level); no key is logged.',
  GW_SNMP_NO_SUCH_OBJECT: 'An SNMP agent answered noSuchObject or noSuchInstance for a point\'s OID (wrong OID, or the agent lacks that MIB); the point reads bad.',
  GW_SNMP_ERROR_STATUS: 'An SNMP agent answered a GET with an error status (tooBig, genErr...).',
  GW_SNMP_REQUEST: 'An SNMP request could not be sent or its answer could not be read.',
  GW_SNMP_AGENT_DOWN: 'An SNMP agent stopped answering every device polled through it; one upstream ticket is raised for it.',
  GW_SNMP_TRAP_REJECTED: 'An SNMP trap was refused (unknown community or v3 user, bad digest, undecodable) or matched no device; it was counted and not acted on.',
  GW_SNMP_TRAP_PORT: 'The UDP port a device names for its traps (trapPort) could not be opened (in use, or below 1024 without the right); traps are not received, polls go on.',
  GW_READING_INVALID: 'A reading had a value of the wrong type, NaN, or out of range.',
  GW_SYNC_UNAUTHORIZED: 'The central repair service refused the token (401/403); uploads stop until it is fixed.',
  GW_SYNC_REJECTED: 'The central repair service rejected one ticket; it was moved to the dead-letter list.',
  GW_SYNC_BAD_ANSWER: 'The central repair service answered something the contract does not allow (a wrong body, an unknown result, a bad cursor); the answer was not acted on and the upload is retried with backoff.',
  GW_SYNC_UPDATE_REFUSED: 'An update from the central repair service was refused (wrong shape, unknown status or ticket, a move the lifecycle forbids); it is kept as a dead letter and the others are applied.',
  GW_SYNC_UNAVAILABLE: 'The central repair service could not be reached or answered 5xx; uploads are retried.',
  GW_SYNC_NOT_CONFIGURED: 'No central repair service is configured; tickets stay queued in the outbox.',
  GW_OUTBOX_QUOTA: 'The outbox is near its disk quota.',
  GW_NOTIFY_FAILED: 'An alert channel failed to deliver; an emergency alert is retried until it is delivered or acknowledged.',
  GW_NOTIFY_EXPIRED: 'A general or low alert could not be delivered before it expired; the ticket history says so.',
  GW_API_UNAUTHORIZED: 'An API request had no valid token.',
  GW_API_SLOW_DOWN: 'Too many wrong tokens came from this client address: its sign-ins are refused for a while (429 with Retry-After), doubling with each further failure.',
  GW_API_BUSY: 'The gateway already serves as many live-stream clients (or connections) as it allows, in all or from this address; the page retries.',
  GW_API_FORBIDDEN: "An API request's token lacks the role the route needs.",
  GW_API_BAD_REQUEST: 'An API request body or query failed validation; the message names the field.',
  GW_API_BODY_TOO_LARGE: 'An API request body was larger than http.bodyLimitBytes.',
  GW_API_NOT_FOUND: 'An API request named a ticket, shelf or route that does not exist.',
  GW_API_INTERNAL: 'An API request failed inside the gateway; the log has the cause.',
  GW_API_NOT_DURABLE: 'One of a pair could not keep an uploaded photo in etcd as well as on its own disk (etcd out of reach, or this gateway no longer leads): its id is not given out, and the page sends it again (503).',
  GW_API_CONFLICT: 'An API request asked for a ticket change its current status does not allow.',
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
    this.context = context;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
