import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { GATEWAY_ENV, GATEWAY_NODE_FLAGS } from '../../../gateway/runtime-flags.js';
import { freePort } from '../../../simulators/free-port.js';
import { ensureBuilt, kill9, stopGateway, waitForPort } from '../../helpers/gateway-process.js';
import { writeLeakSite } from '../../helpers/leak-site.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { makeTestPki } from '../../helpers/test-pki.js';

const ENTRYPOINT = path.resolve('deploy/docker-entrypoint.sh');
const HEALTHCHECK = path.resolve('dist/gateway/cli/healthcheck.js');
const run = promisify(execFile);

/** The image's start as Docker runs it, outside Docker: ENTRYPOINT with CMD as its arguments. */
function startImage(env: NodeJS.ProcessEnv) {
  const child = spawn(ENTRYPOINT, [process.execPath, ...GATEWAY_NODE_FLAGS, 'dist/gateway/main.js'], { env: { ...process.env, ...GATEWAY_ENV, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

async function healthcheck(siteFile: string): Promise<number> {
  return run(process.execPath, [HEALTHCHECK], { env: { ...process.env, GATEWAY_CONFIG: siteFile } }).then(
    () => 0,
    (err: { code?: number }) => err.code ?? -1,
  );
}

describe('the container image', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('stops at once with one structured line naming the missing site file, and starts no gateway', async () => {
    const dir = await tempDir('gw-image-');
    const missing = path.join(dir, 'site.json');
    const img = startImage({ GATEWAY_CONFIG: missing, GATEWAY_DATA_DIR: path.join(dir, 'data') });
    expect(await img.exited).toBe(1);
    const lines = img.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 60, event: 'config.missing', code: 'GW_CONFIG_UNREADABLE', file: missing });
    expect(String(line['msg'])).toContain(`no site file at ${missing}`);
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('runs the gateway on a mounted site file, and the health check asks the port that file configures', async () => {
    const dir = await tempDir('gw-image-');
    const httpPort = await freePort();
    const siteFile = await writeLeakSite({ dir, sensors: 1, mqttPort: await freePort(), httpPort });
    const img = startImage({ GATEWAY_CONFIG: siteFile });
    const stopped = (async () => {
      await waitForPort(httpPort, 30_000);
      await vi.waitFor(async () => expect(await healthcheck(siteFile)).toBe(0), { timeout: 15_000, interval: 100 });
      return stopGateway(img.child);
    })();
    try {
      expect(await stopped).toBe(0);
    } finally {
      await kill9(img.child);
    }
    expect(await healthcheck(siteFile)).toBe(1);
  });

  it('asks over HTTPS when the site serves HTTPS (http.tls)', async () => {
    const dir = await tempDir('gw-image-');
    const pki = await makeTestPki(dir);
    const httpPort = await freePort();
    const siteFile = await writeLeakSite({ dir, sensors: 1, mqttPort: await freePort(), httpPort });
    const site = JSON.parse(await readFile(siteFile, 'utf8')) as { http: Record<string, unknown> };
    site.http['tls'] = { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile };
    await writeFile(siteFile, JSON.stringify(site));
    const img = startImage({ GATEWAY_CONFIG: siteFile });
    try {
      await waitForPort(httpPort, 30_000);
      await vi.waitFor(async () => expect(await healthcheck(siteFile)).toBe(0), { timeout: 15_000, interval: 100 });
      expect(await stopGateway(img.child)).toBe(0);
    } finally {
      await kill9(img.child);
    }
    expect(await healthcheck(siteFile)).toBe(1);
  });

  it('is built on a supported Node.js LTS, holds no demo site or users, and checks health on the configured port', async () => {
    const docker = await readFile('Dockerfile', 'utf8');
    const bases = [...docker.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(bases.length).toBeGreaterThan(0);
    for (const major of bases) expect(major).toBeGreaterThanOrEqual(22);
    expect(docker).not.toMatch(/^COPY config/m);
    expect(docker).not.toMatch(/demo-site|demo-users/);
    expect(docker).toMatch(/^HEALTHCHECK [\s\S]*dist\/gateway\/cli\/healthcheck\.js/m);
    expect(docker).toMatch(/^ENTRYPOINT \["\/usr\/local\/bin\/gateway-entrypoint"\]$/m);
    expect(docker).toContain('COPY deploy/docker-entrypoint.sh /usr/local/bin/gateway-entrypoint');
  });
});
