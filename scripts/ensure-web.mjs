// `npm start` runs this first: builds the web app (web/ → dist/web) when the
// build is missing or older than any of web/'s sources, so that the README's
// two commands still do everything. The API serves dist/web when it exists.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(ROOT, 'dist/web/index.html');

function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

const sources = Math.max(newest(path.join(ROOT, 'web')), fs.statSync(path.join(ROOT, 'package-lock.json')).mtimeMs);
const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
if (builtAt >= sources) process.exit(0);

if (!fs.existsSync(path.join(ROOT, 'node_modules/vite'))) {
  console.warn(
    builtAt
      ? 'web app: sources changed, but vite is not installed (npm ci installs it); serving the old build'
      : 'web app: not built and vite is not installed (npm ci installs it); serving the API only',
  );
  process.exit(0);
}
console.log(builtAt ? 'web app: sources changed; building it again (dist/web)…' : 'web app: building it (dist/web)…');
const result = spawnSync(
  process.execPath,
  [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
  {
    cwd: ROOT,
    stdio: 'inherit',
    // Always the production build: run from the browser tests, NODE_ENV is "test", which would give Vue's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  },
);
process.exit(result.status ?? 1);
