// What the platform finds on its own (issue 14): the queues of
// investigations (R10), key targets and replacements (R11), one finding with
// its evidence, its steps, the dashboard's counts, and the suspicion scores
// of a period. Handlers validate, call one use case, present.
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { findingsSummary, getFinding, listFindingQueue, presentFinding, stepFinding, type FindingStepInput } from '../../../app/findings.ts';
import { suspicionScores, type SuspicionQuery } from '../../../app/detection.ts';
import { callerOf, USER_SECURITY } from '../../plugins/auth.ts';
import { ErrorBody, Nullable, PageQuery, Paged } from '../../schemas.ts';
import { FINDING_WORKFLOW_NAMES } from '../../../domain/workflows/index.ts';
import { SIGNAL_KINDS } from '../../../domain/detection/types.ts';

const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });
const Time = Type.String({ format: 'date-time' });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A China day, YYYY-MM-DD' });
const Enum = (values: readonly string[], description?: string) => Type.String({ enum: [...values], ...(description ? { description } : {}) });

const FindingOut = Type.Object({
  id: Type.Integer(),
  workflow: Enum(FINDING_WORKFLOW_NAMES),
  state: Type.String(),
  version: Type.Integer({ description: 'Send it back with a step: a step on a changed finding is refused (409 item_changed)' }),
  subject: Type.Object({
    type: Enum(['window', 'staff', 'agency', 'business_line', 'region', 'rater', 'source']),
    key: Type.String({ description: 'A window id, staff id, agency, line or region code; for a rater or source, a short prefix of a keyed hash (R9)' }),
    name: Type.String(),
  }),
  periodStart: Nullable(Day),
  periodEnd: Nullable(Day),
  regionCode: Type.String({ description: 'The queue: the supervisory department of the subject’s region' }),
  agencyCode: Nullable(Type.String()),
  businessLineCode: Nullable(Type.String()),
  staffId: Nullable(Type.Integer()),
  score: Nullable(Type.Number({ description: 'Investigations: the subject’s suspicion (0–1) when last detected' })),
  openedAt: Time,
  dueAt: Nullable(Time),
  closedAt: Nullable(Time),
  overdue: Type.Boolean(),
  overdueAt: Nullable(Time),
  escalatedTo: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown(), {
    description: 'What the workflow recorded: counts and thresholds, visits, measures, periods and ranks, the decision…',
  }),
});

const Names = Type.Object({ agency: Nullable(Type.String()), region: Nullable(Type.String()), staff: Nullable(Type.String()) });

const FindingDetail = Type.Object({
  ...FindingOut.properties,
  names: Type.Object({ ...Names.properties, escalatedTo: Nullable(Type.String()) }),
  allowedSteps: Type.Array(Type.String(), { description: 'The steps you may take now' }),
  history: Type.Array(
    Type.Object({ at: Time, event: Type.String(), from: Type.String(), to: Type.String(), actor: Type.String(), note: Nullable(Type.String()) }),
  ),
  investigation: Nullable(
    Type.Object({
      signals: Type.Array(
        Type.Object({
          id: Type.Integer(),
          kind: Enum(Object.keys(SIGNAL_KINDS)),
          kindName: Type.String(),
          weight: Type.Number(),
          firstAt: Time,
          lastAt: Time,
          explanation: Type.String(),
          evidence: Type.Record(Type.String(), Type.Unknown()),
          detectedAt: Time,
        }),
      ),
      ratings: Type.Array(
        Type.Object({
          id: Type.Integer(),
          level: Type.String(),
          levelName: Type.String(),
          givenAt: Time,
          occurredAt: Time,
          channel: Type.String(),
          caseNumber: Nullable(Type.String()),
          windowId: Nullable(Type.Integer()),
          staffId: Nullable(Type.Integer()),
          counts: Type.Boolean({ description: 'Flagged ratings keep counting until an investigation is confirmed' }),
          kinds: Type.Array(Type.String()),
          suspicion: Type.Number({ description: '1 − Π(1 − weight) over the signals flagging it' }),
        }),
      ),
      peers: Type.Array(
        Type.Object({
          month: Type.String(),
          active: Type.Integer(),
          share: Nullable(Type.Number()),
          peerActive: Type.Integer(),
          peerShare: Nullable(Type.Number()),
        }),
        { description: 'The window’s active very-satisfied share by month beside its peers’ (same business line and region level)' },
      ),
    }),
  ),
});

