// The supervision loop (issue 13): queues, items and their steps, evidence,
// appeals, IT incidents, the dashboard's counts, and the rater's grade of a
// fix with their rating link. Handlers validate, call one use case, present.
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { fileAppeal, raterStep, stepItem } from '../../../app/supervision.ts';
import {
  addAttachment,
  ATTACHMENT_MAX_BYTES,
  ATTACHMENT_TYPES,
  createIncident,
  getAttachment,
  getIncident,
  getItem,
  incidentSystems,
  listIncidents,
  listQueue,
  presentItem,
  proposeFromIncident,
  ratingOfLink,
  raterFeedback,
  supervisionSummary,
} from '../../../app/supervisionQueues.ts';
import { callerOf, USER_SECURITY } from '../../plugins/auth.ts';
import { ErrorBody, Nullable, PageQuery, Paged } from '../../schemas.ts';
import { WORKFLOW_NAMES } from '../../../domain/workflows/index.ts';
import { GRADES } from '../../../domain/workflows/rectification.ts';
import { REJECTION_CATEGORIES } from '../../../domain/workflows/review.ts';
import { OBJECTIVE_CAUSES } from '../../../domain/workflows/verification.ts';
import { FEEDBACK_KINDS } from '../../../domain/feedback.ts';

const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });
const Time = Type.String({ format: 'date-time' });
const Enum = (values: readonly string[], description?: string) => Type.String({ enum: [...values], ...(description ? { description } : {}) });

const ItemOut = Type.Object({
  id: Type.Integer(),
  workflow: Enum(WORKFLOW_NAMES),
  state: Type.String(),
  version: Type.Integer({ description: 'Send it back with a step: a step on a changed item is refused (409 item_changed)' }),
  ratingId: Type.Integer(),
  regionCode: Type.String({ description: 'The queue: the supervisory department of the rated agency’s region' }),
  agencyCode: Nullable(Type.String()),
  businessLineCode: Nullable(Type.String()),
  staffId: Nullable(Type.Integer()),
  policyVersionId: Type.Integer({ description: 'The policy version in force when the item began: its deadlines' }),
  openedAt: Time,
  dueAt: Nullable(Time),
  closedAt: Nullable(Time),
  daysLeft: Nullable(Type.Integer({ description: 'China days until the deadline; negative once past' })),
  overdue: Type.Boolean(),
  overdueAt: Nullable(Time),
  escalatedAt: Nullable(Time),
  escalatedTo: Nullable(Type.String({ description: 'The region one level up whose department it was escalated to' })),
  startedBy: Nullable(Type.Integer({ description: 'Revocations and appeals: the user who started it' })),
  incidentId: Nullable(Type.Integer()),
  details: Type.Record(Type.String(), Type.Unknown(), { description: 'What the workflow recorded: findings, reasons, measures, the rater’s grade…' }),
});

const QueueItem = Type.Object({
  ...ItemOut.properties,
  rating: Type.Object({ id: Type.Integer(), level: Type.String(), levelName: Type.String(), tags: Type.Array(Type.String()), givenAt: Time }),
  case: Type.Object({ caseNumber: Nullable(Type.String()), packageNumber: Nullable(Type.String()), what: Nullable(Type.String()) }),
  names: Type.Object({ agency: Nullable(Type.String()), region: Nullable(Type.String()), staff: Nullable(Type.String()) }),
});

const Check = Type.Object({ tag: Type.String(), claim: Type.String(), result: Enum(['supported', 'not_supported', 'unknown']), text: Type.String() });

