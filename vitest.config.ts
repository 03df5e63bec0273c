import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.test.ts'],
    testTimeout: 60_000,
    // A throwaway PostgreSQL cluster for the PostgreSQL specs (started on first use, always removed).
    globalSetup: ['spec/postgres-global-setup.ts'],
  },
});
