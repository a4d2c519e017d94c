// Before the browser tests: the web app is built (as `npm start` would), so they test the bundle users get.
import { spawnSync } from 'node:child_process';

export default function setup() {
  const result = spawnSync(process.execPath, ['scripts/ensure-web.mjs'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('building the web app failed');
}
