// Routes that exist only when HAOCHAPING_TEST_ROUTES=true, for tests of the
// process itself (graceful shutdown waits for a slow in-flight request).
import { Type } from 'typebox';
import { sql } from 'kysely';
import type { AppInstance } from '../../server.ts';

export default async function testRoutes(app: AppInstance) {
  app.get(
    '/slow',
    {
      config: { access: { public: true, why: 'tests of the process only (HAOCHAPING_TEST_ROUTES)' } },
      schema: { hide: true, querystring: Type.Object({ ms: Type.Integer({ minimum: 0, maximum: 30_000 }) }) },
    },
    async (request) => {
      // Sleeps in the database, so a kill lands while a query is running.
      await sql`select pg_sleep(${request.query.ms / 1000})`.execute(app.deps.database.db);
      return { slept: request.query.ms };
    },
  );
}
