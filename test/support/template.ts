// What every test database starts from: all migrations applied and the
// regions loaded. Built once per run (global setup), then copied per test
// file — a PGlite data-folder snapshot, or CREATE DATABASE … TEMPLATE.
import { sql } from 'kysely';
import { seedRegions } from '../../src/app/seed.ts';
import type { Database } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';

export async function prepareTemplate(database: Database): Promise<void> {
  await migrate(database.db);
  await seedRegions(database.db);
  await sql`checkpoint`.execute(database.db);
}

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const testServerUrl = () => process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;

/** The URL of another database on the same server. */
export function databaseUrl(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * What global setups of several projects share (a template per engine, the demo): made by the first project that
 * asks, removed when the last of them is torn down. (Vitest runs every project's global setup in its main process.)
 */
export async function shared<T>(key: string, make: () => Promise<{ value: T; dispose: () => Promise<void> }>) {
  const store = ((globalThis as { __hcpShared?: Map<string, { made: Promise<{ value: T; dispose: () => Promise<void> }>; users: number }> }).__hcpShared ??=
    new Map());
  let entry = store.get(key);
  if (!entry) store.set(key, (entry = { made: make(), users: 0 }));
  entry.users += 1;
  const made = await entry.made;
  const current = entry;
  return {
    value: made.value,
    dispose: async () => {
      current.users -= 1;
      if (current.users > 0) return;
      store.delete(key);
      await made.dispose();
    },
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    embeddedTemplate: string;
    serverTemplate: string;
  }
}
