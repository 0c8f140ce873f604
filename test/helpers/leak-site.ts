import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The staff console's broker login: it reads alerts (devices read nothing). */
export const CONSOLE_LOGIN = { username: 'console', password: 'pw-console' } as const;

export interface LeakSiteOptions {
  readonly dir: string;
  readonly sensors: number;
  readonly mqttPort: number;
  readonly httpPort: number;
  readonly dataDir?: string;
  /** Device password of sensor i (a secret the log checks look for). */
  readonly password?: (i: number) => string;
  /** More top-level keys of the site file (central, notify...). */
  readonly extra?: Record<string, unknown>;
}

/**
 * A site file of MQTT leak sensors on the embedded broker, raising a ticket the moment one goes
 * wet (no on-delay), written to `dir/site.json` for a gateway process. Returns its path.
 */
export async function writeLeakSite(opts: LeakSiteOptions): Promise<string> {
  const password = opts.password ?? ((i: number) => `pw-${i}`);
  const file = path.join(opts.dir, 'site.json');
  const { broker, ...extra } = (opts.extra ?? {}) as { broker?: Record<string, unknown> };
  await writeFile(
    file,
    JSON.stringify({
      site: { id: 'rel-site', code: 'RL01', name: 'Reliability test site' },
      broker: {
        mode: 'embedded',
        host: '127.0.0.1',
        port: opts.mqttPort,
        logins: [{ username: CONSOLE_LOGIN.username, password: { value: CONSOLE_LOGIN.password }, subscribe: ['alerts/#'] }],
        ...broker,
      },
      http: { host: '127.0.0.1', port: opts.httpPort },
      dataDir: opts.dataDir ?? path.join(opts.dir, 'data'),
      devices: Array.from({ length: opts.sensors }, (_, i) => ({
        id: `leak-${i}`,
        kind: 'leak-sensor',
        name: `leak ${i}`,
        location: { building: 'T1', floor: `${i}F`, description: `floor ${i}` },
        faults: { 'water-leak': { onDelaySeconds: 0, offDelaySeconds: 0 } },
        source: { protocol: 'mqtt', username: `leak-${i}`, password: { value: password(i) }, points: [{ id: 'wet' }] },
      })),
      ...extra,
    }),
  );
  return file;
}
