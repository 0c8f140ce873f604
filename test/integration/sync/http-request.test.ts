import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createHttpRequester, HttpRequestError } from '../../../core/http-request.js';
import { freePort } from '../../../simulators/free-port.js';

/** A real HTTP server on 127.0.0.1 for one test, closed when it ends. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${addr.port}`, server };
}

function requester(keepAlive: boolean) {
  const r = createHttpRequester({ keepAlive, maxAnswerBytes: 1024 });
  onTestFinished(() => r.close());
  return r;
}

async function failure(p: Promise<unknown>): Promise<HttpRequestError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(HttpRequestError);
  return err as HttpRequestError;
}

describe('http-request: what the central client and the alert webhooks send with', () => {
  it('sends the method, headers and body, and gives back the status, the text and the headers', async () => {
    const { url } = await serve((req, res, body) => {
      res.setHeader('x-seen', `${req.method} ${req.headers['content-type']} ${req.headers['content-length']}`);
      res.end(JSON.stringify({ body }));
    });
    const a = await requester(false).request(`${url}/v1/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"告警":1}', timeoutMs: 5000 });
    expect(a.status).toBe(200);
    expect(JSON.parse(a.text)).toEqual({ body: '{"告警":1}' });
    expect(a.header('X-Seen')).toBe(`POST application/json ${Buffer.byteLength('{"告警":1}')}`);
    expect(a.header('x-none')).toBeNull();
  });

  it('does not follow a redirect: the 3xx and its location come back', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(302, { location: 'http://203.0.113.9/elsewhere' });
      res.end();
    });
    const a = await requester(true).request(url, { method: 'POST', headers: {}, body: 'tickets', timeoutMs: 5000 });
    expect(a.status).toBe(302);
    expect(a.header('location')).toBe('http://203.0.113.9/elsewhere');
  });

  it('says ECONNREFUSED when nobody listens, TIMEOUT when nobody answers, TOO_LARGE for an answer over the bound', async () => {
    const closed = await freePort();
    const refused = await failure(requester(false).request(`http://127.0.0.1:${closed}/`, { method: 'GET', headers: {}, timeoutMs: 5000 }));
    expect(refused).toMatchObject({ code: 'ECONNREFUSED', answered: false });

    const { url } = await serve((req, res) => {
      if (req.url === '/big') res.end('x'.repeat(4096));
      // /silent: never answered
    });
    const silent = await failure(requester(false).request(`${url}/silent`, { method: 'GET', headers: {}, timeoutMs: 200 }));
    expect(silent).toMatchObject({ code: 'TIMEOUT', answered: false, message: 'no answer within 200 ms' });
    const big = await failure(requester(false).request(`${url}/big`, { method: 'GET', headers: {}, timeoutMs: 5000 }));
    expect(big).toMatchObject({ code: 'TOO_LARGE', answered: true });
  });

  it('says an answer that was cut off was begun (the other side took the request)', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const cut = await failure(requester(false).request(url, { method: 'GET', headers: {}, timeoutMs: 5000 }));
    expect(cut.answered).toBe(true);
  });

  it('keeps the connection between requests, and sends again on a new one a request whose kept connection the server had dropped unanswered', async () => {
    const seen: { socket: Socket; answered: boolean }[] = [];
    const { url } = await serve((req, res) => {
      const socket = req.socket;
      const before = seen.filter((s) => s.socket === socket).length;
      // The second request on a kept connection is dropped without an answer, as by a server that closed it meanwhile.
      if (before === 1) {
        seen.push({ socket, answered: false });
        socket.destroy();
        return;
      }
      seen.push({ socket, answered: true });
      res.end('ok');
    });
    const r = requester(true);
    expect((await r.request(url, { method: 'POST', headers: {}, body: 'a', timeoutMs: 5000 })).text).toBe('ok');
    expect((await r.request(url, { method: 'POST', headers: {}, body: 'b', timeoutMs: 5000 })).text).toBe('ok');
    expect(seen.map((s) => s.answered)).toEqual([true, false, true]);
    // The first two on one kept connection, the one sent again on a new one.
    expect(seen[0]?.socket).toBe(seen[1]?.socket);
    expect(seen[2]?.socket).not.toBe(seen[1]?.socket);
  });
});
