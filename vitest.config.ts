import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Worker, SDK and dev-server logs go to test-output/logs/, one file per test file.
    setupFiles: ['test/setup/test-logs.ts'],
    // A line of dots when all pass; every failure in full.
    reporters: ['dot'],
    pool: 'forks',
    // Each integration file runs its own dev server and worker; two at a time fit two cores.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
