// Case intake from business systems (R7), package services (R8) and rating
// invitations. All need a business-system API key.
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { ID_TYPE_NAMES } from '../../../domain/applicants.ts';
import { OCCASION_KINDS } from '../../../domain/occasions.ts';
import {
  findCases,
  acceptCase,
  acceptPackage,
  advancePackage,
  completeCase,
  getCase,
  getPackage,
  issueInvitation,
  withdrawCase,
  type CaseInput,
  type PackageInput,
} from '../../../app/cases.ts';
import { API_KEY_SECURITY, callerOf, clientOf, USER_SECURITY } from '../../plugins/auth.ts';
import { ErrorBody, Nullable, Paged, PageQuery } from '../../schemas.ts';

const CaseNumber = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Letters, digits, - or _; at most 64' });
const Instant = (description: string) => Type.String({ format: 'date-time', description });
const RatesAtWindow = Type.Optional(
  Type.Boolean({
    description:
      'Issue 12: true when the applicant rates on the window’s evaluation device; otherwise an applicant with a phone is invited by SMS (default false)',
  }),
);

const ApplicantIn = Type.Object(
  {
    name: Type.String({ maxLength: 100 }),
    idType: Type.String({ enum: ID_TYPE_NAMES, description: 'resident_id (居民身份证), uscc (企业), passport, …' }),
    idNumber: Type.String({ maxLength: 30 }),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 20 }))),
  },
  { additionalProperties: false, description: 'R9: stored encrypted; only ever returned masked' },
);
const ApplicantOut = Type.Object({ name: Type.String(), idType: Type.String(), idNumber: Type.String(), phone: Nullable(Type.String()) });

const Occasion = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ enum: [...OCCASION_KINDS] }),
  occurredAt: Type.String({ format: 'date-time' }),
  deadline: Type.String({ format: 'date-time', description: 'R6: 24:00 China time of day D+7; rated until then' }),
  status: Type.String({ enum: ['open', 'rated', 'defaulted', 'cancelled', 'expired'] }),
  staffNumber: Nullable(Type.String()),
  staffName: Nullable(Type.String()),
  agencyCode: Nullable(Type.String()),
  regionCode: Nullable(Type.String()),
  centerCode: Nullable(Type.String()),
  rating: Type.Union([
    Type.Object({ id: Type.Integer(), level: Type.String(), channel: Type.String(), isDefault: Type.Boolean(), givenAt: Type.String({ format: 'date-time' }) }),
    Type.Null(),
  ]),
});

const Case = Type.Object({
  caseNumber: Type.String(),
  matterCode: Type.String(),
  matterName: Type.String(),
  kind: Type.String({ enum: ['immediate', 'promised'] }),
  agencyCode: Type.String(),
  agencyName: Type.String(),
  packageNumber: Nullable(Type.String()),
  applicant: Type.Union([ApplicantOut, Type.Null()]),
  acceptedAt: Type.String({ format: 'date-time' }),
  completedAt: Nullable(Type.String({ format: 'date-time' })),
  withdrawnAt: Nullable(Type.String({ format: 'date-time' })),
  occasions: Type.Array(Occasion),
});

const Package = Type.Object({
  packageNumber: Type.String(),
  name: Type.String(),
  applicant: ApplicantOut,
  members: Type.Array(Type.Object({ caseNumber: Type.String(), matterCode: Type.String(), agencyCode: Type.String() })),
  compositeParties: Type.Array(Type.Object({ agencyCode: Type.String(), regionCode: Type.String() }), {
    description: 'R8: every agency and region the composite rating counts for',
  }),
  occasions: Type.Array(Occasion),
});

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const tags = ['cases'];
const security = API_KEY_SECURITY;
// A business system's own records: each case and package keeps the client
// that sent it, and ratings the channel; they are not audit events.
const SUBMIT = { action: 'cases.submit', notAudited: 'machine intake: the case or package records the sending client' } as const;
const READ = { action: 'cases.read' } as const;

