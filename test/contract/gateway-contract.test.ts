import { describe, expect, it, vi } from 'vitest';
import { loadOpenApi } from '../../cloud-sync/openapi.js';
import type { SyncSender } from '../../cloud-sync/sender.js';
import { drained, noDoubleEffect, syncSetup } from '../helpers/sync-setup.js';

type Responses = Record<string, unknown>;
const doc = loadOpenApi() as { paths: Record<string, Record<string, { responses: Responses }>> };
const declared = (path: string, method: string): string[] => Object.keys(doc.paths[path]?.[method]?.responses ?? {});
const error = (code: string) => ({ error: { code, message: `a ${code} from the contract test` } });

/** What the sender must do with an upload answered with this status (every status the document declares has a row). */
const UPLOAD_REACTIONS: Record<string, { body: (id: string) => unknown; headers?: Record<string, string>; then: 'delivered' | 'dead-letter' | 'unauthorized' | 'backoff' }> = {
  '200': { body: (id) => ({ results: [{ id, version: 1, result: 'accepted' }] }), then: 'delivered' },
  '400': { body: () => error('bad_request'), then: 'dead-letter' },
  '401': { body: () => error('unauthorized'), then: 'unauthorized' },
  '403': { body: () => error('forbidden'), then: 'unauthorized' },
  '409': { body: () => error('stale_epoch'), then: 'backoff' },
  '413': { body: () => error('too_large'), then: 'dead-letter' },
  '429': { body: () => error('unavailable'), headers: { 'retry-after': '1' }, then: 'backoff' },
  '500': { body: () => error('internal'), then: 'backoff' },
  '503': { body: () => error('unavailable'), headers: { 'retry-after': new Date(Date.now() + 1000).toUTCString() }, then: 'backoff' },
};

/**
 * The gateway's side of cloud-sync/openapi.json: every request it makes passes the reference
 * service's schema checks (a 400 would show), and every response the document allows for an upload
 * gets the reaction the document promises. A status added to the document without a row here fails.
 */
describe('the gateway follows cloud-sync/openapi.json', () => {
  it('has a reaction for every upload response the document declares', () => {
    expect(declared('/v1/tickets/batch', 'post').sort()).toEqual(Object.keys(UPLOAD_REACTIONS).sort());
  });

  it.each(Object.entries(UPLOAD_REACTIONS))('reacts to an upload answered %s as the document says', async (status, r) => {
    const { central, sender, raise, store } = await syncSetup({ central: { maxRetryAfterSeconds: 1 } });
    const [t] = await raise('general', 1);
    await central.inject({ kind: 'reply', on: 'batch', status: Number(status), body: r.body(t!.id), ...(r.headers === undefined ? {} : { headers: r.headers }) });
    await sender.start();
    const state = (s: SyncSender) => s.status().state;
    if (r.then === 'delivered') await drained(sender);
    if (r.then === 'dead-letter') await vi.waitFor(() => expect(store.data.deadLetters.map((d) => d.ticketId)).toEqual([t!.id]));
    if (r.then === 'unauthorized') await vi.waitFor(() => expect(state(sender)).toBe('unauthorized'));
    if (r.then === 'backoff') {
      await vi.waitFor(() => expect(state(sender)).toBe('backoff'));
      expect(sender.status().lastError).toContain(`HTTP ${status}`);
      // The service's wait is honoured (capped at 1 s here): the ticket arrives once it answers again.
      await central.inject({ kind: 'none' });
      await drained(sender);
      noDoubleEffect(central, [t!.id]);
    }
    expect(central.requests.filter((q) => q.url.startsWith('/v1/tickets') && q.status === 400 && r.then !== 'dead-letter')).toEqual([]);
  });

  it('sends only requests the document allows, and applies every update shape it allows', async () => {
    const { central, sender, raise, tickets } = await syncSetup({ progress: false });
    await sender.start();
    // A ticket with a staff step and a note: the snapshot's optional fields (photos: sync-sender.test.ts).
    const [t] = await raise('general', 1);
    await tickets.step(t!.id, 'take', { user: { id: 'eng-1', name: '张工' } });
    await tickets.mutate(t!.id, 'user:eng-1', () => ({ action: 'note', note: '已关阀 valve shut' }));
    await drained(sender);
    // Every status central may send, with every optional field of an update.
    for (const [status, extra] of [
      ['dispatched', { assignee: '王师傅', centralNumber: 'WO-1' }],
      ['in_progress', {}],
      ['on_hold', { note: '等配件' }],
      ['in_progress', {}],
      ['resolved', {}],
      ['reopened', { note: '业主投诉 owner complained' }],
      ['dispatched', {}],
      ['resolved', {}],
      ['closed', { note: '回访满意' }],
    ] as const) {
      central.setStatus(t!.id, status, 'assignee' in extra ? extra.assignee : undefined, 'note' in extra ? extra.note : undefined);
      await vi.waitFor(() => expect(tickets.get(t!.id)?.status).toBe(status));
    }
    expect(tickets.get(t!.id)?.centralNumber).toMatch(/^WO/);
    await drained(sender);
    // Every request the gateway made was one the document allows: the reference service checks each.
    expect(central.requests.filter((q) => q.status === 400)).toEqual([]);
    expect(central.contractViolations).toEqual([]);
    expect(central.acks.filter((a) => a.result !== 'applied')).toEqual([]);
    expect(central.acks).toHaveLength(9);
    expect(sender.status().deadLetters).toBe(0);
  });
});
