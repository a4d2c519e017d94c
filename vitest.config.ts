// Five projects: `unit` (pure domain tables, run once), `web` (the web app's
// components in happy-dom), the same
// integration/API/CLI suite twice — on embedded PGlite and on the PostgreSQL
// server — and `browser` (the web app in Chromium). `npm test`
// (scripts/test.mjs) picks which of them run.
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

const dbSuites = ['test/integration/**/*.test.ts', 'test/api/**/*.test.ts', 'test/cli/**/*.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/domain/**/*.test.ts', 'test/unit/**/*.test.ts'] } },
      // The web app's logic and components, in happy-dom (Vue single-file components compiled by the Vue plugin).
      { extends: true, plugins: [vue()], test: { name: 'web', environment: 'happy-dom', include: ['test/web/**/*.test.ts'] } },
      // The web app in real Chromium, against `serve --demo` with the built bundle (globalSetup builds it when stale).
      // (A page may take seconds to show its data on a loaded machine: expect.poll waits up to 15 s, not 1.)
      {
        extends: true,
        test: { name: 'browser', include: ['test/e2e/**/*.test.ts'], globalSetup: ['test/support/setupBrowser.ts'], expect: { poll: { timeout: 15_000 } } },
      },
      {
        extends: true,
        test: {
          name: 'embedded',
          include: dbSuites,
          env: { HAOCHAPING_TEST_DB: 'embedded' },
          globalSetup: ['test/support/setupEmbedded.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'server',
          include: dbSuites,
          env: { HAOCHAPING_TEST_DB: 'server' },
          globalSetup: ['test/support/setupServer.ts'],
        },
      },
    ],
  },
});
