import { defineConfig } from 'vitest/config';

// `npm run test:ha` (issue 34): two gateway processes, three etcd members, the site broker and the
// central service, all real, on loopback ports. One file at a time: each test runs five processes.
export default defineConfig({
  test: {
    include: ['test/ha/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup/patient-wait.ts'],
    pool: 'forks',
    maxWorkers: 1,
  },
});