const StepBody = Type.Object(
  {
    event: Type.String({ maxLength: 40, description: 'investigation: confirm, dismiss; key_target: visit, set_measures, close; replacement: plan' }),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
    ratingIds: Type.Optional(Type.Array(Id, { maxItems: 10_000, description: 'confirm: the ratings to void (default: every flagged rating that counts)' })),
    against: Type.Optional(Enum(['agency', 'staff'], 'confirm: whom the violation is recorded against')),
    staffId: Type.Optional(Id),
    visited: Type.Optional(Type.String({ maxLength: 2000, description: 'visit (回访): who was called' })),
    visitedAt: Type.Optional(Type.String({ maxLength: 40, description: 'visit: when (an instant, or a China day)' })),
    said: Type.Optional(Type.String({ maxLength: 2000, description: 'visit: what they said' })),
    rootCause: Type.Optional(Type.String({ maxLength: 2000 })),
    measures: Type.Optional(Type.String({ maxLength: 2000 })),
    dueAt: Type.Optional(Type.String({ maxLength: 40, description: 'set_measures: an instant, or a China day meaning 24:00 of it' })),
  },
  { additionalProperties: false },
);

const Counts = Type.Object({ open: Type.Integer(), overdue: Type.Integer(), closed: Type.Integer() });

export default async function findingRoutes(app: AppInstance) {
  const services = () => app.deps.services;
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  app.get(
    '/findings',
    {
      config: { access: { action: 'supervision.read' } },
      schema: {
        tags: ['findings'],
        security: USER_SECURITY,
        summary: 'A queue of what the platform found within your scope: investigations (R10; supervisory departments only), key targets, replacements (R11)',
        querystring: Type.Object(
          {
            workflow: Enum(FINDING_WORKFLOW_NAMES),
            state: Type.Optional(Type.String({ maxLength: 30 })),
            status: Type.Optional(Enum(['open', 'closed', 'overdue', 'all'])),
            queue: Type.Optional(Enum(['own', 'below', 'all'], 'Supervisors: own = your department; below = escalated to you; all = your whole region')),
            region: Type.Optional(Type.String({ maxLength: 12 })),
            agency: Type.Optional(Type.String({ maxLength: 64 })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Paged(Type.Object({ ...FindingOut.properties, names: Names })), ...errors },
      },
    },
    async (request) => {
      const { page, pageSize, ...q } = request.query;
      return listFindingQueue(services(), callerOf(request), q as never, { page, pageSize });
    },
  );

  app.get(
    '/findings/summary',
    {
      config: { access: { action: 'supervision.read' } },
      schema: {
        tags: ['findings'],
        security: USER_SECURITY,
        summary: 'Counts of findings within your scope: open, overdue, closed (investigations: null unless you may read them)',
        response: { 200: Type.Object({ investigation: Nullable(Counts), key_target: Counts, replacement: Counts }), ...errors },
      },
    },
    async (request) => findingsSummary(services(), callerOf(request)),
  );

  app.get(
    '/findings/suspicion',
    {
      config: { access: { action: 'investigations.read' } },
      schema: {
        tags: ['findings'],
        security: USER_SECURITY,
        summary: 'R10: the period suspicion scores of windows, staff or agencies within your scope, highest first',
        querystring: Type.Object(
          {
            dimension: Enum(['window', 'staff', 'agency']),
            from: Day,
            to: Day,
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Paged(
            Type.Object({
              key: Type.String(),
              name: Type.String(),
              ratings: Type.Integer({ description: 'Active ratings in the period' }),
              flagged: Type.Integer({ description: 'Of them, flagged by a signal' }),
              score: Type.Number({ description: 'The mean suspicion of its active ratings in the period (0–1)' }),
              maxSuspicion: Type.Number(),
            }),
          ),
          ...errors,
        },
      },
    },
    async (request) => {
      const { page, pageSize, ...q } = request.query;
      return suspicionScores(services(), callerOf(request), q as SuspicionQuery, { page, pageSize });
    },
  );

  app.get(
    '/findings/:id',
    {
      config: { access: { action: 'supervision.read' } },
      schema: {
        tags: ['findings'],
        security: USER_SECURITY,
        summary: 'A finding: its evidence (signals, flagged ratings with their suspicion, timeline, peers), its history and the steps you may take',
        params: Type.Object({ id: Id }),
        response: { 200: FindingDetail, ...errors },
      },
    },
    async (request) => getFinding(services(), callerOf(request), request.params.id),
  );

  app.post(
    '/findings/:id/steps',
    {
      config: { access: { action: 'supervision.read', audited: true } },
      schema: {
        tags: ['findings'],
        security: USER_SECURITY,
        summary: 'Take a step on a finding: confirm or dismiss an investigation (R10); a visit, measures or closure of a key target; a replacement plan (R11)',
        description:
          '409 transition_not_allowed names the state; 409 visit_missing; 409 item_changed when `version` is stale; 404 outside your scope. Refusals are audited.',
        params: Type.Object({ id: Id }),
        body: StepBody,
        response: { 200: FindingOut, ...errors },
      },
    },
    async (request) => presentFinding(await stepFinding(services(), callerOf(request), request.params.id, request.body as FindingStepInput), services().now()),
  );
}
