#!/usr/bin/env node
/**
 * Process entry: load the site file, make the root logger, build and start the gateway, and
 * stop it in order on SIGTERM/SIGINT. Everything else lives in app.ts (testable without a process).
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../core/clock.js';
import path from 'node:path';
import { buildGateway, type Gateway } from './app.js';
import { PRESENCE_FILE } from './liveness/presence-file.js';
import type { StopBy } from './liveness/index.js';
import { clockFromEnvironment } from './sim-clock.js';
import { loadSiteFile } from './config/load-site.js';
import { GatewayError, errorMessage } from '../core/errors.js';
import { createRootLogger } from '../core/log.js';
import { GATEWAY_ENV, TEST_STALL_ON_SIGUSR2, TEST_STORE_FORMAT, missingGatewayEnv } from './runtime-flags.js';
import { EventLoopWatchdog } from './watchdog.js';
import { portInUseError } from './port-in-use.js';
import { ReadingRecorder } from './record/reading-recorder.js';

const args = parseArgs({ allowPositionals: true, options: { record: { type: 'string' }, 'record-max-mb': { type: 'string', default: '50' } } });
const configFile = args.positionals[0] ?? process.env['GATEWAY_CONFIG'] ?? 'config/demo-site.json';

/** The whole ordered stop may take this long; then the process says what is left and exits anyway. */
const STOP_BUDGET_MS = 30_000;
/** After a clean stop nothing should hold the event loop; if something does after this, it is named and the process exits. */
const EXIT_GRACE_MS = 2_000;

async function main(): Promise<void> {
  const bootLog = createRootLogger();
  let site;
  try {
    site = await loadSiteFile(configFile);
  } catch (err) {
    const code = err instanceof GatewayError ? err.code : 'GW_CONFIG_UNREADABLE';
    bootLog.fatal({ event: 'config.invalid', code, file: configFile, problems: err instanceof GatewayError ? err.context['problems'] : undefined }, errorMessage(err));
    bootLog.flush();
    process.exitCode = 1;
    return;
  }
  const dataDir = process.env['GATEWAY_DATA_DIR'];
  if (dataDir !== undefined && dataDir !== '') site = { ...site, dataDir };
  const log = createRootLogger({ level: site.log.level });
  // Node's own warnings (a deprecation in a library, a listener leak) go through the structured
  // log as one event, not as bare text on stderr: the default printer is the only other listener.
  process.removeAllListeners('warning');
  process.on('warning', (w) => log.warn({ event: 'process.warning', name: w.name, warningCode: (w as NodeJS.ErrnoException).code }, w.message));
  // Started by hand without what npm start, the image and the unit set: it runs, with more memory.
  const missing = process.platform === 'linux' ? missingGatewayEnv(process.env) : [];
  if (missing.length > 0) {
    const wanted = missing.map((k) => `${k}=${GATEWAY_ENV[k]}`).join(' ');
    log.warn({ event: 'process.env_missing', missing }, `started without ${wanted}: the gateway keeps more memory than it needs; start it as npm start, the Docker image or the systemd unit do`);
  }

  const maxMb = Number(args.values['record-max-mb']);
  if (args.values.record !== undefined && !(maxMb > 0)) {
    log.fatal({ event: 'record.invalid', code: 'GW_CONFIG_INVALID' }, `--record-max-mb must be a positive number of megabytes, got ${args.values['record-max-mb']}`);
    process.exitCode = 1;
    return;
  }
  const recorder = args.values.record === undefined ? null : new ReadingRecorder({ file: args.values.record, maxBytes: maxMb * 1_000_000, siteId: site.site.id, clock: systemClock, log: log.child({ component: 'record' }) });
  let gateway: Pick<Gateway, 'start' | 'stop'>;
  // The gateway asks to be stopped (its own UPS runs low): the same ordered stop as a signal, with its own exit status.
  const requestStop = (by: StopBy, code: number): void => shutdown(by, code);
  try {
    if (site.ha !== undefined) {
      // One of a pair (docs/high-availability.md): etcd's client is loaded only then.
      const { PairMember } = await import('./ha/pair-member.js');
      gateway = new PairMember(site, site.ha, { clock: clockFromEnvironment(), log, env: process.env, requestStop, ...testStoreFormat(process.env) });
    } else gateway = await buildGateway(site, { clock: clockFromEnvironment(), log, requestStop, ...(recorder === null ? {} : { onReading: (r) => recorder.write(r) }) });
  } catch (err) {
    // A coded start-up failure (a data folder it cannot write) is told in words, not as a stack trace.
    if (!(err instanceof GatewayError)) throw err;
    log.fatal({ event: 'gateway.start_failed', code: err.code, ...err.context }, err.message);
    log.flush();
    process.exitCode = 1;
    return;
  }
  const watchdog = new EventLoopWatchdog({ stallAfterMs: site.watchdog.stallAfterMs, clock: systemClock, log: log.child({ siteId: site.site.id, component: 'watchdog' }), bindings: { siteId: site.site.id }, presenceFile: path.join(site.dataDir, PRESENCE_FILE) });
  let stopping = false;
  function shutdown(by: StopBy, code = 0): void {
    if (stopping) return;
    stopping = true;
    if (by === 'SIGTERM' || by === 'SIGINT') log.info({ event: 'gateway.signal', signal: by }, `received ${by}, stopping`);
    else log.warn({ event: 'gateway.stop_requested', stoppedBy: by, exitCode: code }, `stopping on its own (${by}); exit status ${code}`);
    const budget = setTimeout(() => exitAnyway(log, 'the ordered stop did not finish in time', code === 0 ? 1 : code), STOP_BUDGET_MS);
    budget.unref();
    gateway.stop(by).then(
      async () => {
        await watchdog.stop();
        await recorder?.close();
        clearTimeout(budget);
        log.flush();
        process.exitCode = code;
        // Everything was closed: the process ends by itself. If a socket, port or timer still holds
        // it (a device library that did not let go), it is named and the process exits all the same,
        // so the supervisor can start a new one that finds its ports free.
        setTimeout(() => exitAnyway(log, 'something still holds the process after a clean stop', code), EXIT_GRACE_MS).unref();
      },
      (err: unknown) => {
        clearTimeout(budget);
        log.error({ event: 'gateway.stop_failed', err: errorMessage(err) }, 'stop failed');
        log.flush();
        process.exitCode = 1;
        setTimeout(() => exitAnyway(log, 'stop failed', 1), EXIT_GRACE_MS).unref();
      },
    );
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => {
    log.error({ event: 'process.unhandled_rejection', err: errorMessage(reason) }, 'unhandled rejection');
  });
  try {
    await gateway.start();
  } catch (err) {
    const coded = portInUseError(err, site) ?? (err instanceof GatewayError ? err : null);
    if (coded === null) throw err;
    log.fatal({ event: 'gateway.start_failed', code: coded.code, ...coded.context }, coded.message);
    stopping = true;
    await gateway.stop();
    log.flush();
    process.exitCode = 1;
    setTimeout(() => exitAnyway(log, 'start failed', 1), EXIT_GRACE_MS).unref();
    return;
  }
  // Started once the gateway runs: reading a large store at start is slow but not a stall.
  watchdog.start();
  if (process.env[TEST_STALL_ON_SIGUSR2] === '1') {
    process.on('SIGUSR2', () => {
      for (;;) {
        // Test-only stall (runtime-flags.ts): the watchdog must end this.
      }
    });
  }
  giveBackStartupMemory();
  // Keep the process alive: adapters and HTTP hold sockets; the store timers are unref'd.
}

