import { defineConfig } from 'vitest/config';

// Browser tests: real headless Chromium against a real gateway; one file at a time keeps two cores calm.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
