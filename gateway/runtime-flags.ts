/**
 * Node flags the gateway process runs with: `npm start`, the Dockerfile, every test and benchmark
 * that spawns the gateway, and `npm run bench` itself (it runs gateways in its own process);
 * test/unit/runtime-flags.test.ts keeps them in step.
 *
 * `--expose-gc`: main.ts runs one full collection a few seconds after start, so V8 gives back what
 * starting took (settled RSS without OPC UA 82.9-85.6 MB with it, 86.7-103.4 MB without).
 *
 * `--max-semi-space-size=2` was here for a while, for RSS measured 5 s after start (91.5 against
 * 101.6 MB without OPC UA). Measured settled (40 s) the flag saves 0-7 MB (demo site 105 vs 104.8,
 * no OPC UA 84.2 vs 86.7, 5,000 points 118.7 vs 125.9), and under 10,000 readings/s a 2 MB young
 * generation promotes what is in flight and fault latency p99 went from 10 to 28-31 ms (4 MB:
 * 26-61 ms). The bench did not run the gateway with the flag then, so it did not show it.
 * (docs/performance.md, run E.) The flag cannot be set at run time (v8.setFlagsFromString does not
 * resize the new space).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--expose-gc'];

/**
 * Environment the gateway process starts with, beside its flags (npm start, the Dockerfile, the
 * systemd unit, every test and benchmark that spawns it).
 *
 * `MALLOC_ARENA_MAX=2`: glibc gives each thread that calls malloc an arena of its own and keeps
 * what those arenas once held. The gateway has a dozen threads (libuv's pool, which runs every
 * fdatasync of the store; V8's helpers; the watchdog), so an idle gateway kept 5-10 MB of freed
 * native memory it would never use again. Two arenas: a 1,000-meter site settles at 88.0-89.3 MB
 * instead of 93.5-99.8 MB (docs/performance.md, run M). glibc reads it once, before main() runs, so
 * it cannot be set from JavaScript; main.ts warns when it is missing. musl (Alpine) ignores it.
 */
export const GATEWAY_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** The command that starts the built gateway with its flags, as `npm start` and the Dockerfile run it. */
export const GATEWAY_COMMAND: readonly string[] = ['node', ...GATEWAY_NODE_FLAGS, 'dist/gateway/main.js'];

/** Which of GATEWAY_ENV this process was started without (what main.ts warns about). */
export function missingGatewayEnv(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(GATEWAY_ENV).filter((k) => env[k] === undefined || env[k] === '');
}

/**
 * Test-only: with this variable set to 1, SIGUSR2 makes the main thread busy-loop for good, so the
 * reliability test can stall a real gateway and see the watchdog end it. Never set on a site.
 */
export const TEST_STALL_ON_SIGUSR2 = 'GATEWAY_TEST_STALL_ON_SIGUSR2';

/**
 * Test-only: the store format a pair member says it writes (a mixed-version pair in one test,
 * without building an older release). Never set on a site.
 */
export const TEST_STORE_FORMAT = 'GATEWAY_TEST_STORE_FORMAT';
