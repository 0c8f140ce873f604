import { createServer, type IncomingMessage } from 'node:http';
import { onTestFinished } from 'vitest';

export interface Received {
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

/** A local HTTP server standing in for the robots' webhook endpoints; /flaky fails twice. */
export async function webhookServer(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  let flaky = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/flaky' && flaky++ < 2) {
        res.writeHead(502).end();
        return;
      }
      received.push({ path: u.pathname, query: u.searchParams, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`, received };
}

