import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['src/kernels/testSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
