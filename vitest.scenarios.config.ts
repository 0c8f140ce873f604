import { defineConfig } from 'vitest/config';

// The built-in scenarios (`npm run test:scenarios`): each plays minutes of site time at 10-20x
// against a real gateway, real simulators and the reference central service, and spends most of
// its wall time waiting for scenario time to pass (a few per cent of a core each). Four at once keep
// two cores far from busy and halve the suite's wall time; what they judge is in scenario time,
// within half a scenario minute, which an event loop a few milliseconds late does not move.
export default defineConfig({
  test: {
    include: ['test/integration/scenarios/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    // vi.waitFor without a timeout waits 15 s, not 1 s (test/setup/patient-wait.ts).
    setupFiles: ['test/setup/patient-wait.ts'],
    pool: 'forks',
    maxWorkers: 4,
  },
});
