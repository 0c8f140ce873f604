import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.js';
import type { Role, User } from './users-schema.js';
import { sendError } from './reply-error.js';
import { SignInThrottle, DEFAULT_THROTTLE, type SignInThrottleOptions } from '../../core/sign-in-throttle.js';

/** What happened to a presented token, for /metrics: a wrong one, or one not tried (address held) or delayed (prefix held). */
export type SignInEvent = 'failed' | 'refused' | 'delayed';

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Bearer tokens checked against the sha256 the site keeps. Looking up the hash of what was
 * presented compares digests, not secrets, so there is no timing side channel on the token.
 * Wrong tokens slow their address and their prefix down (sign-in-throttle.ts).
 */
export class Authenticator {
  readonly #byHash: ReadonlyMap<string, User>;
  readonly #throttle: SignInThrottle;

  constructor(
    users: readonly User[],
    private readonly clock: Clock,
    private readonly onSignIn: (e: SignInEvent) => void = () => undefined,
    throttle: SignInThrottleOptions = DEFAULT_THROTTLE,
  ) {
    this.#byHash = new Map(users.map((u) => [u.tokenSha256, u]));
    this.#throttle = new SignInThrottle(clock, throttle);
  }

  /** The token of `Authorization: Bearer <token>`, or null without one. */
  static tokenOf(req: FastifyRequest): string | null {
    const h = req.headers.authorization;
    if (typeof h !== 'string') return null;
    return /^Bearer\s+(\S+)$/i.exec(h)?.[1] ?? null;
  }

  /** The user of the presented token, or why not: none given, wrong, or not tried for now (retry after ms). */
  async signIn(req: FastifyRequest): Promise<User | 'none' | 'wrong' | { retryAfterMs: number }> {
    const token = Authenticator.tokenOf(req);
    if (token === null) return 'none';
    const address = req.socket.remoteAddress ?? '?';
    const first = this.#throttle.check(address, token);
    if (first.kind === 'go' && first.delayMs > 0) {
      this.onSignIn('delayed');
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, first.delayMs));
    }
    // Checked again after a delay: the address may have been held meanwhile by its other guesses.
    const v = first.kind === 'go' && first.delayMs > 0 ? this.#throttle.check(address, token) : first;
    if (v.kind === 'refuse') {
      this.onSignIn('refused');
      return { retryAfterMs: v.retryAfterMs };
    }
    const user = this.#byHash.get(sha256Hex(token));
    if (user === undefined) {
      this.#throttle.failed(address, token);
      this.onSignIn('failed');
      return 'wrong';
    }
    this.#throttle.succeeded(address);
    return user;
  }

  /**
   * An onRequest hook: 401 without a valid token, 403 when its role is not one of `roles`. It runs
   * before the body is read or validated, so an anonymous request learns nothing and costs little.
   */
  require(...roles: Role[]): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
    const allowed = new Set<Role>([...roles, 'admin']);
    return async (req, reply) => {
      // Signed in by an earlier hook (reads need a token: read-guard.ts): the role is all there is to check.
      const known = req.user;
      if (known !== undefined && allowed.has(known.role)) return;
      const user = known ?? (await this.signIn(req));
      if (user === 'none' || user === 'wrong') {
        await sendError(reply, 401, 'GW_API_UNAUTHORIZED', user === 'none' ? 'this needs a token: Authorization: Bearer <token>' : 'this token is not known here');
        return reply;
      }
      if ('retryAfterMs' in user) {
        const seconds = Math.max(1, Math.ceil(user.retryAfterMs / 1000));
        // Closed after the answer: a guesser on keep-alive must connect again (per-address caps) for its next try.
        reply.header('retry-after', String(seconds)).header('connection', 'close');
        await sendError(reply, 429, 'GW_API_SLOW_DOWN', `too many wrong tokens from this address; try again in ${seconds} s`);
        return reply;
      }
      if (!allowed.has(user.role)) {
        await sendError(reply, 403, 'GW_API_FORBIDDEN', `role ${user.role} may not do this; it needs ${[...allowed].join(' or ')}`);
        return reply;
      }
      req.user = user;
    };
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by Authenticator.require on routes that need a token. */
    user?: User;
  }
}

/** The user a guarded route runs as (require() has put it there). */
export function actingUser(req: FastifyRequest): User {
  if (req.user === undefined) throw new Error('route is missing its Authenticator.require hook');
  return req.user;
}
