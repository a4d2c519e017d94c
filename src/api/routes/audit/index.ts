// The audit log (auditors and admins) and jobs by hand (admins).
//   GET  /api/v1/audit, /api/v1/audit/export.csv
//   GET  /api/v1/jobs, POST /api/v1/jobs/{name}/runs
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { exportAudit, listAudit } from '../../../app/audit.ts';
import { listJobs, runJobByHand } from '../../../app/jobs.ts';
import { callerOf, USER_SECURITY } from '../../plugins/auth.ts';
import { ErrorBody, Nullable, Paged, PageQuery } from '../../schemas.ts';

const AuditQuery = {
  actor: Type.Optional(Type.String({ maxLength: 100, description: 'A username or client name' })),
  actorType: Type.Optional(Type.String({ enum: ['user', 'client', 'system', 'anonymous'] })),
  action: Type.Optional(Type.String({ maxLength: 60, description: 'An action (catalogue.update), or a prefix ending in a dot (catalogue.)' })),
  subjectType: Type.Optional(Type.String({ maxLength: 40 })),
  subjectId: Type.Optional(Type.String({ maxLength: 100 })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'From this instant on' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Before this instant' })),
};
const Event = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({ type: Type.String(), id: Nullable(Type.String()), name: Nullable(Type.String()), role: Nullable(Type.String()) }),
  action: Type.String(),
  subject: Nullable(Type.Object({ type: Type.String(), id: Nullable(Type.String()) })),
  changes: Nullable(Type.Unknown()),
  reason: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  sourceIp: Nullable(Type.String()),
});
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const security = USER_SECURITY;

export default async function auditRoutes(app: AppInstance) {
  const services = () => app.deps.services;

  app.get(
    '/audit',
    {
      config: { access: { action: 'audit.read' } },
      schema: {
        tags: ['audit'],
        security,
        summary: 'The audit log, newest first',
        querystring: Type.Object({ ...AuditQuery, ...PageQuery }, { additionalProperties: false }),
        response: { 200: Paged(Event), ...errors },
      },
    },
    async (request) => {
      const { page, pageSize, ...query } = request.query;
      return listAudit(services(), callerOf(request), query, { page, pageSize });
    },
  );

  app.get(
    '/audit/export.csv',
    {
      config: { access: { action: 'audit.read' } },
      schema: {
        tags: ['audit'],
        security,
        summary: 'The filtered audit log as CSV',
        querystring: Type.Object(AuditQuery, { additionalProperties: false }),
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const stream = exportAudit(services(), callerOf(request), request.query);
      const name = encodeURIComponent(`审计日志-${services().now().toISOString().slice(0, 10)}.csv`);
      return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename*=UTF-8''${name}`).send(stream);
    },
  );

  const Job = Type.Object({ name: Type.String(), cron: Type.String(), description: Type.String() });
  app.get(
    '/jobs',
    {
      config: { access: { action: 'jobs.read' } },
      schema: { tags: ['jobs'], security, summary: 'The schedule table', response: { 200: Type.Object({ items: Type.Array(Job) }), ...errors } },
    },
    async (request) => listJobs(callerOf(request)),
  );

  app.post(
    '/jobs/:name/runs',
    {
      config: { access: { action: 'jobs.run', audited: true } },
      schema: {
        tags: ['jobs'],
        security,
        summary: 'Run a scheduled job once, as of now (audited)',
        params: Type.Object({ name: Type.String({ maxLength: 60 }) }),
        response: { 200: Type.Object({ name: Type.String(), startedAt: Type.String(), finishedAt: Type.String(), summary: Type.String() }), ...errors },
      },
    },
    async (request) => runJobByHand(services(), callerOf(request), request.params.name, request.log),
  );
}
