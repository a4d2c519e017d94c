// What the rater's page shows for a link (issue 12, R5-R7): the occasion, who
// served and where — or why it can no longer be rated: a tampered or foreign
// link (401 invalid_token), a period that is over (410 token_expired: the
// default rating applies, R6), an occasion rated already through another
// link or channel (409 rating_already_given), a withdrawn case (409
// occasion_cancelled). Opened again after rating, it shows the rating given
// with this link. Nothing here names the rater (R9).
import QRCode from 'qrcode';
import { AppError, conflict } from '../domain/errors.ts';
import { OCCASION_NAMES, ratingLink } from '../domain/invitations.ts';
import * as cases from '../storage/cases.ts';
import { issueInvitation, verifyInvitation } from './cases.ts';
import type { ApiClient } from './clients.ts';
import type { Services } from './context.ts';
import { presentRating } from './submitRating.ts';
import { raterFeedback } from './supervisionQueues.ts';

export async function viewInvitation(services: Services, token: string) {
  const { payload, occasion: o } = await verifyInvitation(services.protector, token, (id) => cases.invitationFacts(services.db, id));
  const rating = o.rating_id ? await cases.ratingOfOccasion(services.db, o.id) : undefined;
  const now = services.now();
  if (rating && !rating.is_default && rating.token_id === `${payload.o}:${payload.n}`)
    // Issue 13: under the rating, what the supervision loop decided and told the rater (R6, R12).
    return { ...present('rated', o, presentRating(rating)), supervision: await raterFeedback(services, rating.id) };
  if (rating?.is_default) throw new AppError('token_expired', 'gone', 'The rating period is over; the default rating was given (R6)');
  if (rating) throw conflict('rating_already_given', 'This service has been rated already (R7)');
  if (o.cancelled_at) throw conflict('occasion_cancelled', 'The case was withdrawn; there is nothing to rate');
  if (now.getTime() >= payload.e || now.getTime() >= o.deadline.getTime())
    throw new AppError('token_expired', 'gone', 'The rating link has expired: the rating period is over and the default rating applies (R6)');
  return { ...present('open', o, null), supervision: null };
}

type Facts = NonNullable<Awaited<ReturnType<typeof cases.invitationFacts>>>;

function present(state: 'open' | 'rated', o: Facts, rating: ReturnType<typeof presentRating> | null) {
  return {
    state,
    occasion: { id: o.id, kind: o.kind, kindName: OCCASION_NAMES[o.kind], occurredAt: o.occurred_at.toISOString(), deadline: o.deadline.toISOString() },
    matter: o.matter_name ? { name: o.matter_name } : null,
    packageName: o.package_name,
    agency: o.agency_name ? { name: o.agency_name } : null,
    center: o.center_name ? { name: o.center_name } : null,
    window: o.window_number ? { number: o.window_number, name: o.window_name } : null,
    staff: o.staff_name ? { name: o.staff_name, staffNumber: o.staff_number! } : null,
    rating,
  };
}

/** The QR code printed on the 办结 receipt: the rating link of a fresh token, as a PNG (issue 12). */
export async function invitationQrCode(services: Services, client: ApiClient, occasionId: number): Promise<Buffer> {
  const { token } = await issueInvitation(services, client, occasionId);
  return QRCode.toBuffer(ratingLink(services.outbox.publicUrl, token, 'qr'), { type: 'png', errorCorrectionLevel: 'M', margin: 4, width: 264 });
}
