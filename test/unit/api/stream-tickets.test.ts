import { describe, expect, it } from 'vitest';
import { StreamTickets } from '../../../gateway/api/stream-tickets.js';
import type { User } from '../../../gateway/api/users-schema.js';
import { ManualClock } from '../../../core/clock.js';

const patrol: User = { id: 'p-wang', name: '王巡检', role: 'patrol', tokenSha256: '0'.repeat(64), buildings: ['T1'] };

describe('stream tickets', () => {
  it('opens one stream for its user, once, within 30 s of elapsed time', () => {
    const clock = new ManualClock();
    const tickets = new StreamTickets(clock);
    const a = tickets.issue(patrol);
    expect(a.ticket).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(tickets.take(a.ticket)).toBe(patrol);
    expect(tickets.take(a.ticket)).toBeNull();

    const b = tickets.issue(patrol);
    clock.advance(29_999);
    expect(tickets.take(b.ticket)).toBe(patrol);
    const c = tickets.issue(patrol);
    clock.advance(30_000);
    expect(tickets.take(c.ticket)).toBeNull();
  });

  it('is not fooled by a wall-clock step, and forgets the oldest beyond 1,024 outstanding', () => {
    const clock = new ManualClock();
    const tickets = new StreamTickets(clock);
    const a = tickets.issue(patrol);
    clock.step(-3_600_000);
    expect(tickets.take(a.ticket)).toBe(patrol);
    const first = tickets.issue(patrol);
    for (let i = 0; i < 1_024; i += 1) tickets.issue(patrol);
    expect(tickets.outstanding).toBe(1_024);
    expect(tickets.take(first.ticket)).toBeNull();
  });
});
