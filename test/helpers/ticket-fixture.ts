import type { Ticket } from '../../gateway/tickets/ticket.js';

const AT = '2026-01-05T02:00:00.000Z';

/**
 * A whole, valid ticket for store tests (the store checks every ticket it reads back), with a
 * description of about `size` characters so tests can reason about bytes.
 */
export function sampleTicket(id: string, version = 1, size = 200, overrides: Partial<Ticket> = {}): Ticket {
  return {
    id,
    number: `TS01-20260105-${String(version).padStart(4, '0')}`,
    siteId: 'test-site',
    version,
    kind: 'fault',
    createdAt: AT,
    updatedAt: AT,
    tier: 'general',
    fault: 'water-leak',
    deviceId: 'leak-1',
    deviceName: 'leak 1',
    location: { building: 'T1', floor: 'B1', description: 'B1 pump room', publicArea: true },
    skill: 'plumbing',
    publicArea: true,
    title: { zh: '漏水', en: 'Water leak' },
    description: { zh: 'x'.repeat(size), en: '' },
    evidence: [],
    occurrences: [{ at: AT }],
    source: 'sensor',
    reporter: null,
    status: 'raised',
    verification: { state: 'pending', by: null, at: null, note: null },
    condition: 'active',
    chattering: false,
    deadlines: { acknowledgeBy: AT, dispatchBy: AT, onSiteBy: null, resolveBy: AT },
    parentId: null,
    childIds: [],
    repeatOf: null,
    rework: false,
    assignee: null,
    attachments: [],
    recheck: { state: 'none', dueBy: null },
    history: [{ at: AT, actor: 'gateway', action: 'raised', status: 'raised' }],
    ...overrides,
  };
}
