import { z } from 'zod';

/**
 * patrol: walks the site, verifies and reports (巡检); engineer: takes, arrives, resolves (维修);
 * supervisor: the engineering supervisor (工程主管), who assigns untaken orders (派工), re-tiers and
 * sees the per-engineer figures; desk: the service desk or monitoring centre (客服/监控中心), who calls
 * owners back (回访); operator: runs the gateway (shelves, storm mode); admin: everything.
 */
export const Role = z.enum(['patrol', 'engineer', 'supervisor', 'desk', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

/** Every role: what any member of staff may do (read their own user, report a fault they found, add a note). */
export const STAFF: readonly Role[] = Role.options;

/**
 * Users of the API and pages. Tokens are stored as their sha256 in hex, never in clear
 * (`node -e "console.log(require('crypto').createHash('sha256').update(process.argv[1]).digest('hex'))" TOKEN`).
 */
export const User = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  role: Role,
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the sha256 of the token as 64 hex digits'),
  /** Buildings this user covers (patrol pages show only these); empty = all. */
  buildings: z.array(z.string()).default([]),
});
export type User = z.infer<typeof User>;
