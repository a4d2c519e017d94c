// `serve --demo` on a fresh embedded database in a temporary folder, as
// `npm start` runs it, with the built web app: what the browser tests and
// the benches open pages against. The demo writes its users' passwords and
// its API keys to files in that folder; they are read here once.
//
// Loading the demo takes most of a minute on a 2-core machine, so the browser
// tests' global setup loads it once per run (seedDemoSnapshot) and each test
// file starts `serve --demo` on its own copy of that folder: the same database
// as a first start leaves it, which `serve --demo` opens as it is. (Loading
// the demo on a first start is tested by test/cli/serve.test.ts, on both
// databases.) Without a snapshot (the benches), the demo is loaded afresh.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killChildren, startServe, type Served } from './process.ts';

export interface Demo {
  served: Served;
  url: string;
  dataDir: string;
  /** username → password (demo-users.txt). */
  passwords: Record<string, string>;
  /** who → API key (demo-api-keys.txt): business_system, sms, web, … */
  keys: Record<string, string>;
  /** The rows of a tab-separated file the demo wrote in its folder. */
  tabFile(name: string): string[][];
  /** Stops the server (SIGTERM, then waits) and removes the folder. */
  stop(): Promise<void>;
}

/** Where the global setup left a demo loaded once (its data folder), for startDemo to copy. */
export const DEMO_SNAPSHOT_ENV = 'HCP_DEMO_SNAPSHOT';
/** Settings that change what a first start writes: with any of them, a demo is loaded afresh, not copied. */
const SEEDING_SETTINGS = ['DATABASE_URL', 'DATA_DIR', 'PROTECTION_KEY', 'HCP_ADMIN_PASSWORD'];

/** Loads the demo once into a new folder (a first start of `serve --demo`, stopped when ready); returns the folder. */
export async function seedDemoSnapshot(): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-demo-snapshot-'));
  const served = await startServe({ DATA_DIR: dataDir, JOBS: 'false' }, { args: ['--demo'], readyTimeoutMs: 300_000 });
  served.proc.kill('SIGTERM');
  const exit = await served.exited;
  if (exit.code !== 0) throw new Error(`serve --demo did not stop cleanly (${JSON.stringify(exit)}):\n${served.output()}`);
  return dataDir;
}

export async function startDemo(prefix: string, env: Record<string, string> = {}): Promise<Demo> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const snapshot = process.env[DEMO_SNAPSHOT_ENV];
  if (snapshot && fs.existsSync(path.join(snapshot, 'demo-users.txt')) && !SEEDING_SETTINGS.some((name) => name in env))
    fs.cpSync(snapshot, dataDir, { recursive: true, filter: (source) => !source.endsWith('.lock') });
  const served = await startServe({ DATA_DIR: dataDir, JOBS: 'false', ...env }, { args: ['--demo'] });
  const tabFile = (name: string) =>
    fs
      .readFileSync(path.join(dataDir, name), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
  return {
    served,
    url: served.url,
    dataDir,
    passwords: Object.fromEntries(tabFile('demo-users.txt').map((u) => [u[0]!, u[3]!])),
    keys: Object.fromEntries(tabFile('demo-api-keys.txt').map((k) => [k[0]!, k[1]!])),
    tabFile,
    async stop() {
      served.proc.kill('SIGTERM');
      await served.exited;
      killChildren();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
