// R9: rater identity is confidential. It is shown in full only to a
// supervisory user (or an admin) whose scope holds the rating, for a
// follow-up, with a stated reason; each viewing is audited in the same
// transaction that reads it, and each refused attempt is audited too.
import { authenticationRequired, decide, forbidden, notFoundInScope, within } from '../domain/access.ts';
import { AppError, conflict, invalid, notFound } from '../domain/errors.ts';
import * as cases from '../storage/cases.ts';
import { recordAudit } from './audit.ts';
import { revealApplicant } from './cases.ts';
import type { Caller, Services } from './context.ts';

export const REVEAL_REASON_MIN = 5;

export async function revealRater(services: Services, caller: Caller, ratingId: number, input: { reason?: string }) {
  const actor = caller.actor;
  const reason = (input.reason ?? '').trim();
  const refuse = async (error: AppError): Promise<never> => {
    await services.db
      .transaction()
      .execute((trx) =>
        recordAudit(
          trx,
          caller,
          { action: 'rating.reveal_refused', subjectType: 'rating', subjectId: ratingId, reason: reason || null, changes: { refusal: error.id } },
          services.now(),
        ),
      );
    throw error;
  };
  const decision = decide(actor, 'identity.reveal');
  if (decision === 'unauthenticated') return refuse(authenticationRequired());
  if (decision !== 'allowed') return refuse(forbidden('identity.reveal', actor));
  if ([...reason].length < REVEAL_REASON_MIN) {
    return refuse(
      invalid('reason_required', `/body/reason must say why, in at least ${REVEAL_REASON_MIN} characters`, [
        { field: '/body/reason', message: `must be at least ${REVEAL_REASON_MIN} characters` },
      ]),
    );
  }
  const revealed = await services.db.transaction().execute(async (trx) => {
    const rating = await cases.ratingForReveal(trx, ratingId);
    const inScope = !!rating && (actor.type !== 'user' || rating.places.some((place) => within(actor.scope, place)));
    // Out of scope looks exactly like absent to a scoped user (its existence does not leak).
    if (!rating || !inScope)
      return actor.type === 'user' && actor.scope.kind !== 'all' ? notFoundInScope('rating') : notFound('rating_not_found', `No rating has the id ${ratingId}`);
    const applicant = revealApplicant(services.protector, rating);
    if (rating.is_default || !applicant) return conflict('no_rater', 'A default rating (R6) has no rater');
    await recordAudit(trx, caller, { action: 'rating.reveal_identity', subjectType: 'rating', subjectId: ratingId, reason }, services.now());
    return {
      ratingId,
      name: applicant.name,
      idType: applicant.idType,
      idNumber: applicant.idNumber,
      phone: applicant.phone ?? null,
      thirdPartyConsent: rating.third_party_consent,
      // The comment as written, personal data unmasked (R9).
      comment: rating.comment_cipher ? services.protector.decrypt(rating.comment_cipher) : rating.comment,
    };
  });
  return revealed instanceof AppError ? refuse(revealed) : revealed;
}
