import { sha256Hex } from '../../gateway/api/auth.js';
import type { User } from '../../gateway/api/users-schema.js';

/** Staff of the test site, one per role, with the tokens they would carry (only hashes go in the site). */
export const STAFF = {
  patrol: { id: 'p-wang', name: '王巡检', role: 'patrol', token: 'tok-patrol-T1', buildings: ['T1'] },
  farPatrol: { id: 'p-zhao', name: '赵巡检', role: 'patrol', token: 'tok-patrol-T9', buildings: ['T9'] },
  engineer: { id: 'e-li', name: '李工', role: 'engineer', token: 'tok-engineer', buildings: [] },
  engineer2: { id: 'e-zhou', name: '周工', role: 'engineer', token: 'tok-engineer-2', buildings: [] },
  supervisor: { id: 's-qian', name: '钱主管', role: 'supervisor', token: 'tok-supervisor', buildings: [] },
  desk: { id: 'd-zhao', name: '赵客服', role: 'desk', token: 'tok-desk', buildings: [] },
  operator: { id: 'o-chen', name: '陈运维', role: 'operator', token: 'tok-operator', buildings: [] },
  admin: { id: 'a-sun', name: '孙管理员', role: 'admin', token: 'tok-admin', buildings: [] },
} as const satisfies Record<string, { id: string; name: string; role: User['role']; token: string; buildings: readonly string[] }>;

export type StaffMember = keyof typeof STAFF;

export function staffUsers(): { id: string; name: string; role: User['role']; tokenSha256: string; buildings: string[] }[] {
  return Object.values(STAFF).map((s) => ({ id: s.id, name: s.name, role: s.role, tokenSha256: sha256Hex(s.token), buildings: [...s.buildings] }));
}

export function bearer(who: StaffMember): { authorization: string } {
  return { authorization: `Bearer ${STAFF[who].token}` };
}
