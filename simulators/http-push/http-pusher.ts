import { request } from 'node:http';

export interface PushAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfter: string | null;
}

/**
 * One POST to the gateway's `/ingest/{deviceId}`, as a fire panel gateway or a vendor cloud makes
 * it: a fresh connection per push (`agent: false`), so a pusher that stops leaves no socket behind.
 * A refused or failed push is returned (status 0 for no answer at all), never thrown.
 */
export function pushOnce(baseUrl: string, deviceId: string, token: string | null, body: string | Buffer, contentType = 'application/json'): Promise<PushAnswer> {
  const url = new URL(`/ingest/${encodeURIComponent(deviceId)}`, baseUrl);
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': contentType, 'content-length': payload.length, ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: kept as text
          }
          const ra = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, body: parsed, retryAfter: typeof ra === 'string' ? ra : null });
        });
        res.on('error', () => resolve({ status: 0, body: null, retryAfter: null }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: null, retryAfter: null }));
    req.end(payload);
  });
}
