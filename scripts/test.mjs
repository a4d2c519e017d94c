// npm test: type-check, lint (ESLint, typescript-eslint strict), formatting
// (Prettier), then the suite on both databases — embedded PGlite
// and the PostgreSQL server at TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test). Outside CI, a missing server
// skips its half with a notice; under CI=true it is required.
// Extra arguments go to vitest (e.g. `npm test -- test/api`).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';

const url = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const ci = /^(1|true)$/i.test(process.env.CI ?? '');
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;

// The browser tests need Debian's chromium (with fonts-wqy-microhei); .ci/run installs both.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browserUp = fs.existsSync(chromium);
if (!browserUp && ci) {
  console.error(`npm test: ${chromium} is required under CI (apt-get install -y chromium fonts-wqy-microhei)`);
  process.exit(1);
}

/** Runs a command with its output kept, printed whole when it ends (so that checks run side by side stay readable). */
function runQuietly(name, cmd, args) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => (output += `${error.message}\n`));
    child.on('close', (code) => {
      const status = code ?? 1;
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      process.stdout.write(`npm test: ${name} ${status === 0 ? 'done' : `FAILED (exit ${status})`} in ${seconds} s\n${output}`);
      resolve(status);
    });
  });
}

// The checks are independent of one another and each mostly uses one core: they run side by side, and so does the
// build of the web app that the browser tests open (scripts/ensure-web.mjs: skipped when the build is fresh).
const checks = [
  ['type-check', ['tsc', '-p', 'tsconfig.json'], 'type-check failed'],
  ['lint', ['eslint', '.'], 'lint failed (npx eslint . --fix fixes some)'],
  ['formatting', ['prettier', '--check', '--log-level', 'warn', '.'], 'formatting differs (npm run format fixes it)'],
  // The web app: its API types match the API (generated from /docs/json), and it type-checks (vue-tsc).
  ['api types', ['tsx', 'scripts/api-types.ts', '--check'], 'web/src/api/schema.d.ts is stale (npm run api-types writes it)'],
  ['web type-check', ['vue-tsc', '--noEmit', '-p', 'web/tsconfig.json'], 'the web app does not type-check'],
];
const [statuses, built] = await Promise.all([
  Promise.all(checks.map(([name, args]) => runQuietly(name, 'npx', args))),
  browserUp ? runQuietly('web app build', process.execPath, ['scripts/ensure-web.mjs']) : 0,
]);
const failed = checks.filter((_, i) => statuses[i] !== 0);
for (const [, , message] of failed) console.error(`npm test: ${message}`);
if (failed.length) process.exit(1);
if (built !== 0) {
  console.error('npm test: building the web app failed');
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

if (!browserUp) {
  console.warn(`\n*** NOTICE: no Chromium at ${chromium}: skipping the browser tests (apt-get install -y chromium fonts-wqy-microhei).\n`);
}

// The browser tests run after the rest, not beside it: Chromium and its server would compete for the CPU with the
// suites that bound latencies (test/api/slowPaths.test.ts, in the *-latency projects, which Vitest runs last and alone).
const extra = process.argv.slice(2);
const databases = ['embedded', ...(serverUp ? ['server'] : [])].flatMap((db) => [db, `${db}-latency`]);
const projects = ['unit', 'web', ...databases].flatMap((p) => ['--project', p]);
const status = run('npx', ['vitest', 'run', ...projects, ...extra]);
if (status !== 0 || !browserUp) process.exit(status);
process.exit(run('npx', ['vitest', 'run', '--project', 'browser', '--passWithNoTests', ...extra]));
