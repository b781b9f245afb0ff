import { defineConfig } from 'vitest/config';

// Three tiers (see docs/testing.md): unit = pure modules; integration = real sockets, temp files, unprivileged;
// e2e = the CLI as a child process against the simulated cluster.
export default defineConfig({
  test: {
    globalSetup: ['test/compile-cache-setup.ts'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
