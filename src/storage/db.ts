// Opens the database: a PostgreSQL server through `pg`, or embedded PGlite in
// a data folder. Both speak the same SQL and run the same migrations; the rest
// of the platform sees one `Database`.
import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { redactUrl } from '../config.ts';
import { Mutex } from './lock.ts';
import { PGliteDialect, runOnPGlite } from './pgliteDialect.ts';
import type { DB } from './schema.ts';

/** What pg-boss needs to run its SQL; on PGlite it goes through the same lock. */
export interface SqlExecutor {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

export interface Database {
  readonly kind: 'embedded' | 'server';
  readonly db: Kysely<DB>;
  /** For pg-boss: undefined on a server, where pg-boss keeps its own small pool. */
  readonly jobExecutor?: SqlExecutor;
  /** A connection string for pg-boss's own pool (server only). */
  readonly url?: string;
  /** The embedded engine itself (tests snapshot a prepared database with it). */
  readonly pglite?: PGlite;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

// Same values from both drivers: int8 and numeric as JS numbers (counts and
// ids stay far below 2^53), dates as 'YYYY-MM-DD' strings (a China-time day,
// never shifted by the process's time zone), timestamptz as Date.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const parsers: Record<number, (value: string) => unknown> = {
  [INT8]: (v) => Number(v),
  [NUMERIC]: (v) => Number(v),
  [DATE]: (v) => v,
};

export async function openDatabase(config: DatabaseConfig, options: { lockDataDir?: boolean } = {}): Promise<Database> {
  return config.kind === 'server' ? openServer(config.url, config.poolMax) : openEmbedded(config.dataDir, options.lockDataDir ?? true);
}

async function openServer(url: string, poolMax: number): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    connectionTimeoutMillis: 10_000,
    application_name: 'haochaping',
    // JIT compiling costs 100+ ms and these are short queries whose row
    // estimates (a pending queue that empties each minute) can look large.
    options: '-c jit=off',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        parsers[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    const reason = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
    throw new DatabaseUnavailableError(`cannot connect to the database at ${redactUrl(url)}: ${reason}`, { cause: error });
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'server',
    db,
    url,
    close: () => db.destroy(),
  };
}

/** Opens embedded PGlite in `dataDir` ('memory://' for a throwaway one). */
export async function openEmbedded(dataDir: string, lockDataDir = true, loadDataDir?: Blob): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  let unlock = () => {};
  if (!inMemory) {
    fs.mkdirSync(dataDir, { recursive: true });
    if (lockDataDir) unlock = lockFolder(dataDir);
  }
  let pglite: PGlite;
  try {
    // Loaded only here: a server deployment never holds PGlite's WebAssembly (tens of MB; issue 15).
    const { PGlite } = await import('@electric-sql/pglite');
    pglite = await PGlite.create({ dataDir: inMemory ? undefined : dataDir, parsers, loadDataDir });
  } catch (error) {
    unlock();
    throw new DatabaseUnavailableError(`cannot open the embedded database in ${dataDir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const lock = new Mutex();
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite, lock) });
  return {
    kind: 'embedded',
    db,
    jobExecutor: {
      executeSql: (text, values = []) => lock.run(() => runOnPGlite(pglite, text, values)),
    },
    close: async () => {
      await db.destroy();
      unlock();
    },
    pglite,
  };
}

/**
 * PGlite's files must be opened by one process at a time; a second one would
 * corrupt them. A pid file guards the folder; a stale one (its process is
 * gone, e.g. after kill -9) is taken over.
 */
function lockFolder(dataDir: string): () => void {
  const file = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(fs.readFileSync(file, 'utf8'));
      if (owner && owner !== process.pid && processIsAlive(owner)) {
        throw new DatabaseUnavailableError(
          `the embedded database in ${dataDir} is in use by process ${owner}; stop it first, or set DATA_DIR to another folder`,
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new DatabaseUnavailableError(`cannot lock the embedded database in ${dataDir}`);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
