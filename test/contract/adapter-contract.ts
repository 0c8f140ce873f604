import { describe, expect, it, onTestFinished } from 'vitest';
import type { Adapter, AdapterStatus, LinkState, UpstreamChange } from '../../core/adapter.js';
import type { Reading } from '../../core/reading.js';

/** What a protocol brings to the contract: an adapter and the real server it talks to. */
export interface ContractSubject {
  /** Made, not started. */
  readonly adapter: Adapter;
  /** The one point the suite watches. */
  readonly point: { readonly deviceId: string; readonly pointId: string };
  /** The device sets the watched point to this value (a small whole number). */
  emit(value: number): Promise<void>;
  /** The server goes away (every connection cut) / comes back on the same address. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
}

export interface ContractOptions {
  /** Bound on each wait (connect, reconnect, a reading); generous, the machine is shared. */
  readonly timeoutMs?: number;
  /**
   * A push protocol (HTTP push) keeps no connection of its own to a server: it has no upstream to
   * report, and loses a device by its silence. The comm-loss test then checks the device and the
   * adapter's state only, not upstream changes and reconnect counts.
   */
  readonly noUpstream?: boolean;
}

const STATES: readonly LinkState[] = ['idle', 'connecting', 'online', 'backoff', 'stopping', 'stopped'];

/**
 * Polls `check` until it stops throwing. Its own timer has fired by the time `check` runs, so a
 * check that counts active handles does not count the poll.
 */
async function until(check: () => void, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function countByType(): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of process.getActiveResourcesInfo()) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

/** Active resources now that were not there in `before` (by type and count). */
function newResources(before: Map<string, number>): string[] {
  const extra: string[] = [];
  for (const [t, n] of countByType()) if (n > (before.get(t) ?? 0)) extra.push(`${t} x${n - (before.get(t) ?? 0)}`);
  return extra;
}

function expectStatusShape(s: AdapterStatus, kind: Adapter['kind']): void {
  expect(s.kind).toBe(kind);
  expect(STATES).toContain(s.state);
  expect(typeof s.connected).toBe('boolean');
  expect(s.lastGoodReadingTs === null || Number.isFinite(s.lastGoodReadingTs)).toBe(true);
  expect(Number.isInteger(s.readings) && s.readings >= 0).toBe(true);
  for (const n of Object.values(s.errors)) expect(Number.isInteger(n) && n > 0).toBe(true);
  expect(s.lastError === null || typeof s.lastError === 'string').toBe(true);
  for (const u of s.upstreams) {
    expect(Object.keys(u).sort()).toEqual(['address', 'deviceIds', 'id', 'kind', 'lastError', 'reconnects', 'since', 'state']);
    expect(STATES).toContain(u.state);
    expect(['mqtt-broker', 'modbus-tcp', 'modbus-rtu', 'opcua-server', 'bacnet-device', 'snmp-agent']).toContain(u.kind);
  }
  for (const d of s.devices) {
    expect(Object.keys(d).sort()).toEqual(['deviceId', 'errors', 'lastError', 'lastGoodReadingTs', 'state']);
    expect(['unknown', 'good', 'bad']).toContain(d.state);
  }
}

/**
 * The contract every protocol adapter keeps (STYLE.md, example 12), run against a real server:
 * idempotent start and stop, stop releases every handle, one status shape and lifecycle,
 * normalized readings, comm loss as quality bad and status (never a throw), and reconnection.
 */
