import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests drive the real UI: Debian's Chromium against the loopback
 * devhost (always), and the Electron app where its binary exists (the
 * electron project skips with a printed reason otherwise). One worker: the
 * machine has two cores and whisper/llama are real.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  globalSetup: './tests/e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 240_000,
  expect: { timeout: 60_000 },
  reporter: [['list']],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    acceptDownloads: true,
  },
  projects: [
    { name: 'chromium', testMatch: /browser\..*\.spec\.ts/ },
    { name: 'electron', testMatch: /electron\..*\.spec\.ts/ },
  ],
});
