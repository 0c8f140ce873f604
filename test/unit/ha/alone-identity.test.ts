import { describe, expect, it } from 'vitest';
import { mergeStep } from '../../../gateway/ha/alone-merge.js';
import { aloneIdentity, randomIdentity } from '../../../gateway/tickets/ticket-identity.js';
import { sampleTicket } from '../../helpers/ticket-fixture.js';

describe('tickets raised by a pair member acting alone', () => {
  it('both gateways give one fault the same id, a second raise of it a new one, and other sites or periods other ids', () => {
    const a = aloneIdentity('site-1', 42, 1);
    const b = aloneIdentity('site-1', 42, 2);
    const first = a.id('fault', 'leak-1', 'water-leak');
    expect(b.id('fault', 'leak-1', 'water-leak')).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.id('fault', 'leak-1', 'water-leak')).not.toBe(first);
    expect(aloneIdentity('site-1', 43, 1).id('fault', 'leak-1', 'water-leak')).not.toBe(first);
    expect(aloneIdentity('site-2', 42, 1).id('fault', 'leak-1', 'water-leak')).not.toBe(first);
    // A patrol's report is no fault both can see: its own random id.
    expect(a.id('incident', 'leak-1', 'water-leak')).not.toBe(b.id('incident', 'leak-1', 'water-leak'));
    expect([a.numberPlace(), b.numberPlace(), randomIdentity.numberPlace()]).toEqual([1, 2, null]);
  });

  it('merges one ticket known twice into the one further along, with both histories, at a version above both', () => {
    const mine = sampleTicket('t1', 3, 10, { status: 'acknowledged', number: 'TS01-20260105-910001', history: [{ at: '2026-01-05T02:00:00.000Z', actor: 'gateway', action: 'raised', status: 'raised' }, { at: '2026-01-05T02:01:00.000Z', actor: 'user:e-li', action: 'take', status: 'acknowledged' }] });
    const theirs = sampleTicket('t1', 2, 10, { status: 'raised', number: 'TS01-20260105-920001', history: [{ at: '2026-01-05T02:00:01.000Z', actor: 'gateway', action: 'raised', status: 'raised' }] });
    const step = mergeStep({ gatewayId: 'gw-b', ticket: theirs, alarm: null }, mine, mine);
    expect(step.kind).toBe('merge');
    expect(step.ticket.status).toBe('acknowledged');
    expect(step.ticket.number).toBe('TS01-20260105-910001');
    expect(step.ticket.history.map((h) => h.at)).toEqual(['2026-01-05T02:00:00.000Z', '2026-01-05T02:00:01.000Z', '2026-01-05T02:01:00.000Z']);
    expect(step.kind === 'merge' && step.note).toContain('TS01-20260105-920001');
  });

  it('closes a ticket for a fault the leader has open under another id as a duplicate naming it, and takes in what only the other saw', () => {
    const open = sampleTicket('t-open', 1, 10, { number: 'TS01-20260105-0001' });
    const dup = sampleTicket('t-dup', 1, 10, { number: 'TS01-20260105-920001' });
    const d = mergeStep({ gatewayId: 'gw-b', ticket: dup, alarm: null }, undefined, open);
    expect(d.kind).toBe('duplicate');
    expect(d.ticket.status).toBe('closed');
    expect(d.kind === 'duplicate' && d.note).toContain('TS01-20260105-0001');
    const only = sampleTicket('t-only', 1, 10, { deviceId: 'pump-1', fault: 'pump-failure' });
    expect(mergeStep({ gatewayId: 'gw-b', ticket: only, alarm: null }, undefined, undefined).kind).toBe('take');
    expect(mergeStep({ gatewayId: 'gw-b', ticket: open, alarm: null }, open, open).kind).toBe('same');
  });
});
