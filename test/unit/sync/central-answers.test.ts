import { describe, expect, it } from 'vitest';
import { readUpdatesAnswer } from '../../../cloud-sync/central-answers.js';

const AT = '2026-12-07T02:00:00Z';
const one = (update: Record<string, unknown>) => {
  const a = readUpdatesAnswer({ updates: [{ id: 'u1', ticketId: 't1', status: 'closed', at: AT, ...update }], cursor: '1' });
  if (a.kind !== 'ok') throw new Error(a.why);
  return a.updates[0]!;
};

describe("central's callback on an update (contract 2.1)", () => {
  it('reads a callback that reached the owner, and one that did not', () => {
    expect(one({ callback: { reached: true, satisfaction: 4, words: '满意' } })).toEqual({ kind: 'ok', update: { id: 'u1', ticketId: 't1', status: 'closed', at: AT, callback: { reached: true, satisfaction: 4, words: '满意' } } });
    expect(one({ callback: { reached: false, satisfaction: null } })).toMatchObject({ kind: 'ok', update: { callback: { reached: false } } });
    expect(one({ callback: null })).toEqual({ kind: 'ok', update: { id: 'u1', ticketId: 't1', status: 'closed', at: AT } });
  });

  it('refuses a callback off the contract, naming the field and the value', () => {
    expect(one({ callback: 'yes' })).toMatchObject({ kind: 'invalid', why: 'callback is "yes", not an object with reached' });
    expect(one({ callback: { reached: 'yes' } })).toMatchObject({ kind: 'invalid', why: 'callback.reached is "yes", not true or false' });
    expect(one({ callback: { reached: true, satisfaction: 9 } })).toMatchObject({ kind: 'invalid', why: 'callback.satisfaction is 9, not a whole number from 1 to 5' });
    expect(one({ callback: { reached: true, satisfaction: 4.5 } })).toMatchObject({ kind: 'invalid' });
    expect(one({ callback: { reached: false, satisfaction: 3 } })).toMatchObject({ kind: 'invalid', why: 'callback.satisfaction is given for a call that did not reach the owner' });
    expect(one({ callback: { reached: true, words: 'x'.repeat(1001) } })).toMatchObject({ kind: 'invalid', why: expect.stringContaining('callback.words is') });
  });
});
