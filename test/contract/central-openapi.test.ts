import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadOpenApi } from '../../cloud-sync/openapi.js';
import { createCentralService } from '../../simulators/central/index.js';
import { ContractValidator } from '../../simulators/central/contract-validator.js';
import { pngPhoto } from '../helpers/photo.js';

const snapshot = (id: string, version: number) => ({
  id,
  number: 'TS01-20260105-0001',
  siteId: 'site-a',
  version,
  kind: 'fault',
  createdAt: '2026-01-05T02:00:00.000Z',
  updatedAt: '2026-01-05T02:00:00.000Z',
  tier: 'emergency',
  fault: 'water-leak',
  deviceId: 'leak-1',
  location: { building: 'T1', floor: 'B1', description: 'B1' },
  skill: 'plumbing',
  title: { zh: '漏水', en: 'Leak' },
  status: 'raised',
  deadlines: { acknowledgeBy: '2026-01-05T02:05:00.000Z', dispatchBy: '2026-01-05T02:15:00.000Z', onSiteBy: null, resolveBy: '2026-01-05T06:00:00.000Z' },
  history: [{ at: '2026-01-05T02:00:00.000Z', actor: 'gateway', action: 'raised' }],
});

describe('the reference central service follows cloud-sync/openapi.json', () => {
  it('answers every operation of the document, and only with the shapes it declares', async () => {
    const central = createCentralService({ tokens: { 'tok-a': ['site-a'] }, progress: false });
    const url = await central.start(0);
    onTestFinished(() => central.stop());
    const v = new ContractValidator();
    const doc = loadOpenApi() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const call = async (method: string, path: string, body?: unknown, token = 'tok-a') => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const opPath = path.split('?')[0]!;
      const declared = Object.keys(doc.paths[opPath]?.[method.toLowerCase()]?.responses ?? {});
      expect(declared, `${method} ${opPath} ${res.status} is declared`).toContain(String(res.status));
      return { status: res.status, body: (await res.json()) as unknown };
    };

    const ok = await call('POST', '/v1/tickets/batch', { siteId: 'site-a', items: [snapshot('t1', 1), snapshot('t2', 1)] });
    expect(ok.status).toBe(200);
    expect(v.check('BatchResponse', ok.body)).toEqual([]);
    expect(ok.body).toEqual({ results: [{ id: 't1', version: 1, result: 'accepted' }, { id: 't2', version: 1, result: 'accepted' }] });

    const dup = await call('POST', '/v1/tickets/batch', { siteId: 'site-a', items: [snapshot('t1', 1), snapshot('t1', 2)] });
    expect(dup.body).toEqual({ results: [{ id: 't1', version: 1, result: 'duplicate', heldVersion: 1 }, { id: 't1', version: 2, result: 'accepted' }] });

    for (const [status, body, token] of [
      [400, { siteId: 'site-a', items: [{ id: 'x' }] }, 'tok-a'],
      [401, { siteId: 'site-a', items: [snapshot('t3', 1)] }, 'wrong'],
      [403, { siteId: 'site-b', items: [snapshot('t3', 1)] }, 'tok-a'],
      // An item's siteId must be the batch's.
      [400, { siteId: 'site-a', items: [{ ...snapshot('t3', 1), siteId: 'site-b' }] }, 'tok-a'],
    ] as const) {
      const r = await call('POST', '/v1/tickets/batch', body, token);
      expect(r.status).toBe(status);
      expect(v.check('Error', r.body)).toEqual([]);
    }

    central.setStatus('t1', 'dispatched', 'Wang');
    central.setStatus('t1', 'on_hold', undefined, '等配件 waiting for parts');
    const updates = await call('GET', '/v1/updates?siteId=site-a');
    expect(updates.status).toBe(200);
    expect(v.check('UpdatesResponse', updates.body)).toEqual([]);
    // 2.0: each update has an id and central's time; the first names central's work order.
    expect(updates.body).toMatchObject({ updates: [{ id: expect.any(String), ticketId: 't1', status: 'dispatched', assignee: 'Wang', centralNumber: expect.stringMatching(/^WO/) }, { status: 'on_hold', note: '等配件 waiting for parts' }] });
    const { cursor } = updates.body as { cursor: string };
    const again = await call('GET', `/v1/updates?siteId=site-a&since=${cursor}`);
    expect(again.body).toEqual({ updates: [], cursor });
    for (const since of ['nonsense', '999999']) {
      const bad = await call('GET', `/v1/updates?siteId=site-a&since=${since}`);
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: { code: 'invalid_cursor' } });
      expect(v.check('Error', bad.body)).toEqual([]);
    }
    // The gateway acknowledges what it did with each update.
    const ids = (updates.body as { updates: { id: string }[] }).updates.map((u) => u.id);
    const ack = await fetch(`${url}/v1/updates/ack`, { method: 'POST', headers: { authorization: 'Bearer tok-a', 'content-type': 'application/json' }, body: JSON.stringify({ siteId: 'site-a', results: [{ id: ids[0], result: 'applied' }, { id: ids[1], result: 'refused', reason: 'no' }] }) });
    expect(ack.status).toBe(204);
    expect(central.acks.map((a) => a.result)).toEqual(['applied', 'refused']);
    expect((await call('POST', '/v1/updates/ack', { siteId: 'site-a', results: [] })).status).toBe(400);

    // Photos: PUT first (idempotent), then a snapshot may name them; one that names a photo the
    // service does not have is refused per item.
    const photo = pngPhoto();
    const sha = createHash('sha256').update(photo).digest('hex');
    const putDeclared = Object.keys(doc.paths['/v1/sites/{siteId}/attachments/{attachmentId}']?.['put']?.responses ?? {});
    const put = async (site: string, id: string, bytes: Buffer, sha256: string, token = 'tok-a') => {
      const r = await fetch(`${url}/v1/sites/${site}/attachments/${id}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png', 'x-content-sha256': sha256 }, body: bytes });
      expect(putDeclared, `PUT attachment ${r.status} is declared`).toContain(String(r.status));
      const body = (await r.json()) as unknown;
      if (r.status >= 400) expect(v.check('Error', body)).toEqual([]);
      return r.status;
    };
    const named = { ...snapshot('t4', 1), attachments: [{ id: 'p-1', contentType: 'image/png', bytes: photo.length, sha256: sha, purpose: 'report', at: '2026-01-05T02:00:00.000Z', by: 'p-wang' }] };
    const early = await call('POST', '/v1/tickets/batch', { siteId: 'site-a', items: [named] });
    expect(early.body).toMatchObject({ results: [{ id: 't4', result: 'rejected' }] });
    expect(await put('site-a', 'p-1', photo, sha)).toBe(201);
    expect(await put('site-a', 'p-1', photo, sha)).toBe(200);
    expect(await put('site-a', 'p-1', pngPhoto(8, 8), createHash('sha256').update(pngPhoto(8, 8)).digest('hex'))).toBe(400);
    expect(await put('site-a', 'p-2', photo, '0'.repeat(64))).toBe(400);
    expect(await put('site-a', 'p-3', photo, sha, 'wrong')).toBe(401);
    expect(await put('site-b', 'p-4', photo, sha)).toBe(403);
    const later = await call('POST', '/v1/tickets/batch', { siteId: 'site-a', items: [named] });
    expect(later.body).toEqual({ results: [{ id: 't4', version: 1, result: 'accepted' }] });
    expect(v.check('TicketSnapshot', named)).toEqual([]);

    // A body larger than the service takes: 413, in the contract's error shape.
    const small = createCentralService({ tokens: ['t'], progress: false, bodyLimitBytes: 4096 });
    const smallUrl = await small.start(0);
    onTestFinished(() => small.stop());
    const big = await fetch(`${smallUrl}/v1/tickets/batch`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: JSON.stringify({ siteId: 'site-a', items: [{ ...snapshot('t9', 1), note: 'x'.repeat(5000) }] }) });
    expect(big.status).toBe(413);
    expect(v.check('Error', await big.json())).toEqual([]);
    expect(central.contractViolations).toEqual([]);

    await central.inject({ kind: 'unavailable', retryAfterSeconds: 3 });
    const res = await fetch(`${url}/v1/updates?siteId=site-a`, { headers: { authorization: 'Bearer tok-a' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(v.check('Error', await res.json())).toEqual([]);
  });

  it('refuses request bodies that do not match the document', () => {
    const v = new ContractValidator();
    expect(v.check('BatchRequest', { siteId: 'a', items: [snapshot('t', 1)] })).toEqual([]);
    expect(v.check('BatchRequest', { siteId: 'a', items: [] }).length).toBeGreaterThan(0);
    expect(v.check('BatchRequest', { siteId: 'a', items: [{ ...snapshot('t', 1), number: 'bad' }] }).join()).toContain('/items/0/number');
  });
});
