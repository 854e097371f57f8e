import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real SQLite files, a real keychain and real sockets: separate processes keep native state apart.
    pool: 'forks',
    // Two cores here; more workers only make the CLI subprocess tests contend.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CI also writes a machine-readable report, from which .ci/run prints its closing "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
