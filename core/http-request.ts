import http from 'node:http';
import https from 'node:https';

/**
 * One HTTP(S) request over node:http, the small part of fetch the gateway needs: the central
 * service's calls (cloud-sync/central-client.ts) and the alert webhooks
 * (gateway/notify/channel-delivery.ts).
 *
 * Why not fetch: the first fetch of a process loads undici and compiles its HTTP parser from
 * WebAssembly, 13 MB of RSS in a bare Node 20 process, kept for good; every site with a central
 * service paid it (docs/performance.md, run M). node:http is already loaded (the API is served
 * with it). Redirects are never followed (node:http does not), as fetch was told (`redirect:
 * 'manual'`): a redirect must not post the site's tickets to another origin.
 */
export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  header(name: string): string | null;
}

export interface HttpInit {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** The whole exchange, connect to the last byte of the answer, on the monotonic clock. */
  readonly timeoutMs: number;
}

/** Why a request got no whole answer: `code` is the socket's (ECONNREFUSED...), or TIMEOUT, or TOO_LARGE. */
export class HttpRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** True once the answer had begun: the other side took the request and its reply was cut off. */
    readonly answered: boolean,
  ) {
    super(message);
    this.name = 'HttpRequestError';
  }
}

export type HttpRequest = (url: URL | string, init: HttpInit) => Promise<HttpAnswer>;

export interface HttpRequesterOptions {
  /**
   * Keep connections open between requests (the central service, called every few seconds). A
   * request on a kept connection that the other side had closed meanwhile is sent once more on a
   * new one, as browsers do: it never reached the other side. Off for alert webhooks, which are
   * rare and must not be sent twice.
   */
  readonly keepAlive: boolean;
  /** An answer longer than this is refused (TOO_LARGE), not held in memory. */
  readonly maxAnswerBytes?: number;
}

export interface HttpRequester {
  readonly request: HttpRequest;
  /** Closes the kept connections (stop()). */
  close(): void;
}

const DEFAULT_MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export function createHttpRequester(o: HttpRequesterOptions): HttpRequester {
  const agents = o.keepAlive ? { http: new http.Agent({ keepAlive: true, maxSockets: 4 }), https: new https.Agent({ keepAlive: true, maxSockets: 4 }) } : null;
  const max = o.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  const request: HttpRequest = async (url, init) => {
    const target = typeof url === 'string' ? new URL(url) : url;
    try {
      return await once(target, init, agents, max);
    } catch (err) {
      if (err instanceof StaleConnection) return once(target, init, null, max);
      throw err;
    }
  };
  return {
    request,
    close: () => {
      agents?.http.destroy();
      agents?.https.destroy();
    },
  };
}

/** A kept connection the other side had closed before our request reached it. */
class StaleConnection extends Error {}

function once(url: URL, init: HttpInit, agents: { http: http.Agent; https: https.Agent } | null, maxBytes: number): Promise<HttpAnswer> {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') return Promise.reject(new HttpRequestError(`${url.protocol} is not http: or https:`, 'BAD_URL', false));
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : init.body;
  const headers: Record<string, string> = { ...init.headers, ...(body === undefined ? {} : { 'content-length': String(body.length) }) };
  const agent = agents === null ? false : secure ? agents.https : agents.http;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let answered = false;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    };
    const req = (secure ? https : http).request(url, { method: init.method, headers, agent }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          fail(new HttpRequestError(`the answer is over ${maxBytes} bytes`, 'TOO_LARGE', true));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, header: (name) => headerValue(res.headers[name.toLowerCase()]) });
      });
      res.on('error', (err) => fail(asRequestError(err, true)));
      res.on('close', () => {
        if (!res.complete) fail(new HttpRequestError('the answer was cut off', 'ECONNRESET', true));
      });
    });
    // setTimeout runs on libuv's monotonic clock: a wall-clock step neither fires nor delays it.
    const timer = setTimeout(() => req.destroy(new HttpRequestError(`no answer within ${init.timeoutMs} ms`, 'TIMEOUT', answered)), init.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!answered && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new StaleConnection());
        return;
      }
      fail(asRequestError(err, answered));
    });
    req.end(body);
  });
}

function asRequestError(err: Error, answered: boolean): HttpRequestError {
  if (err instanceof HttpRequestError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'ERROR';
  return new HttpRequestError(err.message, code, answered);
}

function headerValue(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(', ') : v;
}
