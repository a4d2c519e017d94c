// Guard: every migration applies cleanly, from empty, on both engines; the
// migrator is forward-only and refuses drift.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrate, migrationStatus, readMigrations, MigrationError } from '../../src/storage/migrate.ts';
import { useEmptyDatabases } from '../support/db.ts';

const emptyDatabase = useEmptyDatabases();

describe('migrations', () => {
  it('apply one by one from an empty database, and then there is nothing pending', async () => {
    const { db } = await emptyDatabase();
    const all = readMigrations();
    expect(all.length).toBeGreaterThan(0);
    for (let i = 1; i <= all.length; i++) {
      const applied = await migrate(db, { migrations: all.slice(0, i) });
      expect(applied.map((m) => m.version)).toEqual([i]);
    }
    expect(await migrate(db)).toEqual([]);
    expect(await migrationStatus(db)).toEqual({ applied: all.length, pending: [] });
  });

  it('are applied once when two migrators race', async () => {
    const { db } = await emptyDatabase();
    const [a, b] = await Promise.all([migrate(db), migrate(db)]);
    expect(a.length + b.length).toBe(readMigrations().length);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from schema_migration`.execute(db);
    expect(rows[0]!.n).toBe(readMigrations().length);
  });

  it('refuse a migration changed after it was applied', async () => {
    const { db } = await emptyDatabase();
    await migrate(db);
    const edited = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m));
    await expect(migrationStatus(db, edited)).rejects.toThrow(/changed after it was applied/);
    await expect(migrate(db, { migrations: edited })).rejects.toBeInstanceOf(MigrationError);
  });

  it('refuse a database migrated by a newer version', async () => {
    const { db } = await emptyDatabase();
    await migrate(db);
    await expect(migrationStatus(db, readMigrations().slice(0, -1))).rejects.toThrow(/does not know/);
  });

  it('roll back a failing migration whole', async () => {
    const { db } = await emptyDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-mig-'));
    fs.writeFileSync(path.join(dir, '0001_ok.sql'), 'create table a (x int);');
    fs.writeFileSync(path.join(dir, '0002_bad.sql'), 'create table b (x int);\ninsert into nowhere values (1);');
    await expect(migrate(db, { migrations: readMigrations(dir) })).rejects.toThrow(/nowhere/);
    const { rows } = await sql<{ a: boolean; b: boolean }>`
      select to_regclass('a') is not null as a, to_regclass('b') is not null as b`.execute(db);
    expect(rows[0]).toEqual({ a: true, b: false });
    expect((await migrationStatus(db, readMigrations(dir))).applied).toBe(1);
    fs.rmSync(dir, { recursive: true });
  });

  it('must be numbered without gaps', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-mig-'));
    fs.writeFileSync(path.join(dir, '0001_a.sql'), 'select 1;');
    fs.writeFileSync(path.join(dir, '0003_c.sql'), 'select 1;');
    expect(() => readMigrations(dir)).toThrow(/without gaps/);
    fs.rmSync(dir, { recursive: true });
  });
});
