import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../../simulators/free-port.js';
import { ensureBuilt, spawnGateway } from '../../helpers/gateway-process.js';
import { writeLeakSite } from '../../helpers/leak-site.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Another program holding a port on 127.0.0.1. */
async function holdPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** Runs the gateway to its exit; its log lines as parsed JSON (every line must be JSON). */
async function runToExit(siteFile: string): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  const raw: string[] = [];
  const child = spawnGateway(siteFile, { LOG_LEVEL: 'info' }, (l) => void raw.push(l));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, lines: raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('a port already in use at start', () => {
  ensureBuilt();

  for (const which of ['http', 'broker'] as const) {
    it(`stops start-up with GW_PORT_IN_USE naming the port and ${which}.port, not a stack trace`, async () => {
      const dir = await tempDir('port-');
      const held = await holdPort();
      const other = await freePort();
      const siteFile = await writeLeakSite({ dir, sensors: 1, httpPort: which === 'http' ? held : other, mqttPort: which === 'broker' ? held : other, dataDir: path.join(dir, 'data') });
      const { code, lines } = await runToExit(siteFile);
      expect(code).toBe(1);
      const fatal = lines.find((l) => l['event'] === 'gateway.start_failed');
      expect(fatal).toMatchObject({ code: 'GW_PORT_IN_USE', port: held, setting: `${which}.port` });
      expect(String(fatal?.['msg'])).toContain(`port ${held} (${which}.port) is already in use`);
      expect(lines.some((l) => JSON.stringify(l).includes('    at '))).toBe(false);
    });
  }
});
