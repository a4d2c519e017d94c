// R4-R7, R9: a rater rates one occasion, once. Two ways in:
//   1. an invitation token (SMS link, H5 page, window device): the token is
//      the credential and names the occasion;
//   2. a channel client with its API key, naming the case (or package) and
//      the occasion, and the rater's identity — which must be the applicant's.
// The database keeps one rating per occasion. Submissions are settled in
// batches (group commit, issue 15: src/app/ratingBatcher.ts), one transaction
// each, with the batch's occasions locked while deciding; within a batch and
// across batches they are decided in the order they arrived, so concurrent
// submissions are answered as if one after another: the first is stored
// (201), the same rating again gets the first back (200), a different one is
// refused (409). Each is answered only once its batch has committed.
import { checkApplicant, identityKey, type Applicant } from '../domain/applicants.ts';
import { AppError, conflict, notFound, type FieldProblem, invalidFields } from '../domain/errors.ts';
import { caseOccasions, occasionState, type CaseKind, PACKAGE_STAGES, packageOccasions, type OccasionKind } from '../domain/occasions.ts';
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
import * as batchRepo from '../storage/ratingBatch.ts';
import { revealApplicant, type InvitationToken } from './cases.ts';
import { DEFAULT_RATING_BATCH, GroupCommit, type Settled, type Turn } from './ratingBatcher.ts';
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

/** R10: who submitted, for the log of submissions (the address is kept as a keyed hash only). */
export interface AttemptSource {
  clientId: number | null;
  sourceIp: string | null;
}

/** What a submission is about, as far as it can be checked before its batch: the rest is decided in the batch. */
type Aim =
  | { via: 'token'; payload: InvitationToken; client?: ApiClient }
  | {
      via: 'channel';
      client: ApiClient;
      of: 'case' | 'package';
      number: string;
      kinds: (kind: string | null) => OccasionKind[];
      occasion: OccasionKind;
      rater: Applicant;
      raterHash: string;
    };

/** A submission that joins a batch: a rating to settle, or (refused before its batch) only its line in the log. */
type Entry =
  | {
      aim: Aim;
      content: RatingContent;
      comment: { comment: string | null; comment_cipher: string | null };
      thirdPartyConsent: boolean;
      fingerprint: string;
      idempotencyKey: string | null;
      attempt: Attempt | null;
    }
  | { aim: null; attempt: Attempt };

interface Attempt {
  token_id: string | null;
  client_id: number | null;
  source_hash: string | null;
  /** Set for a submission refused before its batch; otherwise the batch's decision. */
  outcome?: string;
}

export interface SubmittedRating {
  created: boolean;
  rating: ReturnType<typeof presentRating>;
}

const batchers = new WeakMap<Services, GroupCommit<Entry, SubmittedRating | null>>();

function batcherOf(services: Services) {
  let batcher = batchers.get(services);
  if (!batcher) {
    batcher = new GroupCommit((entries, turn) => settleBatch(services, entries, turn), services.ratingBatch ?? DEFAULT_RATING_BATCH);
    batchers.set(services, batcher);
  }
  return batcher;
}

/** Errors whose submission is in the log already (decided in its batch). */
const logged = new WeakSet<object>();

/**
 * R4-R7, R9: one submission, answered once the batch it joins has committed
 * (issue 15): 201 stored, 200 the same rating again, or its own refusal.
 * With `attempt`, the submission is logged stored or refused (R10).
 */
