import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // A line of dots when all pass; every failure in full.
    reporters: ['dot'],
    pool: 'forks',
    // Most integration files wait on timers and polls more than they compute: three at a time keep
    // two cores busy without starving the timing checks.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // The Temporal CLI and MinIO found or installed, and the workflows bundled, once a run.
          globalSetup: ['test/global-setup.ts'],
          // Worker, SDK and dev-server logs go to test-output/logs/, one file per test file.
          setupFiles: ['test/setup/test-logs.ts'],
          // A process runs several test files, so the SDK and its native runtime load once per
          // process, not once per file; each file still starts and stops its own servers.
          isolate: false,
        },
      },
    ],
  },
});
