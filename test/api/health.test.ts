import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { engine } from '../support/db.ts';

const { app, database } = useTestApp();

describe('health, readiness, OpenAPI, errors', () => {
  it('/healthz answers while the process is up', async () => {
    const res = await app().inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 on a migrated database', async () => {
    const res = await app().inject('/readyz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ready', database: engine });
  });

  it('/docs/json lists the routes', async () => {
    const res = await app().inject('/docs/json');
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    expect(paths).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/api/v1/regions', '/api/v1/regions/{code}']));
  });

  it('echoes a request id, or makes one', async () => {
    const given = await app().inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await app().inject('/healthz');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a failing query with a 500 that leaks nothing, and /readyz with 503', async () => {
    // Break the database under the app: rename the table the routes read.
    await sql`alter table region rename to region_hidden`.execute(database().db);
    await sql`alter table schema_migration rename to schema_migration_hidden`.execute(database().db);
    try {
      const res = await app().inject('/api/v1/regions?parent=450000');
      expect(res.statusCode).toBe(500);
      const body = res.json();
      expect(body.error.id).toBe('internal_error');
      expect(JSON.stringify(body)).not.toMatch(/region_hidden|relation|does not exist|stack|at /);
      expect(body.error.message).toContain(res.headers['x-request-id']);
      const ready = await app().inject('/readyz');
      expect(ready.statusCode).toBe(503);
      expect(ready.json().error.id).toBe('migrations_pending');
    } finally {
      await sql`alter table region_hidden rename to region`.execute(database().db);
      await sql`alter table schema_migration_hidden rename to schema_migration`.execute(database().db);
    }
  });
});
