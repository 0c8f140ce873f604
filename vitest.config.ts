import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/contract/**/*.test.ts', 'test/integration/**/*.test.ts'],
    // The scenarios run on their own, four at once (vitest.scenarios.config.ts, npm run test:scenarios).
    exclude: ['test/integration/scenarios/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests open real sockets; two cores, so keep the pool small and predictable.
    // vi.waitFor without a timeout waits 15 s, not 1 s (test/setup/patient-wait.ts).
    setupFiles: ['test/setup/patient-wait.ts'],
    pool: 'forks',
    maxWorkers: 2,
  },
});
