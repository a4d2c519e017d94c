// R4-R7, R9: a rater rates one occasion, once. Two ways in:
//   1. an invitation token (SMS link, H5 page, window device): the token is
//      the credential and names the occasion;
//   2. a channel client with its API key, naming the case (or package) and
//      the occasion, and the rater's identity — which must be the applicant's.
// The database keeps one rating per occasion; the occasion row is locked
// while deciding, so concurrent submissions are answered one after another:
// the first is stored (201), the same rating again gets the first back (200),
// a different one is refused (409).
import { checkApplicant, identityKey, type Applicant } from '../domain/applicants.ts';
import { AppError, conflict, notFound, type FieldProblem, invalidFields } from '../domain/errors.ts';
import { caseOccasions, occasionState, PACKAGE_STAGES, packageOccasions, type OccasionKind } from '../domain/occasions.ts';
import { POLICY } from '../domain/policy.ts';
import {
  ASPECTS,
  isNegative,
  LEVELS,
  ratingFingerprint,
  scoreOf,
  TAGS,
  type Aspect,
  type Channel,
  type Level,
  type RatingContent,
  type Tag,
} from '../domain/ratings.ts';
import * as cases from '../storage/cases.ts';
import { revealApplicant, verifyInvitation } from './cases.ts';
import type { ApiClient } from './clients.ts';
import type { Caller, Services } from './context.ts';
import { requireAccess } from '../domain/access.ts';
import { maskPersonalData } from '../domain/personalData.ts';
import { openSupervision } from './supervision.ts';

export interface RatingInput {
  level: string;
  aspects?: Partial<Record<Aspect, string>>;
  tags?: string[];
  comment?: string | null;
  channel: string;
  /** R9: the rater consents to the rating being shared with a third party (default no). */
  thirdPartyConsent?: boolean;
}

export type Submission =
  | {
      via: 'token';
      token: string;
      content: RatingInput;
      idempotencyKey?: string;
      /** The calling API client, if any: a window's device rates with the occasion's token (issue 12). */
      client?: ApiClient;
    }
  | {
      via: 'channel';
      client: ApiClient;
      caseNumber?: string;
      packageNumber?: string;
      occasion: OccasionKind;
      rater: Applicant;
      content: RatingInput;
      idempotencyKey?: string;
    };

/** R4-R6: reads what the rater said; every problem names its field. */
export function checkContent(input: RatingInput): { content: RatingContent; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const isLevel = (v: unknown): v is Level => typeof v === 'string' && Object.hasOwn(LEVELS, v);
  if (!isLevel(input.level)) problems.push({ field: '/body/level', message: `must be one of ${Object.keys(LEVELS).join(', ')}` });
  const aspects: Partial<Record<Aspect, Level>> = {};
  for (const [aspect, level] of Object.entries(input.aspects ?? {})) {
    if (!Object.hasOwn(ASPECTS, aspect)) problems.push({ field: `/body/aspects/${aspect}`, message: 'is not an aspect (attitude, quality, efficiency)' });
    else if (!isLevel(level)) problems.push({ field: `/body/aspects/${aspect}`, message: 'is not a level' });
    else aspects[aspect as Aspect] = level;
  }
  const tags = [...new Set(input.tags ?? [])];
  tags.forEach((tag, i) => {
    if (!Object.hasOwn(TAGS, tag)) problems.push({ field: `/body/tags/${i}`, message: `is not a known tag (${tag})` });
  });
  const comment = input.comment?.trim() || null;
  if (comment && comment.length > 500) problems.push({ field: '/body/comment', message: 'must be at most 500 characters' });
  if (input.channel === 'system') problems.push({ field: '/body/channel', message: 'system is for default ratings only (R6)' });
  return { content: { level: input.level as Level, aspects, tags: tags as Tag[], comment, channel: input.channel as Channel }, problems };
}

const reject = invalidFields;

interface Target {
  occasionId: number;
  raterIdHash: string;
  tokenId: string | null;
  /** Token path: when the token stops being valid (checked after a retry is recognised). */
  expiresAt?: number;
}

