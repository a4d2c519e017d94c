// POST /api/v1/ratings — the one way ratings come in, from every channel (R5):
// with an invitation token, or as a channel client (API key) naming the case
// and the rater. An `Idempotency-Key` header makes retries safe.
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { ID_TYPE_NAMES } from '../../../domain/applicants.ts';
import { OCCASION_KINDS, type OccasionKind } from '../../../domain/occasions.ts';
import type { Applicant } from '../../../domain/applicants.ts';
import { LEVEL_NAMES, RATER_CHANNELS, TAG_NAMES } from '../../../domain/ratings.ts';
import { getRating, submitRating, type Submission } from '../../../app/submitRating.ts';
import { API_KEY_SECURITY, callerOf, clientOf, USER_SECURITY } from '../../plugins/auth.ts';
import { REVEAL_REASON_MIN, revealRater } from '../../../app/identity.ts';
import { ErrorBody } from '../../schemas.ts';
import { invalidFields } from '../../../domain/errors.ts';
import { authenticationRequired } from '../../../domain/access.ts';

const Level = Type.String({
  enum: LEVEL_NAMES,
  description: 'very_satisfied 10, satisfied 8, basically_satisfied 6, dissatisfied 3, very_dissatisfied 0 (R6)',
});

export const RatingOut = Type.Object({
  id: Type.Integer(),
  occasionId: Type.Integer(),
  level: Type.String(),
  score: Type.Integer(),
  negative: Type.Boolean(),
  aspects: Type.Object({
    attitude: Type.Union([Type.String(), Type.Null()]),
    quality: Type.Union([Type.String(), Type.Null()]),
    efficiency: Type.Union([Type.String(), Type.Null()]),
  }),
  tags: Type.Array(Type.String()),
  comment: Type.Union([Type.String(), Type.Null()]),
  channel: Type.String(),
  isDefault: Type.Boolean(),
  givenAt: Type.String({ format: 'date-time' }),
});

const Body = Type.Object(
  {
    token: Type.Optional(Type.String({ maxLength: 1000, description: 'Invitation token (SMS/H5/device). Or leave out and use an API key:' })),
    caseNumber: Type.Optional(Type.String({ maxLength: 64 })),
    packageNumber: Type.Optional(Type.String({ maxLength: 64 })),
    occasion: Type.Optional(Type.String({ enum: [...OCCASION_KINDS] })),
    rater: Type.Optional(
      Type.Object(
        { name: Type.String({ maxLength: 100 }), idType: Type.String({ enum: ID_TYPE_NAMES }), idNumber: Type.String({ maxLength: 30 }) },
        { additionalProperties: false, description: 'R9: must be the applicant of the case' },
      ),
    ),
    level: Level,
    aspects: Type.Optional(
      Type.Object({ attitude: Type.Optional(Level), quality: Type.Optional(Level), efficiency: Type.Optional(Level) }, { additionalProperties: false }),
    ),
    tags: Type.Optional(Type.Array(Type.String({ enum: TAG_NAMES }), { maxItems: 9 })),
    comment: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    channel: Type.String({ enum: RATER_CHANNELS }),
    thirdPartyConsent: Type.Optional(
      Type.Boolean({ description: 'R9: the rater consents to sharing this rating with a third party (default false: nothing is shared)' }),
    ),
  },
  { additionalProperties: false },
);

export default async function ratingRoutes(app: AppInstance) {
  const services = () => app.deps.services;

  app.post(
    '/ratings',
    {
      config: { access: { public: true, why: 'a rater with an invitation token, or a channel client or device whose key the submission checks' } },
      schema: {
        tags: ['ratings'],
        security: [{}, ...API_KEY_SECURITY],
        summary: 'Rate an occasion (201 stored; 200 the same rating again; 409 already rated)',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 100 })) }),
        body: Body,
        response: { 201: RatingOut, 200: RatingOut, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 410: ErrorBody },
      },
    },
    async (request, reply) => {
      const { token, caseNumber, packageNumber, occasion, rater, ...rest } = request.body;
      const idempotencyKey = request.headers['idempotency-key'];
      const content = { ...rest, aspects: rest.aspects ?? {}, tags: rest.tags ?? [] };
      let submission: Submission;
      if (token) {
        // A device (or a channel client) may carry the token too; a rater's phone carries nothing else.
        submission = { via: 'token', token, content, idempotencyKey, client: request.actor.type === 'client' ? clientOf(request) : undefined };
      } else {
        // The hook resolved the API key; without a token the caller must be a channel client or device.
        if (request.actor.type === 'anonymous') throw authenticationRequired();
        const client = clientOf(request);
        if (!occasion || !rater) {
          const fields = [...(!occasion ? ['/body/occasion'] : []), ...(!rater ? ['/body/rater'] : [])].map((field) => ({
            field,
            message: 'is required without a token',
          }));
          invalidFields(fields);
        }
        submission = {
          via: 'channel',
          client,
          caseNumber,
          packageNumber,
          occasion: occasion as OccasionKind,
          rater: rater as Applicant,
          content,
          idempotencyKey,
        };
      }
      // R10: every submission is logged, stored or refused ("one link, or one client, submits again and again"), in its batch.
      const result = await submitRating(services(), submission, { clientId: request.actor.type === 'client' ? request.actor.id : null, sourceIp: request.ip });
      return reply.status(result.created ? 201 : 200).send(result.rating);
    },
  );

  app.get(
    '/ratings/:id',
    {
      config: { access: { action: 'cases.read' } },
      schema: {
        tags: ['ratings'],
        security: API_KEY_SECURITY,
        summary: 'One rating (no rater identity)',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        response: { 200: RatingOut, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      return getRating(services(), callerOf(request), request.params.id);
    },
  );

  app.post(
    '/ratings/:id/reveal',
    {
      config: { access: { action: 'identity.reveal', audited: true, decidedInUseCase: true } },
      schema: {
        tags: ['ratings'],
        security: USER_SECURITY,
        summary:
          'R9: the rater’s identity, for a follow-up — supervisors and admins whose scope holds the rating; a reason is required and every reveal is audited',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        body: Type.Object(
          {
            reason: Type.Optional(
              Type.String({ maxLength: 500, description: `Why (at least ${REVEAL_REASON_MIN} characters, required); kept in the audit log` }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            ratingId: Type.Integer(),
            name: Type.String(),
            idType: Type.String(),
            idNumber: Type.String(),
            phone: Type.Union([Type.String(), Type.Null()]),
            thirdPartyConsent: Type.Boolean({ description: 'R9: whether the rater consented to sharing with a third party' }),
            comment: Type.Union([Type.String(), Type.Null()], { description: 'The comment as written: personal data typed into it is masked everywhere else' }),
          }),
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (request) => revealRater(services(), callerOf(request), request.params.id, request.body),
  );
}
