// What left the platform, what waits and what failed (issue 12): admins and
// auditors read the outbox; the recipient masked, the link's token cut short.
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { listOutbox, OUTBOX_STATUSES } from '../../../app/outbox.ts';
import { callerOf, USER_SECURITY } from '../../plugins/auth.ts';
import { ErrorBody, Nullable, PageQuery } from '../../schemas.ts';

const Item = Type.Object({
  id: Type.Integer(),
  channel: Type.String(),
  topic: Type.String(),
  occasionId: Nullable(Type.Integer()),
  to: Type.String({ description: 'R9: masked' }),
  text: Type.String({ description: 'The message; the rating link’s token cut short' }),
  status: Type.String({ enum: [...OUTBOX_STATUSES] }),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String({ format: 'date-time' })),
  lastError: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  sentAt: Nullable(Type.String({ format: 'date-time' })),
  history: Type.Array(
    Type.Object({
      at: Type.String({ format: 'date-time' }),
      sender: Type.String(),
      outcome: Type.String(),
      detail: Nullable(Type.String()),
      durationMs: Type.Integer(),
    }),
  ),
});

export default async function outboxRoutes(app: AppInstance) {
  app.get(
    '/outbox',
    {
      config: { access: { action: 'outbox.read' } },
      schema: {
        tags: ['jobs'],
        security: USER_SECURITY,
        summary: 'The outbox: messages sent, waiting and failed, newest first, with each attempt',
        querystring: Type.Object({ status: Type.Optional(Type.String({ enum: [...OUTBOX_STATUSES] })), ...PageQuery }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            items: Type.Array(Item),
            total: Type.Integer(),
            page: Type.Integer(),
            pageSize: Type.Integer(),
            counts: Type.Object(Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, Type.Integer()]))),
          }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request) => listOutbox(app.deps.services, callerOf(request), { ...request.query, pageSize: Math.min(request.query.pageSize, 100) }),
  );
}
