// npm test: type-check, lint (ESLint, typescript-eslint strict), formatting
// (Prettier), then the suite on both databases — embedded PGlite
// and the PostgreSQL server at TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test). Outside CI, a missing server
// skips its half with a notice; under CI=true it is required.
// Extra arguments go to vitest (e.g. `npm test -- test/api`).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';

const url = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const ci = /^(1|true)$/i.test(process.env.CI ?? '');
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;

if (run('npx', ['tsc', '-p', 'tsconfig.json']) !== 0) {
  console.error('npm test: type-check failed');
  process.exit(1);
}
if (run('npx', ['eslint', '.']) !== 0) {
  console.error('npm test: lint failed (npx eslint . --fix fixes some)');
  process.exit(1);
}
if (run('npx', ['prettier', '--check', '--log-level', 'warn', '.']) !== 0) {
  console.error('npm test: formatting differs (npm run format fixes it)');
  process.exit(1);
}

// The web app: its API types match the API (generated from /docs/json), and it type-checks (vue-tsc).
if (run('npx', ['tsx', 'scripts/api-types.ts', '--check']) !== 0) {
  console.error('npm test: web/src/api/schema.d.ts is stale (npm run api-types writes it)');
  process.exit(1);
}
if (run('npx', ['vue-tsc', '--noEmit', '-p', 'web/tsconfig.json']) !== 0) {
  console.error('npm test: the web app does not type-check');
  process.exit(1);
}

let serverUp = false;
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
try {
  await client.connect();
  await client.query('select 1');
  serverUp = true;
} catch (error) {
  const where = url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
  if (ci) {
    console.error(`npm test: the PostgreSQL server at ${where} is required under CI and is not reachable (${error.code ?? error.message})`);
    process.exit(1);
  }
  console.warn(`\n*** NOTICE: no PostgreSQL server at ${where} (${error.code ?? error.message}).`);
  console.warn('*** Running the embedded-database half only; set TEST_DATABASE_URL to include the server.\n');
} finally {
  await client.end().catch(() => {});
}

// The browser tests need Debian's chromium (with fonts-wqy-microhei); .ci/run installs both.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browserUp = fs.existsSync(chromium);
if (!browserUp) {
  if (ci) {
    console.error(`npm test: ${chromium} is required under CI (apt-get install -y chromium fonts-wqy-microhei)`);
    process.exit(1);
  }
  console.warn(`\n*** NOTICE: no Chromium at ${chromium}: skipping the browser tests (apt-get install -y chromium fonts-wqy-microhei).\n`);
}

// The browser tests run after the rest, not beside it: Chromium and its server would compete for the CPU with the
// suites that bound latencies (test/api/slowPaths.test.ts).
const extra = process.argv.slice(2);
const projects = ['unit', 'web', 'embedded', ...(serverUp ? ['server'] : [])].flatMap((p) => ['--project', p]);
const status = run('npx', ['vitest', 'run', ...projects, ...extra]);
if (status !== 0 || !browserUp) process.exit(status);
process.exit(run('npx', ['vitest', 'run', '--project', 'browser', '--passWithNoTests', ...extra]));
