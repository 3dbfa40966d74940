import { defineConfig } from 'vitest/config';

// Engines (whisper.cpp, llama.cpp) are native and CPU-heavy: run test files in
// forked processes, one or two at a time on a 2-core machine.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two test files run at once on two cores: one engine thread each, or
    // llama.cpp's spinning thread pools starve each other (see src/core/threads.ts).
    env: { GREFFIER_THREADS: '1' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['tests/integration/**/*.test.ts'] } },
    ],
  },
});
