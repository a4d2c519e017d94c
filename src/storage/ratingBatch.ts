// Repository of the rating intake's group commit (issue 15; R4-R7, R10): each
// statement serves a whole batch of submissions, set-based, so that a batch
// of any size costs the same few round trips as one rating did.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB } from './schema.ts';

type Db = Kysely<DB>;

export type RatingRow = Selectable<DB['rating']>;

/** A channel submission's case or package, with the occasion of the kind it names (if it has happened). */
export interface ResolvedOwner {
  /** The submission's place in the batch. */
  i: number;
  owner_id: number;
  /** A case's package (then the package is rated, not the case); null for packages. */
  package_id: number | null;
  case_kind: string | null;
  withdrawn_at: Date | null;
  applicant_id_hash: string | null;
  applicant_name_cipher: string | null;
  applicant_id_type: string | null;
  applicant_id_cipher: string | null;
  applicant_phone_cipher: string | null;
  occasion_id: number | null;
}

/**
 * R7, R8: the cases (or packages) that channel submissions name by number,
 * each with its occasion of the named kind, in one statement per owner type.
 * Submissions whose number matches nothing are absent from the result.
 */
export async function resolveOwners(db: Db, of: 'case' | 'package', wanted: { i: number; number: string; kind: string }[]): Promise<ResolvedOwner[]> {
  if (!wanted.length) return [];
  const i = wanted.map((w) => w.i);
  const numbers = wanted.map((w) => w.number);
  const kinds = wanted.map((w) => w.kind);
  const result =
    of === 'case'
      ? await sql<ResolvedOwner>`
          select x.i, c.id as owner_id, c.package_id, c.kind as case_kind, c.withdrawn_at, c.applicant_id_hash,
                 c.applicant_name_cipher, c.applicant_id_type, c.applicant_id_cipher, c.applicant_phone_cipher, o.id as occasion_id
          from unnest(${i}::int[], ${numbers}::text[], ${kinds}::text[]) as x (i, number, kind)
          join service_case c on c.case_number = x.number
          left join occasion o on o.case_id = c.id and o.kind = x.kind`.execute(db)
      : await sql<ResolvedOwner>`
          select x.i, p.id as owner_id, null::int as package_id, null::text as case_kind, null::timestamptz as withdrawn_at, p.applicant_id_hash,
                 p.applicant_name_cipher, p.applicant_id_type, p.applicant_id_cipher, p.applicant_phone_cipher, o.id as occasion_id
          from unnest(${i}::int[], ${numbers}::text[], ${kinds}::text[]) as x (i, number, kind)
          join service_package p on p.package_number = x.number
          left join occasion o on o.package_id = p.id and o.kind = x.kind`.execute(db);
  return result.rows;
}

/** An occasion as the intake decides on it, with the keyed hash of its applicant (R9). */
export interface LockedOccasion {
  id: number;
  case_id: number | null;
  package_id: number | null;
  staff_id: number | null;
  window_id: number | null;
  occurred_at: Date;
  deadline: Date;
  cancelled_at: Date | null;
  applicant_id_hash: string | null;
}

/**
 * R7: locks the batch's occasions in id order — every batch takes its locks
 * in the same order, so two batches (or a batch and the default sweep, which
 * skips locked rows) never deadlock — and reads them with their applicant.
 * Their ratings are read by the next statement, not here: a statement that
 * waited for a lock still sees what its snapshot saw, and would miss the
 * rating the transaction it waited for has just stored.
 */
export async function lockOccasions(db: Db, ids: number[]): Promise<LockedOccasion[]> {
  if (!ids.length) return [];
  const result = await sql<LockedOccasion>`
    select o.id, o.case_id, o.package_id, o.staff_id, o.window_id, o.occurred_at, o.deadline, o.cancelled_at,
           coalesce(c.applicant_id_hash, p.applicant_id_hash) as applicant_id_hash
    from occasion o
    left join service_case c on c.id = o.case_id
    left join service_package p on p.id = o.package_id
    where o.id = any(${ids}::int[])
    order by o.id
    for update of o`.execute(db);
  return result.rows;
}

/** R7: the ratings the batch's occasions have already. */
export async function ratingsOfOccasions(db: Db, ids: number[]): Promise<RatingRow[]> {
  if (!ids.length) return [];
  return (await sql<RatingRow>`select * from rating where occasion_id = any(${ids}::int[])`.execute(db)).rows;
}

