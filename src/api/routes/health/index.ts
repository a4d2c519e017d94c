// /healthz: the process is up. /readyz: the database answers and every
// migration this version knows is applied — what a load balancer should ask.
import { Type } from 'typebox';
import { sql } from 'kysely';
import type { AppInstance } from '../../server.ts';
import { migrationStatus } from '../../../storage/migrate.ts';
import { errorBody } from '../../plugins/errors.ts';
import { ErrorBody } from '../../schemas.ts';

const Health = Type.Object({ status: Type.Literal('ok') });
const Ready = Type.Object({ status: Type.Literal('ready'), database: Type.String(), migrations: Type.Integer() });

export default async function healthRoutes(app: AppInstance) {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Process is up', response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Database reachable and migrated', response: { 200: Ready, 503: ErrorBody } } },
    async (request, reply) => {
      const { db, kind } = app.deps.database;
      try {
        await sql`select 1`.execute(db);
        const status = await migrationStatus(db);
        if (status.pending.length) {
          return reply.status(503).send(errorBody('migrations_pending', `${status.pending.length} migration(s) not applied; run \`haochaping migrate\``));
        }
        return { status: 'ready' as const, database: kind, migrations: status.applied };
      } catch (error) {
        request.log.warn({ err: error }, 'not ready');
        return reply.status(503).send(errorBody('database_unavailable', 'The database is not reachable or not migrated.'));
      }
    },
  );
}