export function adapterContract(name: string, kind: Adapter['kind'], make: () => Promise<ContractSubject>, opts: ContractOptions = {}): void {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const testTimeout = timeoutMs * 3;

  async function subject(): Promise<ContractSubject & { readings: Reading[]; upstream: UpstreamChange[]; statuses: AdapterStatus[] }> {
    const s = await make();
    const readings: Reading[] = [];
    const upstream: UpstreamChange[] = [];
    const statuses: AdapterStatus[] = [];
    s.adapter.on('reading', (r) => readings.push(r));
    s.adapter.on('upstream', (u) => upstream.push(u));
    s.adapter.on('status', (st) => statuses.push(st));
    s.adapter.on('error', () => undefined);
    onTestFinished(() => s.adapter.stop());
    return { ...s, readings, upstream, statuses };
  }

  const watched = (s: ContractSubject, r: Reading): boolean => r.deviceId === s.point.deviceId && r.pointId === s.point.pointId;
  const gotGood = (s: ContractSubject & { readings: Reading[] }, value: number, from = 0): boolean =>
    s.readings.slice(from).some((r) => watched(s, r) && r.quality === 'good' && r.value === value);

  describe(`adapter contract: ${name}`, () => {
    it('starts idempotently, goes online, and keeps one status shape through its lifecycle', async () => {
      const s = await subject();
      expectStatusShape(s.adapter.status(), kind);
      expect(s.adapter.status().state).toBe('idle');
      await Promise.all([s.adapter.start(), s.adapter.start()]);
      await s.adapter.start();
      await until(() => expect(s.adapter.status()).toMatchObject({ state: 'online', connected: true }), timeoutMs);
      expectStatusShape(s.adapter.status(), kind);
      for (const st of s.statuses) expectStatusShape(st, kind);
      expect(s.adapter.status().upstreams.every((u) => u.deviceIds.includes(s.point.deviceId))).toBe(true);
      await s.adapter.stop();
      expect(s.adapter.status().state).toBe('stopped');
      expectStatusShape(s.adapter.status(), kind);
    }, testTimeout);

    it('delivers normalized readings {deviceId, pointId, value, quality, ts}', async () => {
      const s = await subject();
      await s.adapter.start();
      await until(() => expect(s.adapter.status().connected).toBe(true), timeoutMs);
      await s.emit(41);
      await until(() => expect(gotGood(s, 41)).toBe(true), timeoutMs);
      const r = s.readings.find((x) => watched(s, x) && x.value === 41);
      expect(r).toBeDefined();
      if (r === undefined) return;
      // `more: true` marks a reading with others of the same answer to follow (Reading.more).
      expect(Object.keys(r).filter((k) => k !== 'more').sort()).toEqual(['deviceId', 'pointId', 'quality', 'ts', 'value']);
      if ('more' in r) expect(r.more).toBe(true);
      expect(Number.isFinite(r.ts) && Math.abs(r.ts - Date.now()) < 60_000).toBe(true);
      const st = s.adapter.status();
      expect(st.readings).toBeGreaterThan(0);
      expect(st.lastGoodReadingTs).not.toBeNull();
      expect(st.devices.find((d) => d.deviceId === s.point.deviceId)?.state).toBe('good');
    }, testTimeout);

    it('reports comm loss as quality bad and status without throwing, and reconnects when the server is back', async () => {
      const s = await subject();
      await s.adapter.start();
      // A push protocol (MQTT) delivers only what is published once it is subscribed.
      await until(() => expect(s.adapter.status().connected).toBe(true), timeoutMs);
      await s.emit(42);
      await until(() => expect(gotGood(s, 42)).toBe(true), timeoutMs);

      await s.stopServer();
      if (opts.noUpstream !== true) await until(() => expect(s.upstream.some((u) => !u.up)).toBe(true), timeoutMs);
      await until(() => expect(s.readings.some((r) => watched(s, r) && r.quality === 'bad' && r.value === null && typeof r.reason === 'string')).toBe(true), timeoutMs);
      const down = s.adapter.status();
      expectStatusShape(down, kind);
      expect(down.connected).toBe(false);
      expect(['backoff', 'connecting']).toContain(down.state);
      expect(down.devices.find((d) => d.deviceId === s.point.deviceId)?.state).toBe('bad');
      expect(down.lastError ?? down.upstreams[0]?.lastError).toEqual(expect.any(String));

      await s.startServer();
      await until(() => expect(s.adapter.status().connected).toBe(true), timeoutMs);
      const from = s.readings.length;
      await s.emit(43);
      await until(() => expect(gotGood(s, 43, from)).toBe(true), timeoutMs);
      if (opts.noUpstream === true) {
        expect(s.upstream).toEqual([]);
        expect(s.adapter.status().devices.find((d) => d.deviceId === s.point.deviceId)?.state).toBe('good');
        return;
      }
      expect(s.upstream.at(-1)?.up).toBe(true);
      expect(s.upstream.filter((u) => !u.up)).toHaveLength(1); // one down per outage, not one per retry
      expect(s.adapter.status().upstreams[0]?.reconnects).toBeGreaterThanOrEqual(1);
    }, testTimeout);

    it('stops idempotently, releases every handle it opened, and can start again', async () => {
      const s = await subject();
      const before = countByType();
      await s.adapter.start();
      // A push protocol (MQTT) delivers only what is published once it is subscribed.
      await until(() => expect(s.adapter.status().connected).toBe(true), timeoutMs);
      await s.emit(44);
      await until(() => expect(gotGood(s, 44)).toBe(true), timeoutMs);
      await Promise.all([s.adapter.stop(), s.adapter.stop()]);
      await s.adapter.stop();
      expect(s.adapter.status().state).toBe('stopped');
      await until(() => expect(newResources(before)).toEqual([]), timeoutMs);
      const count = s.readings.length;
      await s.emit(45);
      expect(s.readings.length).toBe(count);

      await s.adapter.start();
      await until(() => expect(s.adapter.status().connected).toBe(true), timeoutMs);
      await s.emit(46);
      await until(() => expect(gotGood(s, 46, count)).toBe(true), timeoutMs);
      await s.adapter.stop();
      await until(() => expect(newResources(before)).toEqual([]), timeoutMs);
    }, testTimeout);
  });
}
