import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { errorMessage } from '../../core/errors.js';
import type { ExternalBrokerConfig } from './config.js';

/**
 * What can go wrong between the gateway and an external broker, in words a site engineer can act
 * on: the TLS files of the site file, a refused login or subscription, an untrusted certificate.
 * The password is never part of any of it.
 */

/** The codes a broker link failure is counted under in the adapter status. */
export type LinkErrorCode = 'GW_MQTT_CONNECTION' | 'GW_MQTT_NOT_AUTHORIZED';

/** The CA, client certificate and key of an mqtts:// or wss:// broker, read from the site file's paths. */
export function readTlsFiles(b: ExternalBrokerConfig): Pick<IClientOptions, 'ca' | 'cert' | 'key'> {
  const read = (file: string | undefined, key: 'caFile' | 'certFile' | 'keyFile'): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`broker.${key} ${file} cannot be read: ${errorMessage(err)}`, { cause: err });
    }
  };
  const ca = read(b.caFile, 'caFile');
  const cert = read(b.certFile, 'certFile');
  const key = read(b.keyFile, 'keyFile');
  return { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) };
}

/**
 * The filters a SUBACK refused, or null when the error is not a refusal. mqtt.js reports a
 * refusal as an error carrying the SUBACK packet, its `granted` codes in the order of the filters.
 */
export function refusedFilters(err: Error | null, filters: readonly string[]): string[] | null {
  const packet: unknown = (err as { packet?: unknown } | null)?.packet;
  if (typeof packet !== 'object' || packet === null || !('granted' in packet) || !Array.isArray(packet.granted)) return null;
  const granted = packet.granted as unknown[];
  const which = filters.filter((_, i) => typeof granted[i] === 'number' && ((granted[i] as number) & 0x80) !== 0);
  return which.length > 0 ? which : null;
}

/** Node's codes for a server certificate the client does not trust (node:tls, X509_V_ERR_*). */
const UNTRUSTED_CERT = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/;

/**
 * Turns what the mqtt client reports into a reason a site engineer can act on: a refused login
 * (CONNACK 4/5 in MQTT 3.1.1, 0x86/0x87 in MQTT 5), a certificate not trusted, or plain comm loss.
 * The password is never part of it.
 */
export function classifyLinkError(err: Error, b: ExternalBrokerConfig, clientId: string): { code: LinkErrorCode; reason: string } {
  const code = (err as { code?: unknown }).code;
  if (code === 4 || code === 5 || code === 134 || code === 135) {
    return { code: 'GW_MQTT_NOT_AUTHORIZED', reason: `the broker refused the login of user "${b.username ?? '(none)'}" as client "${clientId}": ${err.message}` };
  }
  if (typeof code === 'string' && UNTRUSTED_CERT.test(code)) {
    const ca = b.caFile === undefined ? 'the system CAs' : `caFile ${b.caFile}`;
    return { code: 'GW_MQTT_CONNECTION', reason: `TLS handshake failed: the broker's certificate is not trusted by ${ca} (${code}: ${err.message})` };
  }
  if (err.message === 'TLS not authorized') return { code: 'GW_MQTT_CONNECTION', reason: "TLS handshake failed: the broker's certificate is not trusted" };
  return { code: 'GW_MQTT_CONNECTION', reason: err.message };
}

/** The client's options for the site's broker: a persistent session, our own reconnects, the presence will. */
export function clientOptions(
  b: ExternalBrokerConfig,
  o: { clientId: string; password: string | undefined; tlsFiles: Pick<IClientOptions, 'ca' | 'cert' | 'key'>; presence: { readonly topic: string; offline(stoppedBy: null): string } | undefined; env: NodeJS.ProcessEnv },
): IClientOptions {
  return {
    clientId: o.clientId,
    // Persistent session: the broker keeps our QoS 1 subscriptions and queues what arrives
    // while we are away (MQTT 3.1.1, 3.1.2.4 Clean Session = 0).
    clean: false,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    // mqtt.js traces every packet through the `debug` module (about nine calls a message, each
    // paid although tracing is off): without DEBUG set nobody reads them, so none are made.
    ...(o.env['DEBUG'] === undefined ? { log: noTrace } : {}),
    keepalive: b.keepaliveSeconds,
    ...(b.username === undefined ? {} : { username: b.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
    ...(o.presence === undefined ? {} : { will: { topic: o.presence.topic, payload: Buffer.from(o.presence.offline(null)), qos: 1, retain: true } }),
    ...o.tlsFiles,
  };
}

function noTrace(): void {}

/** Credentials in a URL never reach a log line. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[redacted]@');
}
