import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { ForeignRegistration, type RegistrationState } from '../../../adapters/bacnet/foreign-registration.js';
import { NetworkLayer } from '../../../adapters/bacnet/network-layer.js';
import { UdpTransport } from '../../../adapters/bacnet/udp-transport.js';
import { ManualClock } from '../../../core/clock.js';
import { SimulatedBbmd } from '../../../simulators/bacnet/simulated-bbmd.js';

const WAIT = { timeout: 10_000, interval: 20 };

/** A foreign device's socket and the simulated BBMD, over UDP on 127.0.0.1; time moves only when told. */
async function rig(o: { refuse?: boolean; ttlSeconds?: number } = {}) {
  const clock = new ManualClock();
  const bbmd = new SimulatedBbmd({ clock, refuseRegistration: o.refuse ?? false });
  await bbmd.start(0);
  onTestFinished(() => bbmd.stop());
  const transport = new UdpTransport({ host: '127.0.0.1', port: 0 });
  transport.open();
  await transport.ready;
  onTestFinished(() => transport.close());
  const network = new NetworkLayer(transport);
  const changes: RegistrationState[] = [];
  const registration = new ForeignRegistration(
    { bbmd: bbmd.address, ttlSeconds: o.ttlSeconds ?? 60, timeoutMs: 1000, backoff: { baseMs: 100, capMs: 400 } },
    { network, clock, onChange: (s) => changes.push(s) },
  );
  onTestFinished(() => registration.stop());
  // BVLC-Results the socket took in (the registration hears each before this count moves).
  const results = { n: 0 };
  network.on('bvlc-result', () => void (results.n += 1));
  return { clock, bbmd, network, registration, changes, results };
}

describe('foreign-device registration with a BBMD (Annex J.5.2)', () => {
  it('registers with its TTL, and again at half of it in elapsed time; a step of the wall clock changes nothing', async () => {
    const r = await rig({ ttlSeconds: 60 });
    await r.registration.start();
    expect(r.registration.state).toEqual({ state: 'registered', bbmd: r.bbmd.address, ttlSeconds: 60 });
    expect(r.bbmd.foreignDevices()).toHaveLength(1);
    expect(r.bbmd.served.registrations).toBe(1);
    // A day forward on the wall clock is no time at all for a registration.
    r.clock.step(86_400_000);
    r.clock.advance(29_999);
    expect(r.clock.pendingTimers).toBe(1);
    expect(r.bbmd.served.registrations).toBe(1);
    r.clock.advance(1);
    await vi.waitFor(() => expect(r.results.n).toBe(2), WAIT);
    expect(r.bbmd.served.registrations).toBe(2);
    r.clock.advance(30_000);
    await vi.waitFor(() => expect(r.results.n).toBe(3), WAIT);
    expect(r.bbmd.served.registrations).toBe(3);
    // The BBMD still holds it: its entry lasts the TTL plus 30 s from the last registration (J.5.2.1).
    expect(r.bbmd.foreignDevices()).toHaveLength(1);
    expect(r.changes.map((c) => c.state)).toEqual(['registered']);
  });

  it('says GW_BACNET_BBMD_NAK once when the BBMD refuses (Register-Foreign-Device NAK), retries, and says so when it accepts', async () => {
    const r = await rig({ refuse: true });
    await r.registration.start();
    expect(r.registration.state).toMatchObject({ state: 'refused', code: 'GW_BACNET_BBMD_NAK', reason: expect.stringContaining('BVLC-Result 0x0030 (Register-Foreign-Device NAK)') });
    for (let i = 2; i <= 4; i++) {
      // The retry waits at most the backoff's cap (400 ms here).
      r.clock.advance(400);
      await vi.waitFor(() => expect(r.results.n).toBe(i), WAIT);
    }
    expect(r.bbmd.served.refused).toBe(4);
    expect(r.changes.map((c) => c.state)).toEqual(['refused']);
    r.bbmd.refuseRegistrations(false);
    r.clock.advance(400);
    await vi.waitFor(() => expect(r.registration.state.state).toBe('registered'), WAIT);
    expect(r.changes.map((c) => c.state)).toEqual(['refused', 'registered']);
  });

  it('registers again at once when the BBMD has forgotten it (its Distribute-Broadcast-To-Network NAK)', async () => {
    const r = await rig();
    await r.registration.start();
    r.bbmd.forgetForeignDevices();
    r.network.whoIs({ via: 'bbmd', address: r.bbmd.address });
    await vi.waitFor(() => expect(r.bbmd.served.registrations).toBe(2), WAIT);
    await vi.waitFor(() => expect(r.registration.state.state).toBe('registered'), WAIT);
    expect(r.changes[1]).toMatchObject({ state: 'refused', code: 'GW_BACNET_BBMD_NAK', reason: expect.stringContaining('Distribute-Broadcast-To-Network NAK') });
    expect(r.bbmd.foreignDevices()).toHaveLength(1);
  });

  it('says GW_BACNET_TIMEOUT when the BBMD does not answer within its timeout', async () => {
    const r = await rig();
    await r.bbmd.stop();
    const started = r.registration.start();
    r.clock.advance(1000);
    await started;
    expect(r.registration.state).toMatchObject({ state: 'silent', code: 'GW_BACNET_TIMEOUT', reason: expect.stringMatching(/did not answer Register-Foreign-Device within 1000 ms/) });
  });
});
