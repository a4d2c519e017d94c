// Numbered, forward-only SQL migrations: migrations/NNNN_name.sql, applied in
// order, each in its own transaction with its record in schema_migration.
// An applied migration is never edited: its checksum is kept and checked, and
// a changed or unknown one stops the platform before it serves anything.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
// Any number will do as long as every process uses the same one.
const MIGRATION_LOCK_KEY = 4_500_000_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

// The platform's own migrations do not change while it runs: read them once
// (readyz asks for them on every probe).
let shipped: Migration[] | undefined;

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (dir === MIGRATIONS_DIR) return (shipped ??= readMigrationFolder(dir));
  return readMigrationFolder(dir);
}

function readMigrationFolder(dir: string): Migration[] {
  const migrations = fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new MigrationError(`migration file name ${file} is not NNNN_name.sql`);
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      return {
        version: Number(match[1]),
        name: match[2]!,
        sql: text,
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    });
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError(`migrations must be numbered 0001, 0002, … without gaps; found ${m.version} at place ${i + 1}`);
  });
  return migrations;
}

async function ensureTable(db: Kysely<DB>): Promise<void> {
  await sql`
    create table if not exists schema_migration (
      version    integer primary key,
      name       text not null,
      checksum   text not null,
      applied_at timestamptz not null default now()
    )`.execute(db);
}

export interface MigrationStatus {
  applied: number;
  pending: Migration[];
}

/** Compares what the database has applied with the files, refusing drift. */
export async function migrationStatus(db: Kysely<DB>, migrations = readMigrations()): Promise<MigrationStatus> {
  const exists = await sql<{ exists: boolean }>`select to_regclass('schema_migration') is not null as exists`.execute(db);
  if (!exists.rows[0]?.exists) return { applied: 0, pending: migrations };
  const applied = await db.selectFrom('schema_migration').select(['version', 'name', 'checksum']).orderBy('version').execute();
  for (const row of applied) {
    const file = migrations[row.version - 1];
    if (!file) {
      throw new MigrationError(`the database has migration ${row.version} (${row.name}) that this version of the platform does not know; run a newer version`);
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(`migration ${row.version} (${row.name}) was changed after it was applied; migrations are forward-only, add a new one`);
    }
  }
  return { applied: applied.length, pending: migrations.slice(applied.length) };
}

/**
 * Applies what is pending. Safe from several processes at once: each
 * migration takes a transaction-scoped advisory lock and re-checks.
 */
export async function migrate(db: Kysely<DB>, options: { migrations?: Migration[]; log?: (line: string) => void } = {}): Promise<Migration[]> {
  const migrations = options.migrations ?? readMigrations();
  const done: Migration[] = [];
  for (;;) {
    const applied = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      // Under the lock: two concurrent CREATE TABLE IF NOT EXISTS can collide.
      await ensureTable(trx);
      const { pending } = await migrationStatus(trx, migrations);
      const next = pending[0];
      if (!next) return null;
      options.log?.(`applying migration ${String(next.version).padStart(4, '0')}_${next.name}`);
      await sql.raw(next.sql).execute(trx);
      await trx.insertInto('schema_migration').values({ version: next.version, name: next.name, checksum: next.checksum }).execute();
      return next;
    });
    if (!applied) return done;
    done.push(applied);
  }
}
