import { defineConfig } from 'vitest/config';

// `npm run test:reliability` (issue 8): crash, store faults, broker flood, protocol faults, bad input
// and security, against real child processes and sockets. Two cores: two forks at most.
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
