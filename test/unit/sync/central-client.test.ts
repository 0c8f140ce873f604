import { describe, expect, it } from 'vitest';
import { CentralClient } from '../../../cloud-sync/central-client.js';

describe('the central client never throws', () => {
  it('a central.url that passes the site file (http://...) but does not parse is a call to retry, in words', async () => {
    const client = new CentralClient({ baseUrl: 'http://[not-a-host', token: () => 't', timeoutMs: 1000 });
    try {
      const out = await client.upload('site-1', []);
      expect(out.kind).toBe('retry');
      expect(out.kind === 'retry' ? out.message : '').toMatch(/invalid url/i);
    } finally {
      client.close();
    }
  });
});