export async function submitRating(services: Services, submission: Submission, attempt?: AttemptSource): Promise<SubmittedRating> {
  const line = (tokenId: string | null): Attempt | null =>
    attempt
      ? { token_id: tokenId, client_id: attempt.clientId, source_hash: attempt.sourceIp ? services.protector.hash(`source:${attempt.sourceIp}`) : null }
      : null;
  let payload: InvitationToken | null = null;
  try {
    const { content, problems } = checkContent(submission.content);
    reject(problems);
    let aim: Aim;
    if (submission.via === 'token') {
      payload = services.protector.verify<InvitationToken>(submission.token);
      if (!payload || payload.v !== 1) throw invalidToken();
      aim = { via: 'token', payload, client: submission.client };
    } else {
      aim = channelAim(services, submission, content);
    }
    const entry: Entry = {
      aim,
      content,
      comment: protectComment(services.protector, content.comment),
      thirdPartyConsent: submission.content.thirdPartyConsent === true,
      fingerprint: ratingFingerprint(content),
      idempotencyKey: submission.idempotencyKey ?? null,
      attempt: line(payload ? `${payload.o}:${payload.n}` : null),
    };
    return (await batcherOf(services).submit(entry))!;
  } catch (error) {
    const entry = attempt ? line(submission.via === 'token' ? tokenIdOf(services, submission.token, payload) : null) : null;
    if (entry && !(error instanceof Object && logged.has(error))) {
      // Refused before its batch: the refusal joins the next batch's log. The log serves detection; the answer never fails for it.
      await batcherOf(services)
        .submit({ aim: null, attempt: { ...entry, outcome: error instanceof AppError ? error.id : 'failed' } })
        .catch(() => undefined);
    }
    throw error;
  }
}

const invalidToken = () => new AppError('invalid_token', 'unauthorized', 'The rating link is not valid');

/** The id a rating keeps of its link (occasion:nonce); for a link that does not verify, a keyed hash of it. */
function tokenIdOf(services: Services, token: string, payload: InvitationToken | null): string {
  return payload?.o && payload.n ? `${payload.o}:${payload.n}` : `bad:${services.protector.hash(token).slice(0, 24)}`;
}

/** R5, R9: what a channel submission says, checked before its batch (the case and the applicant are checked in it). */
function channelAim(services: Services, s: Extract<Submission, { via: 'channel' }>, content: RatingContent): Aim {
  if (s.client.kind === 'business_system') throw new AppError('forbidden', 'forbidden', 'Ratings are submitted by channel clients and devices');
  if (s.client.channel !== content.channel) {
    throw new AppError('channel_not_allowed', 'forbidden', `This API key is for the ${s.client.channel} channel, not ${content.channel}`);
  }
  const { applicant: rater, problems } = checkApplicant(s.rater, '/body/rater');
  if (!!s.caseNumber === !!s.packageNumber) problems.push({ field: '/body/caseNumber', message: 'give a caseNumber or a packageNumber' });
  reject(problems);
  return {
    via: 'channel',
    client: s.client,
    of: s.caseNumber ? 'case' : 'package',
    number: (s.caseNumber ?? s.packageNumber!).trim(),
    kinds: (caseKind) => (caseKind ? caseOccasions(caseKind as CaseKind, { accepted: true, completed: true }) : packageOccasions(PACKAGE_STAGES)),
    occasion: s.occasion,
    rater,
    raterHash: services.protector.hash(identityKey(rater.idType, rater.idNumber)),
  };
}

/** The batch met a rating stored by another transaction after it looked: it is settled again from the start. */
class RatingRaced extends Error {}

/**
 * R4-R7, R9, R10: settles a batch in one transaction, set-based — the
 * channel submissions' cases and occasions, the occasions locked in id
 * order, the ratings they have, the new ratings with their score events and
 * closed occasions, the log of submissions — deciding each submission in
 * the order it arrived, exactly as if they had come one after another.
 */
async function settleBatch(services: Services, entries: Entry[], turn: Turn): Promise<Settled<SubmittedRating | null>[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await services.db.transaction().execute((trx) => settleIn(services, trx, entries, turn));
    } catch (error) {
      if (!(error instanceof RatingRaced) || attempt === 3) throw error;
    }
  }
}

type Decision = { created: true; occasionId: number } | { created: false; row: RatingRow | null; occasionId: number };

