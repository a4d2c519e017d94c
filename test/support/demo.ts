// `serve --demo` on a fresh embedded database in a temporary folder, as
// `npm start` runs it, with the built web app: what the browser tests and
// the benches open pages against. The demo writes its users' passwords and
// its API keys to files in that folder; they are read here once.
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

export async function startDemo(prefix: string, env: Record<string, string> = {}): Promise<Demo> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
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
