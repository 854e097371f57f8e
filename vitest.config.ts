import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real SQLite files, a real keychain and real sockets: separate processes keep native state apart.
    pool: 'forks',
    // Two cores here; more workers only make CLI subprocess tests contend.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