export default async function caseRoutes(app: AppInstance) {
  const services = () => app.deps.services;

  app.post(
    '/cases',
    {
      config: { access: SUBMIT },
      schema: {
        tags,
        security,
        summary: 'Record a case at acceptance (受理); an immediate case (即办件) is completed at once',
        body: Type.Object(
          {
            caseNumber: CaseNumber,
            matterCode: Type.String({ maxLength: 64 }),
            agencyCode: Type.Optional(Type.String({ maxLength: 18, description: "Default: the matter's agency" })),
            applicant: ApplicantIn,
            staffNumber: Type.String({ maxLength: 32, description: 'Who accepted it' }),
            acceptedAt: Instant('When it was accepted'),
            completedAt: Type.Optional(Instant('Promised cases completed already (back-fill); leave out otherwise')),
            ratesAtWindow: RatesAtWindow,
          },
          { additionalProperties: false },
        ),
        response: { 201: Case, 200: Case, ...errors },
      },
    },
    async (request, reply) => {
      const client = clientOf(request);
      const result = await acceptCase(services(), client, request.body as CaseInput);
      return reply.status(result.created ? 201 : 200).send(result.case);
    },
  );

  app.get(
    '/cases/:caseNumber',
    {
      config: { access: READ },
      schema: {
        tags,
        security,
        summary: 'A case with its occasions (applicant masked)',
        params: Type.Object({ caseNumber: Type.String() }),
        response: { 200: Case, ...errors },
      },
    },
    async (request) => {
      return getCase(services(), clientOf(request), request.params.caseNumber);
    },
  );

  app.get(
    '/case-search',
    {
      config: { access: { action: 'cases.find' } },
      schema: {
        tags,
        security: USER_SECURITY,
        summary: 'Find cases by number, by a staff member who served them, or by the days they were accepted on, within the scope (applicant masked)',
        querystring: Type.Object(
          {
            caseNumber: Type.Optional(Type.String({ maxLength: 64 })),
            staffNumber: Type.Optional(Type.String({ maxLength: 32 })),
            from: Type.Optional(Type.String({ maxLength: 10, description: 'First China day of acceptance, YYYY-MM-DD' })),
            to: Type.Optional(Type.String({ maxLength: 10, description: 'Last China day of acceptance, inclusive' })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Paged(Case), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => {
      const { page, pageSize, ...query } = request.query;
      return findCases(services(), callerOf(request), query, { page, pageSize: Math.min(pageSize, 50) });
    },
  );

  app.post(
    '/cases/:caseNumber/complete',
    {
      config: { access: SUBMIT },
      schema: {
        tags,
        security,
        summary: 'Complete (办结) a promised case: opens its completion occasion',
        params: Type.Object({ caseNumber: Type.String() }),
        body: Type.Object(
          { completedAt: Instant('When it was completed'), staffNumber: Type.String({ maxLength: 32 }), ratesAtWindow: RatesAtWindow },
          { additionalProperties: false },
        ),
        response: { 200: Case, ...errors },
      },
    },
    async (request) => {
      return completeCase(services(), clientOf(request), request.params.caseNumber, request.body);
    },
  );

  app.post(
    '/cases/:caseNumber/withdraw',
    {
      config: { access: SUBMIT },
      schema: {
        tags,
        security,
        summary: 'Withdraw or cancel (撤件) a case: its open occasions are cancelled, no default is given',
        params: Type.Object({ caseNumber: Type.String() }),
        body: Type.Object(
          { at: Type.Optional(Instant('Default: now')), reason: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: Case, ...errors },
      },
    },
    async (request) => {
      return withdrawCase(services(), clientOf(request), request.params.caseNumber, request.body);
    },
  );

  const Stage = Type.Object(
    { staffNumber: Type.String({ maxLength: 32 }), at: Instant('When the stage was done'), ratesAtWindow: RatesAtWindow },
    { additionalProperties: false },
  );

  app.post(
    '/packages',
    {
      config: { access: SUBMIT },
      schema: {
        tags: ['packages'],
        security,
        summary: 'Accept a package service (一件事): member cases and the acceptance occasion (R8)',
        body: Type.Object(
          {
            packageNumber: CaseNumber,
            name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
            applicant: ApplicantIn,
            members: Type.Array(
              Type.Object(
                { caseNumber: CaseNumber, matterCode: Type.String({ maxLength: 64 }), agencyCode: Type.Optional(Type.String({ maxLength: 18 })) },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 50 },
            ),
            acceptance: Stage,
          },
          { additionalProperties: false },
        ),
        response: { 201: Package, ...errors },
      },
    },
    async (request, reply) => {
      const client = clientOf(request);
      return reply.status(201).send(await acceptPackage(services(), client, request.body as PackageInput));
    },
  );

  app.get(
    '/packages/:packageNumber',
    {
      config: { access: READ },
      schema: {
        tags: ['packages'],
        security,
        summary: 'A package with its occasions',
        params: Type.Object({ packageNumber: Type.String() }),
        response: { 200: Package, ...errors },
      },
    },
    async (request) => {
      return getPackage(services(), clientOf(request), request.params.packageNumber);
    },
  );

  app.post(
    '/packages/:packageNumber/stages/:stage',
    {
      config: { access: SUBMIT },
      schema: {
        tags: ['packages'],
        security,
        summary: 'Record the approval (审批) or delivery (出件) stage; delivery opens the composite occasion',
        params: Type.Object({ packageNumber: Type.String(), stage: Type.String({ enum: ['approval', 'delivery'] }) }),
        body: Stage,
        response: { 200: Package, ...errors },
      },
    },
    async (request) => {
      return advancePackage(services(), clientOf(request), request.params.packageNumber, request.params.stage as 'approval' | 'delivery', request.body);
    },
  );

  app.post(
    '/occasions/:occasionId/invitations',
    {
      config: { access: SUBMIT },
      schema: {
        tags: ['ratings'],
        security,
        summary: 'A signed single-use rating token for one occasion (what SMS links, H5 pages and window devices carry)',
        params: Type.Object({ occasionId: Type.Integer({ minimum: 1 }) }),
        response: { 201: Type.Object({ occasionId: Type.Integer(), token: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }), ...errors },
      },
    },
    async (request, reply) => {
      const client = clientOf(request);
      return reply.status(201).send(await issueInvitation(services(), client, request.params.occasionId));
    },
  );
}