const ItemDetail = Type.Object({
  ...ItemOut.properties,
  allowedSteps: Type.Array(Type.String(), { description: 'The steps you may take now' }),
  rating: Type.Object({
    id: Type.Integer(),
    level: Type.String(),
    levelName: Type.String(),
    aspects: Type.Object({ attitude: Nullable(Type.String()), quality: Nullable(Type.String()), efficiency: Nullable(Type.String()) }),
    tags: Type.Array(Type.String()),
    comment: Nullable(Type.String({ description: 'R9: personal data typed into it is masked' })),
    channel: Type.String(),
    givenAt: Time,
    counts: Type.Boolean(),
    voidedAt: Nullable(Time),
    revokedAt: Nullable(Time),
    exclusionReason: Nullable(Type.String()),
  }),
  occasion: Type.Object({ id: Type.Integer(), kind: Type.String(), occurredAt: Time }),
  case: Nullable(
    Type.Object({
      caseNumber: Nullable(Type.String()),
      packageNumber: Nullable(Type.String()),
      matterCode: Nullable(Type.String()),
      what: Nullable(Type.String()),
      kind: Nullable(Type.String()),
      acceptedAt: Nullable(Time),
      completedAt: Nullable(Time),
      withdrawnAt: Nullable(Time),
      timeLimitDays: Nullable(Type.Integer()),
      system: Nullable(Type.String()),
    }),
  ),
  names: Type.Object({
    agency: Nullable(Type.String()),
    region: Nullable(Type.String()),
    staff: Nullable(Type.Object({ name: Type.String(), staffNumber: Type.String() })),
    escalatedTo: Nullable(Type.String({ description: 'The name of the region it was escalated to' })),
  }),
  appealUntil: Nullable(Time),
  checks: Type.Array(Check),
  related: Type.Array(ItemOut, { description: 'Every item of the same rating within your scope (this one included)' }),
  history: Type.Array(
    Type.Object({
      id: Type.Integer(),
      itemId: Type.Integer(),
      at: Time,
      event: Type.String(),
      from: Type.String(),
      to: Type.String(),
      actor: Type.Object({ type: Type.String(), name: Type.String() }),
      note: Nullable(Type.String()),
    }),
  ),
  attachments: Type.Array(
    Type.Object({
      id: Type.Integer(),
      itemId: Type.Integer(),
      fileName: Type.String(),
      mediaType: Type.String(),
      sizeBytes: Type.Integer(),
      sha256: Type.String(),
      uploadedAt: Time,
      uploadedBy: Type.String(),
    }),
  ),
});

const Text = (max = 2000) => Type.String({ maxLength: max });

const StepBody = Type.Object(
  {
    event: Type.String({
      maxLength: 40,
      description:
        'review: approve, reject · verification: confirm, find_objective, find_unfounded · revocation: approve, reject, withdraw · rectification: extend, complete · appeal: uphold, dismiss',
    }),
    version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
    reason: Type.Optional(Text()),
    category: Type.Optional(Enum(Object.keys(REJECTION_CATEGORIES), 'review reject: why it is not genuine feedback (R6)')),
    findings: Type.Optional(Text()),
    cause: Type.Optional(Enum(Object.keys(OBJECTIVE_CAUSES), 'verification find_objective: the objective cause (R11)')),
    explanation: Type.Optional(Text(500)),
    measures: Type.Optional(Text()),
    newDueAt: Type.Optional(Type.String({ maxLength: 40, description: 'rectification extend: an instant, or a day (24:00 China time of it)' })),
  },
  { additionalProperties: false },
);

const Incident = Type.Object({
  id: Type.Integer(),
  system: Type.Object({ id: Type.Integer(), name: Type.String() }),
  startedAt: Time,
  endedAt: Time,
  cause: Type.String(),
  reportedBy: Type.String(),
  createdAt: Time,
});

const Counts = Type.Object({ open: Type.Integer(), overdue: Type.Integer(), closed: Type.Integer() });

export const RaterSupervision = Type.Object({
  stage: Enum(['none', 'in_review', 'in_verification', 'rectifying', 'rectified', 'closed', 'voided', 'revoked', 'stands']),
  verified: Nullable(Type.String()),
  feedback: Type.Array(Type.Object({ kind: Enum(FEEDBACK_KINDS), text: Type.String(), at: Time })),
  rectification: Nullable(
    Type.Object({
      state: Enum(['open', 'done', 'closed', 'cancelled']),
      dueAt: Nullable(Time),
      measures: Nullable(Type.String()),
      completedAt: Nullable(Time),
      grade: Nullable(Type.String()),
      gradeName: Nullable(Type.String()),
      reopened: Type.Boolean(),
      reopenUntil: Nullable(Time),
      canGrade: Type.Boolean(),
      canReopen: Type.Boolean(),
    }),
  ),
});

