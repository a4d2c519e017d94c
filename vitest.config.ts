// Five projects: `unit` (pure domain tables, run once), `web` (the web app's
// components in happy-dom), the same
// integration/API/CLI suite twice — on embedded PGlite and on the PostgreSQL
// server — and `browser` (the web app in Chromium). `npm test`
// (scripts/test.mjs) picks which of them run.
//
// Test files run in parallel, as many at a time as there are cores and at least two (Vitest's own default is one
// fewer than the cores: a single file at a time on a 2-core machine, where most files wait on a child process or the
// database half of the time); `--maxWorkers` sets it. The suites that bound latencies (test/api/slowPaths.test.ts)
// are projects of their own, `embedded-latency` and `server-latency`, with one worker: Vitest runs such files after
// all others, one at a time, alone. (`--project 'embedded*'` picks both parts of a database's suite. Do not set
// VITEST_MAX_WORKERS: it would override their one worker too.)
import os from 'node:os';
import vue from '@vitejs/plugin-vue';
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import LongestFirst from './test/support/sequencer.ts';

const dbSuites = ['test/integration/**/*.test.ts', 'test/api/**/*.test.ts', 'test/cli/**/*.test.ts'];
const latencySuites = ['test/api/slowPaths.test.ts'];
const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

// What every project has (set here rather than inherited with `extends`, which would hand each project the run's
// maxWorkers as its own, so that `--maxWorkers` would no longer change it). Two files at a time share the two cores:
// a test may take twice as long as alone, so it has 60 s (the slowest take 15–20 s alone on a busy machine).
const common = { pool: 'forks', testTimeout: 60_000, hookTimeout: 60_000 } as const;

const onDatabase = (engine: 'embedded' | 'server'): TestProjectInlineConfiguration[] => {
  const setup = { ...common, env: { HAOCHAPING_TEST_DB: engine }, globalSetup: [`test/support/setup${engine === 'server' ? 'Server' : 'Embedded'}.ts`] };
  return [
    { test: { ...setup, name: engine, include: dbSuites, exclude: [...configDefaults.exclude, ...latencySuites] } },
    { test: { ...setup, name: `${engine}-latency`, include: latencySuites, maxWorkers: 1 } },
  ];
};

export default defineConfig({
  test: {
    ...common,
    maxWorkers: Math.max(2, cores),
    // The files known to take minutes start first (test/support/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    projects: [
      { test: { ...common, name: 'unit', include: ['test/domain/**/*.test.ts', 'test/unit/**/*.test.ts'] } },
      // The web app's logic and components, in happy-dom (Vue single-file components compiled by the Vue plugin).
      { plugins: [vue()], test: { ...common, name: 'web', environment: 'happy-dom', include: ['test/web/**/*.test.ts'] } },
      // The web app in real Chromium, against `serve --demo` with the built bundle (globalSetup builds it when stale).
      // (A page may take seconds to show its data on a loaded machine: expect.poll waits up to 15 s, not 1.)
      {
        test: {
          ...common,
          name: 'browser',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/setupBrowser.ts'],
          expect: { poll: { timeout: 15_000 } },
        },
      },
      ...onDatabase('embedded'),
      ...onDatabase('server'),
    ],
  },
});
