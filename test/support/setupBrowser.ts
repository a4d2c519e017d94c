// Before the browser tests: the web app is built (as `npm start` would), so they test the bundle users get; and,
// meanwhile, the demo is loaded once, for every test file to start on a copy of it (test/support/demo.ts).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { DEMO_SNAPSHOT_ENV, seedDemoSnapshot } from './demo.ts';
import { killChildren } from './process.ts';

export default async function setup() {
  const built = new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/ensure-web.mjs'], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  const seeded = seedDemoSnapshot();
  const [status, snapshot] = await Promise.allSettled([built, seeded]);
  if (status.status === 'rejected' || status.value !== 0) {
    killChildren();
    if (snapshot.status === 'fulfilled') fs.rmSync(snapshot.value, { recursive: true, force: true });
    throw new Error('building the web app failed');
  }
  if (snapshot.status === 'rejected') throw snapshot.reason;
  // The test files' processes are started after the global setup, with its environment.
  process.env[DEMO_SNAPSHOT_ENV] = snapshot.value;
  return () => {
    Reflect.deleteProperty(process.env, DEMO_SNAPSHOT_ENV);
    fs.rmSync(snapshot.value, { recursive: true, force: true });
  };
}
