import { resolveSecret } from '../../core/secrets.js';
import type { BrokerConfig } from './config.js';
import type { BrokerCredential } from './embedded-broker.js';
import type { MqttDeviceSpec } from './topic-map.js';

/**
 * Who may log in to the embedded broker: each device with its own username (default its id) and
 * password, and the filters it may subscribe to; then the site's reader logins (a console, a BMS).
 * A device whose password is not set logs in nowhere (check-config names it).
 */
export function brokerLogins(broker: Extract<BrokerConfig, { mode: 'embedded' }>, devices: readonly MqttDeviceSpec[], env: NodeJS.ProcessEnv): BrokerCredential[] {
  const ofDevices = devices.flatMap((d) => {
    const username = d.source.username ?? d.id;
    const password = resolveSecret(d.source.password, `devices[${d.id}].source.password`, env);
    const subscribe = (d.source.subscribe ?? []).map((f) => f.replaceAll('{deviceId}', d.id));
    return password === undefined ? [] : [{ deviceId: d.id, username, password, subscribe }];
  });
  const readers = (broker.logins ?? []).map((l, i) => ({ deviceId: null, username: l.username, password: resolveSecret(l.password, `broker.logins[${i}].password`, env) ?? '', subscribe: l.subscribe }));
  return [...ofDevices, ...readers];
}
