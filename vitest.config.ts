import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time: most of the suite waits on child processes, emulators and timers,
    // so two workers on two cores take about 12 minutes where one takes 20.
    maxWorkers: 2,
  },
});
