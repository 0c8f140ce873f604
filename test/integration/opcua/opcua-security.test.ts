import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { AdapterError } from '../../../core/adapter.js';
import { OpcuaSource } from '../../../adapters/opcua/config.js';
import { createOpcuaAdapter, type OpcuaAdapter } from '../../../adapters/opcua/index.js';
import type { Reading } from '../../../core/reading.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/log.js';
import { SimulatedElevatorServer } from '../../../simulators/opcua/simulated-elevator.js';

const WAIT = { timeout: 30_000, interval: 100 };

describe('OPC UA adapter with message security and a user login', () => {
  let dir = '';
  let sim: SimulatedElevatorServer;
  let endpoint = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gw-opcua-sec-'));
    // Secured endpoints only, a user list, and a server of its own PKI that trusts new clients.
    sim = new SimulatedElevatorServer({ tickMs: 200, users: { operator: 'op-pw-1' }, securityModes: ['Sign', 'SignAndEncrypt'], securityPolicies: ['Basic256Sha256'], pkiDir: path.join(dir, 'server-pki') });
    endpoint = await sim.start(0);
  }, 60_000);
  afterAll(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(securityMode: 'Sign' | 'SignAndEncrypt', password: string): Promise<{ a: OpcuaAdapter; readings: Reading[]; errors: AdapterError[] }> {
    const a = await createOpcuaAdapter(
      {
        dataDir: path.join(dir, 'gateway-data'),
        backoff: { baseMs: 100, capMs: 500 },
        devices: [
          {
            id: 'lift-a',
            source: OpcuaSource.parse({
              protocol: 'opcua',
              endpoint,
              securityMode,
              securityPolicy: 'Basic256Sha256',
              username: 'operator',
              password: { env: 'OPCUA_PASSWORD' },
              samplingMs: 100,
              publishingMs: 200,
              points: [{ id: 'floor', nodeId: 'ns=1;s=ElevatorA.Floor' }, { id: 'faultCode', nodeId: 'ns=1;s=ElevatorA.FaultCode' }],
            }),
          },
        ],
      },
      { clock: systemClock, log: silentLogger(), env: { OPCUA_PASSWORD: password } },
    );
    const readings: Reading[] = [];
    const errors: AdapterError[] = [];
    a.on('reading', (r) => readings.push(r));
    a.on('error', (e) => errors.push(e));
    onTestFinished(() => a.stop());
    await a.start();
    return { a, readings, errors };
  }

  const certFile = (): string => path.join(dir, 'gateway-data', 'pki', 'own', 'certs', 'client_certificate.pem');
  const thumbprint = (pem: Buffer): string => createHash('sha1').update(new X509Certificate(pem).raw).digest('hex');

  it('reads over Sign and then SignAndEncrypt (Basic256Sha256) as the site user, with one client certificate made once', async () => {
    const first = await start('Sign', 'op-pw-1');
    await vi.waitFor(() => expect(first.readings.some((r) => r.pointId === 'floor' && r.quality === 'good')).toBe(true), WAIT);
    const pem = await readFile(certFile());
    const made = await stat(certFile());
    expect(sim.sessions()).toEqual([expect.objectContaining({ securityMode: 'Sign', securityPolicy: expect.stringMatching(/#Basic256Sha256$/), userName: 'operator', clientCertificateThumbprint: thumbprint(pem) })]);
    await first.a.stop();
    await vi.waitFor(() => expect(sim.sessions()).toEqual([]), WAIT);

    // The second start (a new adapter on the same data folder) reuses the certificate on disk.
    const second = await start('SignAndEncrypt', 'op-pw-1');
    await vi.waitFor(() => expect(second.readings.some((r) => r.pointId === 'floor' && r.quality === 'good')).toBe(true), WAIT);
    expect(sim.sessions()).toEqual([expect.objectContaining({ securityMode: 'SignAndEncrypt', userName: 'operator', clientCertificateThumbprint: thumbprint(pem) })]);
    expect(await readFile(certFile())).toEqual(pem);
    expect((await stat(certFile())).mtimeMs).toBe(made.mtimeMs);
    sim.set('faultCode', 5);
    await vi.waitFor(() => expect(second.readings.some((r) => r.pointId === 'faultCode' && r.value === 5)).toBe(true), WAIT);
    sim.normal();
  }, 60_000);

  it('reports a refused password in its status and keeps retrying, without a crash', async () => {
    const { a, readings } = await start('SignAndEncrypt', 'not-the-password');
    await vi.waitFor(() => expect(a.status().upstreams[0]?.reconnects).toBeGreaterThanOrEqual(2), WAIT);
    const status = a.status();
    expect(status.connected).toBe(false);
    expect(status.upstreams[0]?.state === 'backoff' || status.upstreams[0]?.state === 'connecting').toBe(true);
    expect(status.lastError).toMatch(/refused the login of user "operator"/);
    expect(status.lastError).not.toContain('not-the-password');
    expect(readings.filter((r) => r.quality === 'good')).toEqual([]);
  }, 60_000);
});