async function targetFromToken(services: Services, token: string, channel: Channel, client: ApiClient | undefined): Promise<Target> {
  const { payload, occasion } = await verifyInvitation(services.protector, token, (id) => cases.findOccasionById(services.db, id));
  // R5: the device channel is the evaluation device at the window where the occasion was served, and only it.
  if (client?.kind === 'device') {
    if (channel !== 'device') throw new AppError('channel_not_allowed', 'forbidden', 'An evaluation device rates through the device channel');
    if (occasion.window_id !== client.windowId)
      throw new AppError('device_window_mismatch', 'forbidden', 'This device stands at another window than the one where the case was served');
  } else if (channel === 'device') {
    throw new AppError('channel_not_allowed', 'forbidden', 'Ratings through the device channel come from a paired evaluation device (with its key)');
  } else if (client?.kind === 'channel') {
    if (client.channel !== channel) throw new AppError('channel_not_allowed', 'forbidden', `This API key is for the ${client.channel} channel, not ${channel}`);
  } else if (channel !== 'sms' && channel !== 'web') {
    // R5: a link by itself is the SMS, or the same link printed as a QR code (web); other channels rate with their key.
    throw new AppError('channel_not_allowed', 'forbidden', `A rating link rates through sms (the SMS) or web (the QR code on the receipt), not ${channel}`);
  }
  return {
    occasionId: occasion.id,
    raterIdHash: await cases.applicantHashOf(services.db, occasion),
    tokenId: `${payload.o}:${payload.n}`,
    expiresAt: payload.e,
  };
}

async function targetFromChannel(services: Services, s: Extract<Submission, { via: 'channel' }>, content: RatingContent): Promise<Target> {
  if (s.client.kind === 'business_system') throw new AppError('forbidden', 'forbidden', 'Ratings are submitted by channel clients and devices');
  if (s.client.channel !== content.channel) {
    throw new AppError('channel_not_allowed', 'forbidden', `This API key is for the ${s.client.channel} channel, not ${content.channel}`);
  }
  const { applicant: rater, problems } = checkApplicant(s.rater, '/body/rater');
  if (!!s.caseNumber === !!s.packageNumber) problems.push({ field: '/body/caseNumber', message: 'give a caseNumber or a packageNumber' });
  reject(problems);
  const db = services.db;
  let owner: { caseId?: number; packageId?: number };
  let applicantRow;
  let kinds: OccasionKind[];
  if (s.caseNumber) {
    const row = await cases.findCaseByNumber(db, s.caseNumber.trim());
    if (!row) throw notFound('case_not_found', `No case has the number ${s.caseNumber}`);
    if (row.package_id) throw conflict('case_in_package', 'This case is part of a package: rate the package (packageNumber)');
    owner = { caseId: row.id };
    applicantRow = row;
    kinds = caseOccasions(row.kind, { accepted: true, completed: true });
  } else {
    const row = await cases.findPackageByNumber(db, s.packageNumber!.trim());
    if (!row) throw notFound('package_not_found', `No package has the number ${s.packageNumber}`);
    owner = { packageId: row.id };
    applicantRow = row;
    kinds = packageOccasions(PACKAGE_STAGES);
  }
  if (!kinds.includes(s.occasion)) {
    throw notFound('occasion_not_found', `This ${s.caseNumber ? 'case' : 'package'} has no ${s.occasion} occasion; it has ${kinds.join(', ')} (R7, R8)`);
  }
  const occasion = await cases.findOccasion(db, owner, s.occasion);
  if (!occasion) {
    // A withdrawn case will never reach this occasion.
    if ('withdrawn_at' in applicantRow && applicantRow.withdrawn_at) throw conflict('occasion_cancelled', 'The case was withdrawn; there is nothing to rate');
    throw conflict('occasion_not_open', `The ${s.occasion} has not happened yet; it can be rated once it has (R7)`);
  }
  // R9: the rater must be the applicant — same identity document and name.
  const applicant = revealApplicant(services.protector, applicantRow)!;
  const raterHash = services.protector.hash(identityKey(rater.idType, rater.idNumber));
  if (raterHash !== applicantRow.applicant_id_hash || rater.name !== applicant.name) {
    throw new AppError('rater_not_applicant', 'forbidden', 'Only the applicant of the case may rate it (R9)');
  }
  // A window's device rates only what was served at its window.
  if (s.client.kind === 'device' && occasion.window_id !== s.client.windowId) {
    throw new AppError('device_window_mismatch', 'forbidden', 'This device stands at another window than the one where the case was served');
  }
  return { occasionId: occasion.id, raterIdHash: raterHash, tokenId: null };
}

export interface SubmittedRating {
  created: boolean;
  rating: ReturnType<typeof presentRating>;
}

