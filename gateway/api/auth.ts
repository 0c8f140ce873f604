import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role, User } from './users-schema.js';
import { sendError } from './reply-error.js';

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Bearer tokens checked against the sha256 the site keeps. Looking up the hash of what was
 * presented compares digests, not secrets, so there is no timing side channel on the token.
 */
export class Authenticator {
  readonly #byHash: ReadonlyMap<string, User>;

  constructor(users: readonly User[]) {
    this.#byHash = new Map(users.map((u) => [u.tokenSha256, u]));
  }

  userOf(req: FastifyRequest): User | null {
    const h = req.headers.authorization;
    if (typeof h !== 'string') return null;
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    if (m?.[1] === undefined) return null;
    return this.#byHash.get(sha256Hex(m[1])) ?? null;
  }

  /**
   * An onRequest hook: 401 without a valid token, 403 when its role is not one of `roles`. It runs
   * before the body is read or validated, so an anonymous request learns nothing and costs little.
   */
  require(...roles: Role[]): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
    const allowed = new Set<Role>([...roles, 'admin']);
    return async (req, reply) => {
      const user = this.userOf(req);
      if (user === null) {
        await sendError(reply, 401, 'GW_API_UNAUTHORIZED', 'this needs a token: Authorization: Bearer <token>');
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
