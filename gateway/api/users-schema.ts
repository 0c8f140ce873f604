import { z } from 'zod';

export const Role = z.enum(['patrol', 'engineer', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

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