/** Tests of a mixed-version pair: this process says it writes another store format (runtime-flags.ts). */
function testStoreFormat(env: NodeJS.ProcessEnv): { storeFormat?: number } {
  const v = env[TEST_STORE_FORMAT];
  return v === undefined || v === '' ? {} : { storeFormat: Number(v) };
}

function exitAnyway(log: ReturnType<typeof createRootLogger>, why: string, code: number): void {
  const holding = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
  log.error({ event: 'gateway.exit_forced', holding }, `${why} (${holding.join(', ') || 'nothing named'}); exiting`);
  log.flush();
  process.exit(code);
}

/**
 * One full collection a few seconds after start, then a young-generation collection (a scavenge,
 * well under a millisecond at idle) at 10 s and every 30 s. Loading modules, compiling schemas and
 * any burst of readings grow V8's young generation to 32 MB, and V8 shrinks it only in a collection
 * that runs at a low allocation rate, which an idle gateway may never need: at 3 s a big site is
 * still allocating, so the full collection alone left 32 MB of young generation committed for good
 * (1,000 meters: 130 MB settled; with the later scavenges 97 MB, docs/performance.md, run J).
 * `gc` exists because the gateway runs with --expose-gc (runtime-flags.ts); without it, nothing happens.
 */
function giveBackStartupMemory(): void {
  const gc = (globalThis as { gc?: (o?: { type: 'minor' | 'major' }) => void }).gc;
  if (gc === undefined) return;
  setTimeout(() => gc(), 3_000).unref();
  setTimeout(() => {
    gc({ type: 'minor' });
    setInterval(() => gc({ type: 'minor' }), 30_000).unref();
  }, 10_000).unref();
}

await main();