export default async function supervisionRoutes(app: AppInstance) {
  const services = () => app.deps.services;
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  // Evidence arrives as the file itself; its type is checked again from its bytes.
  app.addContentTypeParser(Object.keys(ATTACHMENT_TYPES), { parseAs: 'buffer', bodyLimit: ATTACHMENT_MAX_BYTES + 1 }, (_request, body, done) =>
    done(null, body),
  );

  app.get(
    '/supervision/items',
    {
      config: { access: { action: 'supervision.read' } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: 'A queue of the supervision loop within your scope: open items by deadline first',
        querystring: Type.Object(
          {
            workflow: Type.Optional(Enum(WORKFLOW_NAMES)),
            state: Type.Optional(Type.String({ maxLength: 30 })),
            status: Type.Optional(Enum(['open', 'closed', 'overdue', 'all'])),
            queue: Type.Optional(
              Enum(
                ['own', 'below', 'all'],
                'Supervisors: own = your department’s items; below = overdue items escalated to you from below; all = your whole region',
              ),
            ),
            region: Type.Optional(Type.String({ maxLength: 12 })),
            agency: Type.Optional(Type.String({ maxLength: 64 })),
            rating: Type.Optional(Id),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Paged(QueueItem), ...errors },
      },
    },
    async (request) => {
      const { page, pageSize, ...q } = request.query;
      return listQueue(services(), callerOf(request), q as never, { page, pageSize });
    },
  );

  app.get(
    '/supervision/items/:id',
    {
      config: { access: { action: 'supervision.read' } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: 'An item: the rating (masked), the case, the checks, the evidence, the history and the steps you may take',
        params: Type.Object({ id: Id }),
        response: { 200: ItemDetail, ...errors },
      },
    },
    async (request) => getItem(services(), callerOf(request), request.params.id),
  );

  app.post(
    '/supervision/items/:id/steps',
    {
      config: { access: { action: 'supervision.read', audited: true } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: 'Take a step on an item (R6 review, R12 verification and rectification, R11 revocation, appeals)',
        description:
          '409 transition_not_allowed names the state; 403 same_person when a proposer decides their own revocation; 409 item_changed when `version` is stale; 404 outside your scope.',
        params: Type.Object({ id: Id }),
        body: StepBody,
        response: { 200: ItemOut, ...errors },
      },
    },
    async (request) => {
      const item = await stepItem(services(), callerOf(request), request.params.id, request.body);
      return presentItem(item, services().now());
    },
  );

  app.post(
    '/supervision/items/:id/attachments',
    {
      bodyLimit: ATTACHMENT_MAX_BYTES + 1,
      config: { access: { action: 'supervision.read', audited: true } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: `Add evidence to an item: the file as the body (${Object.keys(ATTACHMENT_TYPES).join(', ')}; at most ${ATTACHMENT_MAX_BYTES / 1024 / 1024} MB)`,
        params: Type.Object({ id: Id }),
        querystring: Type.Object({ fileName: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: {
          201: Type.Object({
            id: Type.Integer(),
            itemId: Type.Integer(),
            fileName: Type.String(),
            mediaType: Type.String(),
            sizeBytes: Type.Integer(),
            sha256: Type.String(),
            uploadedAt: Time,
          }),
          ...errors,
          413: ErrorBody,
          415: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const content = request.body;
      if (!Buffer.isBuffer(content))
        return reply
          .status(415)
          .send({ error: { id: 'unsupported_media_type', message: `Send the file as the body with one of: ${Object.keys(ATTACHMENT_TYPES).join(', ')}` } });
      const saved = await addAttachment(services(), callerOf(request), request.params.id, {
        fileName: request.query.fileName,
        mediaType: request.headers['content-type'] ?? '',
        content,
      });
      return reply.status(201).send(saved);
    },
  );

  app.get(
    '/supervision/attachments/:id',
    {
      config: { access: { action: 'supervision.read' } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: 'An evidence file, as stored (its SHA-256 in the X-Content-SHA256 header)',
        params: Type.Object({ id: Id }),
        response: { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const file = await getAttachment(services(), callerOf(request), request.params.id);
      return reply
        .header('cache-control', 'private, no-store')
        .header('x-content-sha256', file.sha256)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
        .type(file.mediaType)
        .send(file.content as never);
    },
  );

  app.get(
    '/supervision/summary',
    {
      config: { access: { action: 'supervision.read' } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: 'Open, overdue and closed items per workflow in your scope, and the rectification rate of the year so far',
        response: {
          200: Type.Object({
            workflows: Type.Object(Object.fromEntries(WORKFLOW_NAMES.map((w) => [w, Counts]))),
            rectificationRate: Type.Object({ period: Type.String(), due: Type.Integer(), onTime: Type.Integer(), rate: Nullable(Type.Number()) }),
          }),
          ...errors,
        },
      },
    },
    async (request) => supervisionSummary(services(), callerOf(request)),
  );

  app.post(
    '/ratings/:ratingId/appeals',
    {
      config: { access: { action: 'supervision.appeal', audited: true } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: '申诉复核: the rated agency appeals a negative rating, once, within 5 working days of being notified',
        params: Type.Object({ ratingId: Id }),
        body: Type.Object({ reason: Type.String({ maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 201: ItemOut, ...errors },
      },
    },
    async (request, reply) => {
      const item = await fileAppeal(services(), callerOf(request), request.params.ratingId, request.body);
      return reply.status(201).send(presentItem(item, services().now()));
    },
  );

  app.get(
    '/incidents',
    {
      config: { access: { action: 'supervision.read' } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: 'R11: the log of IT-system outages, newest first',
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: { 200: Paged(Incident), ...errors },
      },
    },
    async (request) => listIncidents(services(), callerOf(request), request.query),
  );

  app.post(
    '/incidents',
    {
      config: { access: { action: 'incidents.manage', audited: true } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: 'R11: record an outage of a business system (once it is over)',
        body: Type.Object(
          { systemId: Id, startedAt: Type.String({ maxLength: 40 }), endedAt: Type.String({ maxLength: 40 }), cause: Type.String({ maxLength: 1000 }) },
          { additionalProperties: false },
        ),
        response: { 201: Incident, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createIncident(services(), callerOf(request), request.body)),
  );

  app.get(
    '/incidents/systems',
    {
      config: { access: { action: 'incidents.manage' } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: 'R11: the business systems an outage can be recorded for (id and name)',
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), active: Type.Boolean() })) }), ...errors },
      },
    },
    async (request) => incidentSystems(services(), callerOf(request)),
  );

  app.get(
    '/incidents/:id',
    {
      config: { access: { action: 'supervision.read' } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: 'An outage, and the negative ratings within your scope whose occasion fell inside it, for cases of that system',
        params: Type.Object({ id: Id }),
        response: {
          200: Type.Object({
            ...Incident.properties,
            ratings: Type.Array(Type.Object({ ratingId: Type.Integer(), occurredAt: Time, openProposal: Type.Boolean() })),
          }),
          ...errors,
        },
      },
    },
    async (request) => getIncident(services(), callerOf(request), request.params.id),
  );

  app.post(
    '/incidents/:id/revocations',
    {
      config: { access: { action: 'incidents.manage', audited: true } },
      schema: {
        tags: ['supervision'],
        security: USER_SECURITY,
        summary: 'R11: propose revoking, in one step, every negative rating in your scope that the outage explains (each still needs a second person)',
        params: Type.Object({ id: Id }),
        body: Type.Object({ findings: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ proposed: Type.Integer(), skipped: Type.Integer() }), ...errors },
      },
    },
    async (request) => proposeFromIncident(services(), callerOf(request), request.params.id, request.body),
  );

  const raterRoute = (event: 'grade' | 'reopen') =>
    app.post(
      `/invitations/:token/rectification/${event}`,
      {
        config: {
          access: { public: true, why: 'the rater holds only the link they rated with: the token is the credential (limited per token)', audited: true },
        },
        schema: {
          tags: ['ratings'],
          summary:
            event === 'grade'
              ? 'R12: the rater grades the fix of their rating (satisfied, basically satisfied, not satisfied)'
              : 'R12: the rater, not satisfied, reopens the rectification once, within 7 days',
          params: Type.Object({ token: Type.String({ maxLength: 1000 }) }),
          ...(event === 'grade' ? { body: Type.Object({ grade: Enum(Object.keys(GRADES)) }, { additionalProperties: false }) } : {}),
          response: { 200: RaterSupervision, 400: ErrorBody, 401: ErrorBody, 409: ErrorBody },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const ratingId = await ratingOfLink(services(), request.params.token);
        const caller = { actor: { type: 'anonymous' as const }, requestId: request.id, sourceIp: request.ip };
        await raterStep(services(), caller, ratingId, event === 'grade' ? { event, grade: (request.body as { grade: string }).grade } : { event });
        return raterFeedback(services(), ratingId);
      },
    );
  raterRoute('grade');
  raterRoute('reopen');
}
