import { defineConfig } from 'vitest/config';

// Browser tests: real headless Chromium against a real gateway; one file at a time keeps two cores calm.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // vi.waitFor without a timeout waits 15 s, not 1 s (test/setup/patient-wait.ts).
    setupFiles: ['test/setup/patient-wait.ts'],
    pool: 'forks',
    maxWorkers: 1,
  },
});
