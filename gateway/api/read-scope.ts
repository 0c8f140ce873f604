import type { Ticket } from '../tickets/ticket.js';
import type { User } from './users-schema.js';

/**
 * The tickets a reader may see: a patrol limited to some buildings (`users[].buildings`) reads only
 * the tickets there, in lists, details, statistics, reports and the live stream; everyone else,
 * and a read without a token where reads are open, every ticket.
 */
export function readableBy(user: Pick<User, 'role' | 'buildings'> | undefined): (t: { readonly location: Pick<Ticket['location'], 'building'> }) => boolean {
  if (user === undefined || user.role !== 'patrol' || user.buildings.length === 0) return () => true;
  const mine = new Set(user.buildings);
  return (t) => mine.has(t.location.building);
}
