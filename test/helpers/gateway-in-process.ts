import { Writable } from 'node:stream';
import { onTestFinished } from 'vitest';
import { buildGateway, type Gateway } from '../../gateway/app.js';
import { systemClock } from '../../core/clock.js';
import { parseSite } from '../../gateway/config/load-site.js';
import type { SiteFileInput } from '../../gateway/config/site-schema.js';
import { createRootLogger } from '../../core/log.js';
import { tempDir } from './temp-dir.js';

export interface InProcessGateway {
  readonly gw: Gateway;
  readonly url: string;
  /** Every log line so far (pino JSON, through the production root logger and its redaction). */
  readonly lines: string[];
}

/**
 * The whole gateway (buildGateway) in this process on a temporary data folder, with the
 * production root logger writing into `lines`; stopped when the test finishes.
 */
export async function startInProcessGateway(site: Omit<SiteFileInput, 'dataDir' | 'site'> & Partial<Pick<SiteFileInput, 'site'>>, opts: { level?: 'debug' | 'info' | 'warn'; env?: NodeJS.ProcessEnv } = {}): Promise<InProcessGateway> {
  const dataDir = await tempDir();
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(l);
      done();
    },
  });
  const log = createRootLogger({ level: opts.level ?? 'info', destination: sink });
  const config = parseSite({ site: { id: 'rel-site', code: 'RL01', name: 'Reliability site' }, ...site, dataDir });
  const gw = await buildGateway(config, { clock: systemClock, log, ...(opts.env === undefined ? {} : { env: opts.env }) });
  onTestFinished(() => gw.stop());
  await gw.start();
  const url = gw.httpUrl();
  if (url === null) throw new Error('gateway has no HTTP address');
  return { gw, url, lines };
}