export async function submitRating(services: Services, submission: Submission): Promise<SubmittedRating> {
  const { content, problems } = checkContent(submission.content);
  reject(problems);
  const target =
    submission.via === 'token'
      ? await targetFromToken(services, submission.token, content.channel, submission.client)
      : await targetFromChannel(services, submission, content);
  const fingerprint = ratingFingerprint(content);
  const now = services.now();

  return services.db.transaction().execute(async (trx) => {
    const occasion = (await cases.lockOccasion(trx, target.occasionId))!;
    const existing = await cases.ratingOfOccasion(trx, occasion.id);
    if (existing) {
      // R7: the same rating sent again is answered with the first one.
      const retry = (submission.idempotencyKey && existing.idempotency_key === submission.idempotencyKey) || existing.fingerprint === fingerprint;
      if (retry && !existing.is_default) return { created: false, rating: presentRating(existing) };
      if (existing.is_default) throw conflict('occasion_defaulted', 'The rating period is over and the default rating was given (R6)');
      if (target.tokenId && existing.token_id === target.tokenId) throw conflict('token_already_used', 'This rating link was used already');
      throw conflict('rating_already_given', 'This occasion has been rated already; a second rating is refused (R7)');
    }
    if (occasion.cancelled_at) throw conflict('occasion_cancelled', 'The case was withdrawn; there is nothing to rate');
    // Checked only now, so that a retry of a rating stored just before the deadline still gets it back (R7).
    if (target.expiresAt !== undefined && now.getTime() >= target.expiresAt) {
      throw new AppError('token_expired', 'gone', 'The rating link has expired: the rating period is over (R6)');
    }
    const state = occasionState(new Date(occasion.occurred_at.getTime() - POLICY.clockSkewMs), occasion.deadline, now);
    if (state === 'not_open') throw conflict('occasion_not_open', 'This occasion has not happened yet (R7)');
    if (state === 'closed') throw conflict('occasion_defaulted', 'The rating period is over; the default rating applies (R6)');
    const row = await cases.insertRatingAndClose(
      trx,
      {
        occasion_id: occasion.id,
        level: content.level,
        score: scoreOf(content.level),
        attitude_level: content.aspects.attitude ?? null,
        quality_level: content.aspects.quality ?? null,
        efficiency_level: content.aspects.efficiency ?? null,
        tags: content.tags,
        ...protectComment(services.protector, content.comment),
        channel: content.channel,
        is_default: false,
        given_at: now,
        rater_id_hash: target.raterIdHash,
        client_id: submission.client?.id ?? null,
        idempotency_key: submission.idempotencyKey ?? null,
        token_id: target.tokenId,
        fingerprint,
        third_party_consent: submission.content.thirdPartyConsent === true,
      },
      now,
    );
    // R6, R12: a negative rating enters the supervision loop in the transaction that stores it.
    if (isNegative(content.level)) await openSupervision(trx, { actor: { type: 'system', name: 'rating intake' } }, row.id, now);
    return { created: true, rating: presentRating(row) };
  });
}

/**
 * R9: personal data typed into the comment is masked in what everyone sees;
 * the comment as written is kept encrypted for the audited reveal.
 */
function protectComment(protector: Services['protector'], comment: string | null): { comment: string | null; comment_cipher: string | null } {
  if (!comment) return { comment, comment_cipher: null };
  const { masked, found } = maskPersonalData(comment);
  if (!found.length) return { comment, comment_cipher: null };
  return { comment: masked.slice(0, 500), comment_cipher: protector.encrypt(comment) };
}

type RatingRow = Awaited<ReturnType<typeof cases.ratingOfOccasion>> & {};

/** A rating as the rater and business systems see it: no identity at all. */
export function presentRating(row: RatingRow) {
  return {
    id: row.id,
    occasionId: row.occasion_id,
    level: row.level as Level,
    score: row.score,
    negative: isNegative(row.level as Level),
    aspects: {
      attitude: (row.attitude_level as Level | null) ?? null,
      quality: (row.quality_level as Level | null) ?? null,
      efficiency: (row.efficiency_level as Level | null) ?? null,
    },
    tags: row.tags,
    comment: row.comment,
    channel: row.channel as Channel,
    isDefault: row.is_default,
    givenAt: row.given_at.toISOString(),
  };
}

/** A business system reads the ratings of the cases and packages it sent; to it, others do not exist. */
export async function getRating(services: Services, caller: Caller, id: number) {
  const row = await cases.findRating(services.db, id);
  const sender = row ? await cases.senderOfOccasion(services.db, row.occasion_id) : undefined;
  if (!row || (caller.actor.type === 'client' && sender !== caller.actor.id)) throw notFound('rating_not_found', `No rating has the id ${id}`);
  requireAccess(caller.actor, 'cases.read', { clientId: sender ?? null });
  return presentRating(row);
}
