import { parseSite } from '../../gateway/config/load-site.js';
import type { SiteConfig, SiteFileInput } from '../../gateway/config/site-schema.js';

/** A one-building site with one MQTT leak sensor; override any part. */
export function testSite(overrides: Partial<SiteFileInput> = {}): SiteConfig {
  const base: SiteFileInput = {
    site: { id: 'test-site', code: 'TS01', name: 'Test site', timeZone: 'Asia/Shanghai' },
    broker: { mode: 'embedded', port: 0, logins: [{ username: 'console', password: { value: 'pw-console' }, subscribe: ['alerts/#'] }] },
    http: { port: 0, host: '127.0.0.1' },
    dataDir: '/nonexistent',
    devices: [
      {
        id: 'leak-1',
        kind: 'leak-sensor',
        name: '1 号漏水传感器',
        battery: true,
        location: { building: 'T1', floor: 'B1', description: 'B1 泵房', descriptionEn: 'B1 pump room' },
        source: {
          protocol: 'mqtt',
          username: 'leak-1',
          password: { value: 'secret-leak-1' },
          points: [{ id: 'wet' }, { id: 'battery' }],
        },
      },
    ],
  };
  return parseSite({ ...base, ...overrides });
}
