import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createCentralService } from '../../../simulators/central/index.js';
import { captureLog } from '../../helpers/capture-log.js';
import { drained, noDoubleEffect, syncSetup as setup } from '../../helpers/sync-setup.js';

/**
 * Issue 17: the sender against a central service that answers strangely (the reference service's
 * fault injector), each case one that once broke it. The gateway must stay correct whatever it
 * receives: bounded waits, nothing acted on that it did not understand, every refusal visible.
 */
const uploads = (central: { requests: { url: string }[] }): number => central.requests.filter((r) => r.url.startsWith('/v1/tickets')).length;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sync against a misbehaving central service', () => {
  it.each([
    ['a Retry-After that overflows a timer (3000000 s)', 3_000_000],
    ['a Retry-After of a day', 86_400],
  ])('honours %s only up to central.maxRetryAfterSeconds', async (_name, seconds) => {
    const { log, text } = captureLog();
    const { central, sender, raise } = await setup({ central: { maxRetryAfterSeconds: 2 }, log });
    await central.inject({ kind: 'unavailable', retryAfterSeconds: seconds });
    await sender.start();
    const [t] = await raise('general', 1);
    await vi.waitFor(() => expect(sender.status().state).toBe('backoff'));
    // No storm: an overflowing timer once fired every millisecond.
    await pause(500);
    expect(uploads(central)).toBeLessThanOrEqual(2);
    const waits = text()
      .split('\n')
      .filter((l) => l.includes('"sync.retry"'))
      .map((l) => (JSON.parse(l) as { retryInMs: number }).retryInMs);
    expect(waits.length).toBeGreaterThan(0);
    for (const w of waits) expect(w).toBeLessThanOrEqual(2_000);
    // Healthy again: delivered after the capped wait, with nobody pressing retry.
    await central.inject({ kind: 'none' });
    await drained(sender);
    noDoubleEffect(central, [t!.id]);
  });

  it('tries a new emergency at once while backing off from a long Retry-After', async () => {
    const { central, sender, raise, tickets } = await setup({ central: { maxRetryAfterSeconds: 300 } });
    await central.inject({ kind: 'unavailable', retryAfterSeconds: 120 });
    await sender.start();
    const [general] = await raise('general', 1);
    await vi.waitFor(() => expect(sender.status().state).toBe('backoff'));
    await central.inject({ kind: 'none' });
    // Central is healthy, the sender waits two minutes: a new emergency must not wait behind that.
    const [emergency] = await raise('emergency', 1);
    await vi.waitFor(() => expect(central.ticket(emergency!.id)).toBeDefined(), { timeout: 10_000, interval: 20 });
    // The probe's batch carries the general ticket too (emergency first); nothing twice.
    await drained(sender);
    noDoubleEffect(central, [emergency!.id, general!.id]);
    expect(tickets.get(emergency!.id)?.status).toBe('raised');
  });

  it.each([
    ['{}', {}, /the answer is \{\}|results is undefined/],
    ['{"results": "ok"}', { results: 'ok' }, /results is "ok", not an array/],
    ['{"results": []}', { results: [] }, /names none of the 1 ticket/],
    ['null', null, /the answer is null/],
  ])('treats a 200 answer of %s as an error with backoff and says what was wrong', async (_name, body, why) => {
    const { central, sender, raise } = await setup();
    await central.inject({ kind: 'reply', on: 'batch', status: 200, body });
    await sender.start();
    const [t] = await raise('general', 1);
    await vi.waitFor(() => expect(sender.status().state).toBe('backoff'));
    expect(sender.status().lastError).toMatch(why);
    expect(sender.status().lastError).toMatch(/breaks the contract/);
    // Backoff, not a spin: 98 requests in 10 s were seen once (about 30 in 3 s). With full jitter a
    // few retries may come quickly, but the ceiling doubles from 0.5 s: a dozen in 3 s at the very most.
    await pause(3_000);
    expect(uploads(central)).toBeLessThanOrEqual(12);
    expect(sender.status().deadLetters).toBe(0);
    await central.inject({ kind: 'none' });
    // What is tested is the answer's handling, not how long the backoff has grown by now.
    sender.retryNow();
    await drained(sender);
    noDoubleEffect(central, [t!.id]);
  });

  it('retries, never dead-letters, an item whose result it does not understand', async () => {
    const { central, sender, raise, store } = await setup();
    await central.inject({ kind: 'unknown-result', result: 'queued' });
    await sender.start();
    const raised = await raise('general', 3);
    await vi.waitFor(() => expect(sender.status().lastError).toMatch(/result for ticket .* is "queued", not accepted, duplicate or rejected/));
    expect(store.data.deadLetters).toEqual([]);
    expect(sender.status().backlog).toBe(3);
    await central.inject({ kind: 'none' });
    // What is tested is the answer's handling, not how long the backoff has grown by now.
    sender.retryNow();
    await drained(sender);
    // Central applied them the first time; the retry is a duplicate, one effect each.
    noDoubleEffect(central, raised.map((t) => t.id));
    expect(store.data.deadLetters).toEqual([]);
  });

  it('follows no redirect: the tickets never reach the other origin, and the error says where it pointed', async () => {
    const elsewhere = createCentralService({ tokens: ['good-token'], progress: false });
    const elsewhereUrl = await elsewhere.start(0);
    onTestFinished(() => elsewhere.stop());
    const { central, sender, raise } = await setup();
    await central.inject({ kind: 'redirect', status: 307, location: `${elsewhereUrl}/v1/tickets/batch` });
    await sender.start();
    await raise('emergency', 2);
    await vi.waitFor(() => expect(sender.status().lastError).toContain(`HTTP 307 redirect to ${elsewhereUrl}/v1/tickets/batch not followed`));
    await pause(300);
    expect(elsewhere.requests).toEqual([]);
    expect(elsewhere.tickets()).toEqual([]);
  });

  it('splits a batch the service finds too large (413) and dead-letters only the item too large on its own', async () => {
    const { central, sender, raise, tickets, store } = await setup({ bodyLimitBytes: 12_000 });
    const raised = await raise('general', 3);
    // One ticket grows past the limit by itself (a long note).
    const big = await tickets.mutate(raised[0]!.id, 'user:eng-1', () => ({ action: 'note', note: '长'.repeat(4000) }));
    await sender.start();
    await vi.waitFor(() => expect(store.data.deadLetters.map((d) => d.ticketId)).toEqual([big.id]), { timeout: 15_000 });
    expect(store.data.deadLetters[0]?.reason).toMatch(/HTTP 413/);
    await drained(sender);
    noDoubleEffect(central, raised.slice(1).map((t) => t.id));
  });

  it('validates every update: refuses a move backwards, an unknown status and a gateway status, keeps each refusal visible, and applies the rest', async () => {
    const { central, sender, raise, tickets, store } = await setup();
    const refused: string[] = [];
    sender.on('updateRefused', (u) => refused.push(`${u.kind}:${u.status}`));
    await sender.start();
    const [t] = await raise('general', 1);
    await drained(sender);
    central.setStatus(t!.id, 'dispatched', '王师傅');
    central.setStatus(t!.id, 'resolved');
    await vi.waitFor(() => expect(tickets.get(t!.id)?.status).toBe('resolved'));
    const at = new Date(Date.now() + 1000).toISOString();
    central.pushRawUpdate({ ticketId: t!.id, status: 'dispatched', at });
    central.pushRawUpdate({ ticketId: t!.id, status: 'pwned<script>', at });
    central.pushRawUpdate({ ticketId: t!.id, status: 'acknowledged', at });
    central.pushRawUpdate({ ticketId: t!.id, status: 'closed', at: 'yesterday' });
    central.pushRawUpdate({ ticketId: 'no-such-ticket', status: 'closed', at });
    central.setStatus(t!.id, 'closed', undefined, '回访满意 follow-up: satisfied');
    await vi.waitFor(() => expect(tickets.get(t!.id)?.status).toBe('closed'));
    const after = tickets.get(t!.id)!;
    expect(after.history.filter((h) => h.actor === 'central').map((h) => h.status)).toEqual(['dispatched', 'resolved', 'closed']);
    expect(JSON.stringify(after)).not.toContain('pwned');
    expect(after.centralNumber).toMatch(/^WO/);
    expect(after.history.at(-1)?.note).toBe('回访满意 follow-up: satisfied');
    expect(refused).toEqual(['refused:dispatched', 'refused:pwned<script>', 'refused:acknowledged', 'refused:closed', 'refused:closed']);
    const letters = store.data.deadLetters.filter((d) => d.update !== undefined);
    expect(letters.map((d) => d.update?.status)).toEqual(['dispatched', 'pwned<script>', 'acknowledged', 'closed', 'closed']);
    expect(letters[0]?.reason).toBe('update refused: it would move the ticket back from resolved to dispatched');
    expect(sender.status().deadLetters).toBe(5);
    // What the gateway did with each, told back to central.
    await vi.waitFor(() => expect(central.acks.filter((a) => a.result === 'refused')).toHaveLength(5));
    expect(central.acks.filter((a) => a.result === 'applied')).toHaveLength(3);
  });

  it('keeps central\'s time as the history time and drops a replayed update', async () => {
    const { central, sender, raise, tickets } = await setup();
    await sender.start();
    const [t] = await raise('general', 1);
    await drained(sender);
    const at = '2026-11-27T01:02:03.000Z';
    central.pushRawUpdate({ id: 'wo-77', ticketId: t!.id, status: 'dispatched', assignee: '李师傅', at });
    await vi.waitFor(() => expect(tickets.get(t!.id)?.status).toBe('dispatched'));
    const version = tickets.get(t!.id)!.version;
    expect(tickets.get(t!.id)!.history.at(-1)).toMatchObject({ actor: 'central', status: 'dispatched', at });
    // The same update again (a central service replaying its feed): no second change.
    central.pushRawUpdate({ id: 'wo-77', ticketId: t!.id, status: 'dispatched', assignee: '李师傅', at });
    await vi.waitFor(() => expect(central.acks.map((a) => `${a.id}:${a.result}`)).toEqual(['wo-77:applied', 'wo-77:duplicate']));
    expect(tickets.get(t!.id)!.version).toBe(version);
  });

  it('keeps its cursor and says what was wrong when the updates answer is not a list', async () => {
    const { central, sender, raise, store } = await setup();
    await sender.start();
    await raise('general', 1);
    await drained(sender);
    await vi.waitFor(() => expect(store.data.sync.cursor).not.toBeNull());
    const cursor = store.data.sync.cursor;
    await central.inject({ kind: 'reply', on: 'updates', status: 200, body: { updates: 'none', cursor: '5' } });
    await vi.waitFor(() => expect(sender.status().lastError).toBe("the central service's updates break the contract: updates is \"none\", not an array"));
    expect(store.data.sync.cursor).toBe(cursor);
  });

  it('reads from the start when central no longer knows its cursor, and a replayed feed changes nothing twice', async () => {
    const { central, sender, raise, tickets, store } = await setup();
    await sender.start();
    const [t] = await raise('general', 1);
    await drained(sender);
    central.setStatus(t!.id, 'dispatched', '王师傅');
    await vi.waitFor(() => expect(tickets.get(t!.id)?.status).toBe('dispatched'));
    await vi.waitFor(() => expect(store.data.sync.cursor).not.toBe('0'));
    const version = tickets.get(t!.id)!.version;
    // Central's log was reset: the old cursor is unknown (400 invalid_cursor).
    await central.inject({ kind: 'reply', on: 'updates', status: 400, body: { error: { code: 'invalid_cursor', message: 'unknown cursor' } } });
    await vi.waitFor(() => expect(store.data.sync.cursor).toBeNull());
    await central.inject({ kind: 'none' });
    // The whole feed again: the dispatch is known by its id, acknowledged as a duplicate, applied once.
    await vi.waitFor(() => expect(central.acks.map((a) => a.result)).toEqual(['applied', 'duplicate']));
    expect(tickets.get(t!.id)!.version).toBe(version);
  });
});
