/**
 * Node flags the gateway process runs with (`npm start`, the Dockerfile, and every test or
 * benchmark that spawns the gateway; test/unit/runtime-flags.test.ts keeps them in step).
 *
 * V8's young generation defaults to 16 MB semi-spaces; an idle gateway keeps that memory touched.
 * At 2 MB the idle RSS fell from 101.6 to 90.4 MB on a site without OPC UA and from 149 to 113 MB
 * on the demo site, with ingest unchanged within noise (npm run bench, docs/performance.md).
 * The flag cannot be set at run time (v8.setFlagsFromString does not resize the new space).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
