import { defineConfig } from 'vitest/config';

// `npm run test:reliability` (issue 8): crash, store faults, broker flood, protocol faults, bad input
// and security, against real child processes and sockets. Two cores: two forks at most.
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // vi.waitFor without a timeout waits 15 s, not 1 s (test/setup/patient-wait.ts).
    setupFiles: ['test/setup/patient-wait.ts'],
    pool: 'forks',
    maxWorkers: 2,
  },
});