/** One new rating, as the batch inserts it. */
export interface NewRating {
  occasion_id: number;
  level: string;
  score: number;
  attitude_level: string | null;
  quality_level: string | null;
  efficiency_level: string | null;
  tags: string[];
  comment: string | null;
  comment_cipher: string | null;
  channel: string;
  rater_id_hash: string;
  client_id: number | null;
  idempotency_key: string | null;
  token_id: string | null;
  fingerprint: string;
  third_party_consent: boolean;
}

/** Tags are names from a fixed list ([a-z_]): written as an array literal each, so that one text[] column carries them. */
const tagsLiteral = (tags: string[]) => `{${tags.join(',')}}`;

/**
 * R6, R7, R10: inserts the batch's new ratings (one per occasion), records that
 * each counts from `at` (the score event and its place in the fold's queue),
 * and closes their occasions (a heap-only update of `closed_at`, and out of
 * the queue of open occasions), and logs the batch's submissions — one statement. A rating another transaction
 * stored meanwhile wins (`on conflict do nothing`): it is not returned, and
 * the caller must then roll back and settle the batch again.
 */
export async function insertRatings(db: Db, rows: NewRating[], at: Date, attempts: Attempt[]): Promise<RatingRow[]> {
  if (!rows.length) {
    await insertAttempts(db, attempts);
    return [];
  }
  const col = <K extends keyof NewRating>(k: K) => rows.map((r) => r[k]);
  const ids = col('occasion_id');
  const result = await sql<RatingRow>`
    with given as (
      insert into rating (occasion_id, level, score, attitude_level, quality_level, efficiency_level, tags, comment, comment_cipher,
                          channel, is_default, given_at, rater_id_hash, client_id, idempotency_key, token_id, fingerprint, third_party_consent)
      select x.occasion_id, x.level, x.score, x.attitude_level, x.quality_level, x.efficiency_level, x.tags::text[], x.comment, x.comment_cipher,
             x.channel, false, ${at}::timestamptz, x.rater_id_hash, x.client_id, x.idempotency_key, x.token_id, x.fingerprint, x.third_party_consent
      from unnest(${col('occasion_id')}::int[], ${col('level')}::text[], ${col('score')}::smallint[], ${col('attitude_level')}::text[],
                  ${col('quality_level')}::text[], ${col('efficiency_level')}::text[], ${rows.map((r) => tagsLiteral(r.tags))}::text[],
                  ${col('comment')}::text[], ${col('comment_cipher')}::text[], ${col('channel')}::text[], ${col('rater_id_hash')}::text[],
                  ${col('client_id')}::int[], ${col('idempotency_key')}::text[], ${col('token_id')}::text[], ${col('fingerprint')}::text[],
                  ${col('third_party_consent')}::boolean[])
        as x (occasion_id, level, score, attitude_level, quality_level, efficiency_level, tags, comment, comment_cipher,
              channel, rater_id_hash, client_id, idempotency_key, token_id, fingerprint, third_party_consent)
      order by x.occasion_id
      on conflict (occasion_id) do nothing
      returning *
    ), closed as (
      -- By the ids (not a join with the rows inserted), so that the plan is an index lookup per occasion; should a
      -- rating not be inserted (stored meanwhile elsewhere), the caller rolls the whole statement back.
      update occasion set closed_at = ${at}::timestamptz where id = any(${ids}::int[])
    ), dequeued as (
      -- R6: a rated occasion leaves the queue the default sweep reads (migration 0013).
      delete from occasion_open where occasion_id = any(${ids}::int[])
    ), events as (
      insert into score_event (rating_id, sign, cause, recorded_at)
      select id, 1, 'given', ${at}::timestamptz from given
      returning id
    ), queued as (
      insert into score_pending (event_id) select id from events
    ), logged as (${attemptsSql(attempts)})
    select * from given`.execute(db);
  return result.rows;
}

/** R10: one submission in the log, stored or refused (the source address as a keyed hash). */
export interface Attempt {
  at: Date;
  token_id: string | null;
  client_id: number | null;
  source_hash: string | null;
  outcome: string;
}

const attemptsSql = (attempts: Attempt[]) => {
  const col = <K extends keyof Attempt>(k: K) => attempts.map((a) => a[k]);
  return sql`
    insert into submission_attempt (at, token_id, client_id, source_hash, outcome)
    select * from unnest(${col('at')}::timestamptz[], ${col('token_id')}::text[], ${col('client_id')}::int[], ${col('source_hash')}::text[],
                         ${col('outcome')}::text[])`;
};

/** R10: the batch's submissions, stored or refused, logged in one statement. */
export async function insertAttempts(db: Db, attempts: Attempt[]): Promise<void> {
  if (attempts.length) await attemptsSql(attempts).execute(db);
}
