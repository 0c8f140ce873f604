import type { Field } from './field.js';
import { getPath, isObject, setPath, type Json } from './json-tree.js';
import type { Protocol } from './protocols.js';

/** The secrets of each protocol's source: the name a `secretEnv` cell gives each, and where it lives. */
const SECRETS: Readonly<Record<Protocol, readonly { readonly key: string; readonly path: readonly string[] }[]>> = {
  mqtt: [{ key: 'password', path: ['password'] }],
  modbus: [],
  opcua: [{ key: 'password', path: ['password'] }],
  bacnet: [],
  http: [{ key: 'token', path: ['token'] }],
  snmp: [
    { key: 'community', path: ['community'] },
    { key: 'authKey', path: ['user', 'authKey'] },
    { key: 'privKey', path: ['user', 'privKey'] },
  ],
};

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * `secretEnv`: the environment variables a device's secrets are read from (`password=MQTT_PW_1`,
 * `authKey=UPS_AUTH; privKey=UPS_PRIV`). A secret written into the site file itself
 * (`{ "value": ... }`) is never exported: a spreadsheet is mailed around, a secret must not be.
 */
export function secretEnvField(protocol: Protocol): Field | null {
  const secrets = SECRETS[protocol];
  if (secrets.length === 0) return null;
  return {
    column: 'secretEnv',
    owns: secrets.map((s) => s.path),
    read: (source) => {
      const named = secrets.flatMap((s) => {
        const ref = getPath(source, s.path);
        return isObject(ref) && typeof ref['env'] === 'string' ? [`${s.key}=${ref['env']}`] : [];
      });
      return named.length === 0 ? undefined : named.join('; ');
    },
    write: (source, text) => {
      const pairs = text.split(/[;\n]/).map((p) => p.trim()).filter((p) => p !== '');
      const refs: [readonly string[], string][] = [];
      for (const pair of pairs) {
        const [key = '', name = ''] = pair.split('=').map((s) => s.trim());
        const secret = secrets.find((s) => s.key === key);
        if (secret === undefined || !ENV_NAME.test(name)) {
          return `expected ${secrets.map((s) => `${s.key}=ENV_NAME`).join('; ')} (environment variable names: capitals, digits, _), got "${pair}"`;
        }
        refs.push([secret.path, name]);
      }
      for (const [path, name] of refs) setPath(source, path, { env: name });
      return null;
    },
  };
}

/** `MQTT_PASSWORD_LEAK_B1`: the variable a new device's secret is read from when the table names none. */
function envName(prefix: string, deviceId: string): string {
  return `${prefix}_${deviceId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Gives a source the secrets it needs, each read from an environment variable named after the
 * device. Secrets the schema requires (an HTTP push token, an SNMP community or v3 keys) are
 * given to any device lacking them; a login's password (MQTT, OPC UA) only to a device this
 * import adds, as a device already in the site file may log in without one on purpose.
 */
export function fillSecrets(source: Json, protocol: Protocol, deviceId: string, isNew: boolean): void {
  const give = (path: readonly string[], prefix: string): void => {
    if (getPath(source, path) === undefined) setPath(source, path, { env: envName(prefix, deviceId) });
  };
  if ((protocol === 'mqtt' || protocol === 'opcua') && isNew && source['username'] !== undefined) give(['password'], `${protocol.toUpperCase()}_PASSWORD`);
  if (protocol === 'http') give(['token'], 'PUSH_TOKEN');
  if (protocol !== 'snmp') return;
  const user = source['user'];
  if (source['version'] !== '3' && user === undefined) return give(['community'], 'SNMP_COMMUNITY');
  if (!isObject(user)) return;
  const level = user['level'] ?? 'authPriv';
  if (level !== 'noAuthNoPriv') give(['user', 'authKey'], 'SNMP_AUTH_KEY');
  if (level === 'authPriv') give(['user', 'privKey'], 'SNMP_PRIV_KEY');
}

/** The environment variables a source's secrets are read from. */
export function secretEnvNames(source: Json, protocol: Protocol): string[] {
  return SECRETS[protocol].flatMap((s) => {
    const ref = getPath(source, s.path);
    return isObject(ref) && typeof ref['env'] === 'string' ? [ref['env']] : [];
  });
}
