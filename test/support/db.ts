// Each test file gets its own database, copied from the prepared template
// (migrated, regions loaded), on the engine its project names:
// HAOCHAPING_TEST_DB=embedded (PGlite in memory) or server (PostgreSQL).
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { openDatabase, openEmbedded, type Database } from '../../src/storage/db.ts';
import { databaseUrl, testServerUrl } from './template.ts';

export type Engine = 'embedded' | 'server';
export const engine = (process.env.HAOCHAPING_TEST_DB ?? 'embedded') as Engine;

export interface TestDatabase extends Database {
  /** For a server database: its URL (processes under test connect to it). */
  url?: string;
  /** Drops (server) or discards (embedded) the database. */
  dispose(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testServerUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh server database, empty (`template: 'empty'`) or from the prepared template. */
export async function createServerDatabase(template: 'prepared' | 'empty' = 'prepared'): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `hcp_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const from = template === 'prepared' ? inject('serverTemplate') : 'template0';
  await admin((c) => c.query(`create database ${name} template ${from}`));
  return {
    name,
    url: databaseUrl(testServerUrl(), name),
    drop: () => admin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => {}),
  };
}

export async function openTestDatabase(): Promise<TestDatabase> {
  if (engine === 'server') {
    const created = await createServerDatabase();
    const database = await openDatabase({ kind: 'server', url: created.url, poolMax: 10 });
    return {
      ...database,
      close: () => database.close(),
      url: created.url,
      dispose: async () => {
        await database.close();
        await created.drop();
      },
    };
  }
  const tarball = new Blob([fs.readFileSync(inject('embeddedTemplate'))]);
  const database = await openEmbedded('memory://', false, tarball);
  return { ...database, dispose: () => database.close() };
}

/** Opens a database for the test file and disposes of it afterwards. */
export function useTestDatabase(): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.dispose();
  });
  return () => {
    if (!database) throw new Error('the test database is opened in beforeAll');
    return database;
  };
}

/** Empty databases (nothing migrated) on the file's engine, each disposed of after the test that opened it. */
export function useEmptyDatabases(): () => Promise<Database> {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  return async () => {
    if (engine === 'server') {
      const created = await createServerDatabase('empty');
      const database = await openDatabase({ kind: 'server', url: created.url, poolMax: 4 });
      cleanups.push(async () => {
        await database.close();
        await created.drop();
      });
      return database;
    }
    const database = await openEmbedded('memory://', false);
    cleanups.push(() => database.close());
    return database;
  };
}