async function settleIn(services: Services, trx: Services['db'], entries: Entry[], turn: Turn): Promise<Settled<SubmittedRating | null>[]> {
  const now = services.now();
  const decided: (Decision | { error: unknown } | null)[] = entries.map(() => null);
  const fail = (i: number, error: unknown) => (decided[i] = { error });

  // The channel submissions' cases (or packages) by number, each with the occasion it names (R7, R8).
  const wanted = (of: 'case' | 'package') =>
    entries.flatMap((e, i) => (e.aim?.via === 'channel' && e.aim.of === of ? [{ i, number: e.aim.number, kind: e.aim.occasion }] : []));
  const owners = new Map<number, batchRepo.ResolvedOwner>();
  for (const of of ['case', 'package'] as const) for (const row of await batchRepo.resolveOwners(trx, of, wanted(of))) owners.set(row.i, row);

  const occasionOf = new Map<number, number>();
  entries.forEach((e, i) => {
    if (!e.aim) return;
    if (e.aim.via === 'token') return occasionOf.set(i, e.aim.payload.o);
    try {
      occasionOf.set(i, channelOccasion(services, e.aim, owners.get(i)));
    } catch (error) {
      fail(i, error);
    }
  });

  const ids = [...new Set(occasionOf.values())].sort((a, b) => a - b);
  // In line: the batch before this one has its locks, so an occasion both need is this batch's only after that one commits.
  await turn.previous;
  const occasions = new Map((await batchRepo.lockOccasions(trx, ids)).map((o) => [o.id, o]));
  turn.locked();
  const existing = new Map<number, RatingRow | Entry>((await batchRepo.ratingsOfOccasions(trx, ids)).map((r) => [r.occasion_id, r]));

  const toInsert: batchRepo.NewRating[] = [];
  entries.forEach((entry, i) => {
    if (!entry.aim || decided[i]) return;
    try {
      const occasion = occasions.get(occasionOf.get(i)!);
      const target = entry.aim.via === 'token' ? tokenTarget(entry.aim, entry.content.channel, occasion) : channelTarget(entry.aim, occasion!);
      decided[i] = decide(entry, target, occasion!, existing.get(target.occasionId), now);
      if (decided[i].created) {
        existing.set(target.occasionId, entry);
        toInsert.push({
          occasion_id: target.occasionId,
          level: entry.content.level,
          score: scoreOf(entry.content.level),
          attitude_level: entry.content.aspects.attitude ?? null,
          quality_level: entry.content.aspects.quality ?? null,
          efficiency_level: entry.content.aspects.efficiency ?? null,
          tags: entry.content.tags,
          ...entry.comment,
          channel: entry.content.channel,
          rater_id_hash: target.raterIdHash,
          client_id: entry.aim.client?.id ?? null,
          idempotency_key: entry.idempotencyKey,
          token_id: target.tokenId,
          fingerprint: entry.fingerprint,
          third_party_consent: entry.thirdPartyConsent,
        });
      }
    } catch (error) {
      fail(i, error);
    }
  });

  // R10: every submission in the log, stored or refused — in the statement that stores the ratings.
  const attempts = entries.flatMap((e, i) => {
    if (!e.attempt) return [];
    const d = decided[i];
    const outcome =
      e.attempt.outcome ?? (!d ? 'failed' : 'error' in d ? (d.error instanceof AppError ? d.error.id : 'failed') : d.created ? 'stored' : 'retry');
    return [{ at: now, token_id: e.attempt.token_id, client_id: e.attempt.client_id, source_hash: e.attempt.source_hash, outcome: outcome.slice(0, 60) }];
  });
  const inserted = new Map((await batchRepo.insertRatings(trx, toInsert, now, attempts)).map((r) => [r.occasion_id, r]));
  if (inserted.size < toInsert.length) throw new RatingRaced();
  // R6, R12: a negative rating enters the supervision loop in the transaction that stores it.
  for (const row of inserted.values()) {
    if (isNegative(row.level as Level)) await openSupervision(trx, { actor: { type: 'system', name: 'rating intake' } }, row.id, now);
  }

  const outcomes = decided.map((d): Settled<SubmittedRating | null> => {
    if (d === null) return { ok: true, value: null };
    if ('error' in d) return { ok: false, error: d.error };
    const row = d.created ? inserted.get(d.occasionId)! : (d.row ?? inserted.get(d.occasionId)!);
    return { ok: true, value: { created: d.created, rating: presentRating(row) } };
  });
  for (const o of outcomes) if (!o.ok && o.error instanceof Object) logged.add(o.error);
  return outcomes;
}

interface Target {
  occasionId: number;
  raterIdHash: string;
  tokenId: string | null;
  /** Token path: when the token stops being valid (checked after a retry is recognised). */
  expiresAt?: number;
}

