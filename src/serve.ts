// The life of a serving process: open the database, migrate, seed what an
// empty database needs, listen, run the scheduler — and on SIGTERM/SIGINT
// undo those in reverse: stop accepting, finish in-flight requests, stop the
// scheduler, close the database cleanly. A signal during start-up stops it
// after the step in progress (each step is a transaction or idempotent, so a
// kill -9 at any point leaves a database that starts again).
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { redactUrl } from './config.ts';
import { buildApp } from './api/server.ts';
import { seedRegionsIfEmpty } from './app/seed.ts';
import { resumeImports } from './app/imports.ts';
import { createServices } from './app/context.ts';
import { seedDemoIfEmpty, type DemoUser } from './app/demo.ts';
import { createUserAsSystem, hasUsers } from './app/users.ts';
import { startScheduler } from './jobs/scheduler.ts';
import { openDatabase } from './storage/db.ts';
import { migrate } from './storage/migrate.ts';

export class Lifecycle {
  #closers: { name: string; close: () => Promise<void> }[] = [];
  #stopping: Promise<void> | null = null;

  constructor(
    private readonly log: Logger,
    private readonly timeoutMs: number,
  ) {}

  get stopping(): boolean {
    return this.#stopping !== null;
  }

  /** Registers what to undo on stop; undone last-in first-out. */
  onStop(name: string, close: () => Promise<void>): void {
    this.#closers.push({ name, close });
  }

  stop(reason: string): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.log.info(`stopping (${reason})`);
    const timer = setTimeout(() => {
      this.log.error(`shutdown did not finish within ${this.timeoutMs} ms; exiting`);
      process.exit(1);
    }, this.timeoutMs);
    timer.unref();
    this.#stopping = (async () => {
      for (const { name, close } of this.#closers.reverse()) {
        try {
          await close();
        } catch (error) {
          this.log.error({ err: error }, `error while closing ${name}`);
        }
      }
      clearTimeout(timer);
    })();
    return this.#stopping;
  }

  /** Ends the process on SIGTERM/SIGINT; a second signal ends it at once. */
  handleSignals(): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        if (this.#stopping) {
          this.log.warn(`second ${signal}: exiting now`);
          process.exit(130);
        }
        void this.stop(signal).then(() => process.exit(0));
      });
    }
  }
}

export class StartupAborted extends Error {}

/** data/demo-api-keys.txt and data/demo-users.txt, mode 600: who<TAB>key, and username<TAB>role<TAB>scope<TAB>password. */
export function writeDemoFiles(dataDir: string, apiKeys: Record<string, string>, users: DemoUser[]) {
  fs.mkdirSync(dataDir, { recursive: true });
  const keysFile = path.join(dataDir, 'demo-api-keys.txt');
  const usersFile = path.join(dataDir, 'demo-users.txt');
  fs.writeFileSync(
    keysFile,
    Object.entries(apiKeys)
      .map(([who, key]) => `${who}\t${key}`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );
  fs.writeFileSync(usersFile, users.map((u) => [u.username, u.role, u.scope, u.password].join('\t')).join('\n') + '\n', { mode: 0o600 });
  return { keysFile, usersFile };
}

export async function serve(config: Config, log: Logger, lifecycle: Lifecycle, options: { demo?: boolean } = {}): Promise<void> {
  const step = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (lifecycle.stopping) throw new StartupAborted();
    const value = await fn();
    if (lifecycle.stopping) throw new StartupAborted();
    return value;
  };

  const where = config.database.kind === 'server' ? redactUrl(config.database.url) : config.database.dataDir;
  log.info(`opening the ${config.database.kind} database (${where})`);
  const database = await openDatabase(config.database);
  lifecycle.onStop('database', () => database.close());
  if (lifecycle.stopping) throw new StartupAborted();

  await step(() => migrate(database.db, { log: (line) => log.info(line) }));
  const seeded = await step(() => seedRegionsIfEmpty(database.db));
  if (seeded) log.info(`loaded ${seeded.total} regions (first start)`);

  const services = createServices(database.db, config, log);
  // An import a stop interrupted while applying is completed (its rows were all checked); an interrupted check is dropped.
  // The embedded database has one process. A server may have several, and another may be importing right now: there,
  // only imports idle for 15 s are taken over (a live one is touched every step), at start and every 30 s after.
  const resume = async () => {
    const resumed = await resumeImports(services, config.database.kind === 'server' ? 15_000 : 0);
    if (resumed.completed || resumed.discarded)
      log.info(resumed, `completed ${resumed.completed} import(s) a stop had interrupted; dropped ${resumed.discarded} unfinished check(s)`);
    for (const failure of resumed.failed) log.error(`an interrupted import could not be completed: ${failure}`);
  };
  await step(resume);
  if (config.database.kind === 'server') {
    const timer = setInterval(() => void resume().catch((error: unknown) => log.error({ err: error }, 'completing an interrupted import failed')), 30_000);
    timer.unref();
    lifecycle.onStop('import resumer', async () => clearInterval(timer));
  }
  if (config.adminPassword && !(await step(() => hasUsers(database.db)))) {
    // The first admin of a fresh installation (haochaping users add does the same by hand).
    await step(() =>
      createUserAsSystem(services, { username: 'admin', displayName: '系统管理员', role: 'admin', password: config.adminPassword! }, 'HCP_ADMIN_PASSWORD'),
    );
    log.info('created the user admin with the password in HCP_ADMIN_PASSWORD (first start)');
  }
  if (options.demo) {
    const demo = await step(() => seedDemoIfEmpty(services));
    if (demo) {
      const { apiKeys, users, ...summary } = demo;
      // Demo keys and passwords go to files only their owner can read, never to the log.
      const { keysFile: file, usersFile } = writeDemoFiles(config.dataDir, apiKeys, users);
      log.info(summary, `loaded the demo organisations, cases and ratings (empty database); demo API keys are in ${file}, demo users in ${usersFile}`);
    }
  }
  const app = await step(() => buildApp({ database, config, services }, { logger: log }));
  lifecycle.onStop('http server', () => app.close());
  const address = await step(() => app.listen({ host: config.host, port: config.port }));
  // Rating links (SMS, QR codes) point at PUBLIC_URL; without it, at the address this process listens on.
  if (!config.publicUrl) services.outbox.publicUrl = address.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://127.0.0.1:');

  if (config.jobs) {
    const scheduler = await step(() => startScheduler(database, services, log));
    lifecycle.onStop('job scheduler', () => scheduler.stop());
  }
  log.info(`haochaping is ready at ${address} — API docs at ${address}/docs (${config.database.kind} database)`);
}
