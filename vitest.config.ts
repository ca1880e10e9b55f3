import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure, fast, no root needed) and `lab` (network namespaces with real BIRD/FRR/GoBGP,
// needs root). `npm test` runs both; lab tests skip themselves with a reason when not root.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/lab/**'] } },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
