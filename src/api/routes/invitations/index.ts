// The rater's page reads its link here (issue 12); business systems print
// the same link as a QR code on the 办结 receipt.
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { invitationQrCode, viewInvitation } from '../../../app/invitations.ts';
import { API_KEY_SECURITY, clientOf } from '../../plugins/auth.ts';
import { ErrorBody, Nullable } from '../../schemas.ts';
import { RatingOut } from '../ratings/index.ts';
import { RaterSupervision } from '../supervision/index.ts';

export default async function invitationRoutes(app: AppInstance) {
  const services = () => app.deps.services;

  app.get(
    '/invitations/:token',
    {
      config: { access: { public: true, why: 'the rater holds only the link: the token is the credential (limited per token)' } },
      schema: {
        tags: ['ratings'],
        summary: 'What a rating link is for (the rater’s page): the occasion, who served and where; or why it can no longer be rated',
        params: Type.Object({ token: Type.String({ maxLength: 1000 }) }),
        response: {
          200: Type.Object({
            state: Type.String({ enum: ['open', 'rated'], description: 'rated: the rating given with this link (opened again)' }),
            occasion: Type.Object({
              id: Type.Integer(),
              kind: Type.String(),
              kindName: Type.String(),
              occurredAt: Type.String({ format: 'date-time' }),
              deadline: Type.String({ format: 'date-time' }),
            }),
            matter: Nullable(Type.Object({ name: Type.String() })),
            packageName: Nullable(Type.String()),
            agency: Nullable(Type.Object({ name: Type.String() })),
            center: Nullable(Type.Object({ name: Type.String() })),
            window: Nullable(Type.Object({ number: Type.String(), name: Nullable(Type.String()) })),
            staff: Nullable(Type.Object({ name: Type.String(), staffNumber: Type.String() })),
            rating: Nullable(RatingOut),
            supervision: Nullable(RaterSupervision),
          }),
          401: ErrorBody,
          409: ErrorBody,
          410: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return viewInvitation(services(), request.params.token);
    },
  );

  app.get(
    '/occasions/:occasionId/invitation.png',
    {
      config: { access: { action: 'cases.submit', notAudited: 'machine intake: a token is issued, nothing is changed' } },
      schema: {
        tags: ['ratings'],
        security: API_KEY_SECURITY,
        summary: 'The rating link of an occasion as a QR code (PNG), to print on the 办结 receipt',
        params: Type.Object({ occasionId: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        response: { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const png = await invitationQrCode(services(), clientOf(request), request.params.occasionId);
      // A PNG, not JSON: sent as it is (the response schemas describe the errors).
      return reply
        .header('cache-control', 'no-store')
        .type('image/png')
        .send(png as never);
    },
  );
}