/** R5: a token names its occasion; the device channel is the evaluation device at the window where it was served, and only it. */
function tokenTarget(aim: Extract<Aim, { via: 'token' }>, channel: Channel, occasion: batchRepo.LockedOccasion | undefined): Target {
  const { payload, client } = aim;
  if (!occasion || occasion.case_id !== payload.c || occasion.package_id !== payload.p || occasion.staff_id !== payload.s) throw invalidToken();
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
  return { occasionId: occasion.id, raterIdHash: occasion.applicant_id_hash!, tokenId: `${payload.o}:${payload.n}`, expiresAt: payload.e };
}

/** R7, R8, R9: the occasion a channel submission names, and only the applicant may rate it. */
function channelOccasion(services: Services, aim: Extract<Aim, { via: 'channel' }>, owner: batchRepo.ResolvedOwner | undefined): number {
  const what = aim.of;
  if (!owner) throw notFound(`${what}_not_found`, `No ${what} has the number ${aim.number}`);
  if (owner.package_id) throw conflict('case_in_package', 'This case is part of a package: rate the package (packageNumber)');
  const kinds = aim.kinds(owner.case_kind);
  if (!kinds.includes(aim.occasion)) {
    throw notFound('occasion_not_found', `This ${what} has no ${aim.occasion} occasion; it has ${kinds.join(', ')} (R7, R8)`);
  }
  if (!owner.occasion_id) {
    // A withdrawn case will never reach this occasion.
    if (owner.withdrawn_at) throw conflict('occasion_cancelled', 'The case was withdrawn; there is nothing to rate');
    throw conflict('occasion_not_open', `The ${aim.occasion} has not happened yet; it can be rated once it has (R7)`);
  }
  // R9: the rater must be the applicant — same identity document and name.
  const applicant = revealApplicant(services.protector, owner)!;
  if (aim.raterHash !== owner.applicant_id_hash || aim.rater.name !== applicant.name) {
    throw new AppError('rater_not_applicant', 'forbidden', 'Only the applicant of the case may rate it (R9)');
  }
  return owner.occasion_id;
}

function channelTarget(aim: Extract<Aim, { via: 'channel' }>, occasion: batchRepo.LockedOccasion): Target {
  // A window's device rates only what was served at its window.
  if (aim.client.kind === 'device' && occasion.window_id !== aim.client.windowId) {
    throw new AppError('device_window_mismatch', 'forbidden', 'This device stands at another window than the one where the case was served');
  }
  return { occasionId: occasion.id, raterIdHash: aim.raterHash, tokenId: null };
}

/** R6, R7: one submission against its (locked) occasion and the rating it has, if any — stored or planned earlier in the batch. */
function decide(
  entry: Extract<Entry, { aim: Aim }>,
  target: Target,
  occasion: batchRepo.LockedOccasion,
  existing: RatingRow | Entry | undefined,
  now: Date,
): Decision {
  if (existing) {
    const first = 'aim' in existing ? planned(existing as Extract<Entry, { aim: Aim }>) : existing;
    // R7: the same rating sent again is answered with the first one.
    const retry = (entry.idempotencyKey && first.idempotency_key === entry.idempotencyKey) || first.fingerprint === entry.fingerprint;
    if (retry && !first.is_default) return { created: false, row: 'aim' in existing ? null : (existing as RatingRow), occasionId: target.occasionId };
    if (first.is_default) throw conflict('occasion_defaulted', 'The rating period is over and the default rating was given (R6)');
    if (target.tokenId && first.token_id === target.tokenId) throw conflict('token_already_used', 'This rating link was used already');
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
  return { created: true, occasionId: target.occasionId };
}

/** What a rating planned earlier in the batch will be, as far as deciding on a later submission needs. */
function planned(entry: Extract<Entry, { aim: Aim }>) {
  const tokenId = entry.aim.via === 'token' ? `${entry.aim.payload.o}:${entry.aim.payload.n}` : null;
  return { idempotency_key: entry.idempotencyKey, fingerprint: entry.fingerprint, is_default: false, token_id: tokenId };
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

type RatingRow = batchRepo.RatingRow;

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
