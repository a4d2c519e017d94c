// Repository of cases, packages, occasions and ratings (R4-R9).
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Insertable } from 'kysely';
import type { DB, OccasionTable } from './schema.ts';
import { recordGivenSql } from './scores.ts';
import { defaultLevels } from './policy.ts';
import { LEVEL_NAMES, scoreOf, type Level } from '../domain/ratings.ts';

type Db = Kysely<DB>;

export async function findCaseByNumber(db: Db, caseNumber: string, options: { lock?: boolean } = {}) {
  let q = db.selectFrom('service_case').selectAll().where('case_number', '=', caseNumber);
  if (options.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

export async function findPackageByNumber(db: Db, packageNumber: string, options: { lock?: boolean } = {}) {
  let q = db.selectFrom('service_package').selectAll().where('package_number', '=', packageNumber);
  if (options.lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/**
 * R3: where a staff member sat at an instant. A service recorded before the
 * staff member's first period (back-filled cases, staff imported later) is
 * attributed to that first period.
 */
export async function placeAt(db: Db, staffId: number, at: Date) {
  const base = db
    .selectFrom('staff_assignment as a')
    .innerJoin('agency as ag', 'ag.code', 'a.agency_code')
    .select(['a.agency_code', 'ag.business_line_code', 'ag.region_code', 'a.center_code', 'a.window_id'])
    .where('a.staff_id', '=', staffId);
  const current = await base
    .where('a.valid_from', '<=', at)
    .where((eb) => eb.or([eb('a.valid_to', 'is', null), eb('a.valid_to', '>', at)]))
    .executeTakeFirst();
  return current ?? (await base.orderBy('a.valid_from').limit(1).executeTakeFirst());
}

export type NewOccasion = Omit<OccasionTable, 'id' | 'created_at' | 'closed_at' | 'cancelled_at'>;

/** Opens an occasion: stores it and puts it in the queue of open occasions (R6), in one statement. */
export async function insertOccasion(db: Db, occasion: NewOccasion): Promise<number> {
  const result = await sql<{ id: number }>`
    with opened as (${db.insertInto('occasion').values(occasion).returning(['id', 'deadline', 'policy_version_id'])})
    insert into occasion_open (occasion_id, deadline, policy_version_id)
    select id, deadline, policy_version_id from opened
    returning occasion_id as id`.execute(db);
  return result.rows[0]!.id;
}

/**
 * Puts those of the given occasions that are still open in the queue of open
 * occasions (R6): for loaders that store occasions and their ratings in bulk
 * (the demo), after they have closed the rated ones.
 */
export async function enqueueOpenOccasions(db: Db, occasionIds: number[]): Promise<void> {
  if (!occasionIds.length) return;
  await sql`
    insert into occasion_open (occasion_id, deadline, policy_version_id)
    select id, deadline, policy_version_id from occasion
    where id = any(${occasionIds}::int[]) and closed_at is null
    on conflict (occasion_id) do nothing`.execute(db);
}

export async function occasionsOf(db: Db, owner: { caseId?: number; packageId?: number }) {
  return db
    .selectFrom('occasion as o')
    .leftJoin('rating as r', 'r.occasion_id', 'o.id')
    .leftJoin('staff as s', 's.id', 'o.staff_id')
    .select([
      'o.id',
      'o.kind',
      'o.occurred_at',
      'o.deadline',
      'o.closed_at',
      'o.cancelled_at',
      'o.agency_code',
      'o.region_code',
      'o.center_code',
      's.staff_number',
      's.name as staff_name',
      'r.id as rating_id',
      'r.level',
      'r.is_default',
      'r.channel',
      'r.given_at',
    ])
    .where(owner.caseId ? 'o.case_id' : 'o.package_id', '=', (owner.caseId ?? owner.packageId)!)
    .orderBy('o.occurred_at')
    .orderBy('o.id')
    .execute();
}

/**
 * Cancels the open occasions of a withdrawn case (no default will be given).
 * One whose deadline had passed by then is owed its default (R6) and is left
 * to the sweep.
 */
export async function cancelOpenOccasions(db: Db, caseId: number, at: Date): Promise<number> {
  const result = await sql<{ n: number }>`
    with cancelled as (
      update occasion set cancelled_at = ${at}, closed_at = ${at}
      where case_id = ${caseId} and closed_at is null and deadline > ${at}
      returning id
    ), dequeued as (
      delete from occasion_open q using cancelled c where q.occasion_id = c.id
    )
    select count(*)::int as n from cancelled`.execute(db);
  return result.rows[0]!.n;
}

export async function ratingOfOccasion(db: Db, occasionId: number) {
  return db.selectFrom('rating').selectAll().where('occasion_id', '=', occasionId).executeTakeFirst();
}

/**
 * R6: gives every occasion whose deadline has passed by `now` and that is
 * still open its default rating — of the level of the policy version the
 * occasion keeps (issue 13; "very satisfied", 10, by default), channel
 * system, timed at the deadline (reckoned under that version when the
 * occasion opened) — and closes it. Set-based: one pass per default level,
 * the level and score literals, over the versions that have that level (no
 * filter at all when every version has the same one). Safe to run twice or
 * from two processes at once: occasions being rated or handled elsewhere are
 * skipped (SKIP LOCKED; an occasion skipped because its rating then failed is
 * taken by the next run), and the rating's unique occasion settles any race
 * (R7). Works in batches so that one run never holds millions of row locks.
 */
export async function giveDefaultRatings(db: Db, now: Date, batchSize = 20_000): Promise<number> {
  const byLevel = new Map<Level, number[]>();
  for (const { id, level } of await defaultLevels(db)) {
    if (!LEVEL_NAMES.includes(level as Level)) throw new Error(`policy version ${id} has no valid default level (${level})`);
    byLevel.set(level as Level, [...(byLevel.get(level as Level) ?? []), id]);
  }
  let total = 0;
  for (const [level, versions] of byLevel) total += await giveDefaultsOfLevel(db, now, batchSize, level, byLevel.size === 1 ? null : versions);
  return total;
}

/**
 * One pass. The due occasions are taken in batches in id order — the order
 * their rows lie in the occasion table and the order the ratings' unique
 * index grows in — so that a batch touches few pages, whatever its deadlines;
 * each batch starts after the last one's end, so that no batch steps over the
 * index entries of the queue rows its predecessors deleted. Each batch is one
 * statement: it locks the due occasions (the row lock every closer of an
 * occasion takes first, so that none deadlocks with another; `closed_at is
 * null` is checked again on the locked row), deletes their queue rows,
 * inserts the ratings, closes the occasions and records the score events.
 */
async function giveDefaultsOfLevel(db: Db, now: Date, batchSize: number, level: Level, versions: number[] | null): Promise<number> {
  // The level is one of five fixed names (checked above): a literal, so that each pass is one plain statement.
  const ofVersions = versions ? sql`and q.policy_version_id in (${sql.join(versions)})` : sql``;
  const range = await sql<{ lo: number | null; hi: number | null }>`
    select min(occasion_id) as lo, max(occasion_id) as hi from occasion_open q where q.deadline <= ${now} ${ofVersions}`.execute(db);
  const { lo, hi } = range.rows[0]!;
  if (lo === null || hi === null) return 0;
  let after = lo - 1;
  let total = 0;
  for (;;) {
    const result = await sql<{ due: number; given: number; last: number | null }>`
      with due as (
        select q.occasion_id as id, q.deadline
        from occasion_open q join occasion o on o.id = q.occasion_id
        where q.occasion_id > ${after} and q.occasion_id <= ${hi} and q.deadline <= ${now} ${ofVersions}
          -- The range again on o, so that whatever join the planner picks starts at the batch, not at the first occasion.
          and o.id > ${after} and o.id <= ${hi} and o.closed_at is null
        order by q.occasion_id
        limit ${batchSize}
        for update of o skip locked
      ), dequeued as (
        delete from occasion_open q using due where q.occasion_id = due.id
      ), given as (
        insert into rating (occasion_id, level, score, channel, is_default, given_at, fingerprint)
        select id, ${sql.lit(level)}, ${sql.lit(scoreOf(level))}, 'system', true, deadline, 'default' from due
        order by id
        on conflict (occasion_id) do nothing
        returning id, occasion_id
      ), closed as (
        update occasion o set closed_at = due.deadline from due where o.id = due.id
      ), ${recordGivenSql(now)}
      select (select count(*) from due)::int as due, (select count(*) from given)::int as given, (select max(id) from due) as last`.execute(db);
    const row = result.rows[0]!;
    total += row.given;
    if (row.due < batchSize || row.last === null) return total;
    after = row.last;
  }
}

// ——— cases and packages ———

/** A transaction-scoped lock on a name (released at commit or rollback). */
export async function lockName(trx: Db, name: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(trx);
}

export async function insertCase(db: Db, values: Insertable<DB['service_case']>): Promise<number> {
  return (await db.insertInto('service_case').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

export async function insertCases(db: Db, values: Insertable<DB['service_case']>[]): Promise<void> {
  if (values.length) await db.insertInto('service_case').values(values).execute();
}

export async function markCaseCompleted(db: Db, where: { caseId?: number; packageId?: number }, at: Date, staffId: number): Promise<void> {
  await db
    .updateTable('service_case')
    .set({ completed_at: at, completed_by: staffId })
    .where(where.caseId ? 'id' : 'package_id', '=', (where.caseId ?? where.packageId)!)
    .execute();
}

export async function markCaseWithdrawn(db: Db, caseId: number, at: Date, reason: string): Promise<void> {
  await db.updateTable('service_case').set({ withdrawn_at: at, withdraw_reason: reason }).where('id', '=', caseId).execute();
}

/** A case (by id or number) with the number of the package it belongs to. */
export async function caseWithPackage(db: Db, key: number | string) {
  return db
    .selectFrom('service_case as c')
    .leftJoin('service_package as p', 'p.id', 'c.package_id')
    .innerJoin('matter as m', 'm.code', 'c.matter_code')
    .innerJoin('agency as a', 'a.code', 'c.agency_code')
    .selectAll('c')
    .select(['p.package_number', 'm.name as matter_name', 'a.name as agency_name'])
    .where(typeof key === 'number' ? 'c.id' : 'c.case_number', '=', key)
    .executeTakeFirst();
}

export async function insertPackage(db: Db, values: Insertable<DB['service_package']>): Promise<number> {
  return (await db.insertInto('service_package').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

/** The stage occasions a package has so far, in order. */
export async function packageOccasionKinds(db: Db, packageId: number) {
  return db.selectFrom('occasion').select(['kind', 'occurred_at']).where('package_id', '=', packageId).orderBy('occurred_at').orderBy('id').execute();
}

/** R8: the composite occasion counts for every distinct agency of the members, with its line and region. */
export async function insertCompositeParties(db: Db, occasionId: number, packageId: number): Promise<void> {
  await sql`
    insert into occasion_party (occasion_id, agency_code, business_line_code, region_code)
    select distinct ${occasionId}::int, a.code, a.business_line_code, a.region_code
    from service_case c join agency a on a.code = c.agency_code
    where c.package_id = ${packageId}`.execute(db);
}

export async function packageMembers(db: Db, packageId: number) {
  return db
    .selectFrom('service_case')
    .select(['case_number', 'matter_code', 'agency_code'])
    .where('package_id', '=', packageId)
    .orderBy('case_number')
    .execute();
}

export async function packageParties(db: Db, packageId: number) {
  return db
    .selectFrom('occasion_party as p')
    .innerJoin('occasion as o', 'o.id', 'p.occasion_id')
    .select(['p.agency_code', 'p.region_code'])
    .where('o.package_id', '=', packageId)
    .orderBy('p.agency_code')
    .execute();
}

// ——— occasions and ratings ———

export async function findOccasionById(db: Db, occasionId: number) {
  return db.selectFrom('occasion').selectAll().where('id', '=', occasionId).executeTakeFirst();
}

/** An occasion with who sent its case or package, and whether its rating is a default. */
export async function occasionWithSender(db: Db, occasionId: number) {
  return db
    .selectFrom('occasion as o')
    .leftJoin('service_case as c', 'c.id', 'o.case_id')
    .leftJoin('service_package as p', 'p.id', 'o.package_id')
    .leftJoin('rating as r', 'r.occasion_id', 'o.id')
    .selectAll('o')
    .select(['c.client_id as case_client', 'p.client_id as package_client', 'r.is_default'])
    .where('o.id', '=', occasionId)
    .executeTakeFirst();
}

export async function findRating(db: Db, id: number) {
  return db.selectFrom('rating').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The client that sent the case or package of an occasion. */
export async function senderOfOccasion(db: Db, occasionId: number): Promise<number | null> {
  const row = await db
    .selectFrom('occasion as o')
    .leftJoin('service_case as c', 'c.id', 'o.case_id')
    .leftJoin('service_package as p', 'p.id', 'o.package_id')
    .select((eb) => eb.fn.coalesce('c.client_id', 'p.client_id').as('client_id'))
    .where('o.id', '=', occasionId)
    .executeTakeFirst();
  return row?.client_id ?? null;
}

/**
 * What R9's reveal needs of a rating: where it counts (one place, or for a
 * composite rating every party's), the applicant's ciphertexts and consent.
 */
export async function ratingForReveal(db: Db, ratingId: number) {
  const row = await sql<{
    id: number;
    is_default: boolean;
    third_party_consent: boolean;
    comment: string | null;
    comment_cipher: string | null;
    applicant_name_cipher: string | null;
    applicant_id_type: string | null;
    applicant_id_cipher: string | null;
    applicant_phone_cipher: string | null;
    places: { regionPath: string | null; agencyCode: string | null; businessLineCode: string | null; staffId: number | null }[];
  }>`
    select r.id, r.is_default, r.third_party_consent, r.comment, r.comment_cipher,
      coalesce(c.applicant_name_cipher, pk.applicant_name_cipher) as applicant_name_cipher,
      coalesce(c.applicant_id_type, pk.applicant_id_type) as applicant_id_type,
      coalesce(c.applicant_id_cipher, pk.applicant_id_cipher) as applicant_id_cipher,
      coalesce(c.applicant_phone_cipher, pk.applicant_phone_cipher) as applicant_phone_cipher,
      case when o.kind = 'composite' then
        (select coalesce(json_agg(json_build_object('regionPath', g.path, 'agencyCode', p.agency_code, 'businessLineCode', p.business_line_code, 'staffId', null)), '[]'::json)
         from occasion_party p join region g on g.code = p.region_code where p.occasion_id = o.id)
      else
        json_build_array(json_build_object('regionPath', og.path, 'agencyCode', o.agency_code, 'businessLineCode', o.business_line_code, 'staffId', o.staff_id))
      end as places
    from rating r
    join occasion o on o.id = r.occasion_id
    left join region og on og.code = o.region_code
    left join service_case c on c.id = o.case_id
    left join service_package pk on pk.id = o.package_id
    where r.id = ${ratingId}`.execute(db);
  return row.rows[0];
}

/**
 * Cases by number (exact), by a staff member who served them, and by the
 * China days they were accepted on, within a scope (the case's agency, R2):
 * their numbers, newest first, and how many match.
 */
export async function findCaseNumbers(
  db: Kysely<DB>,
  filter: { caseNumber?: string; staffNumber?: string; from?: Date; to?: Date; inScope: RawBuilder<boolean> | null },
  page: { offset: number; limit: number },
): Promise<{ numbers: string[]; total: number }> {
  const conditions = [
    filter.caseNumber ? sql`c.case_number = ${filter.caseNumber}` : null,
    filter.staffNumber
      ? sql`exists (select 1 from occasion o join staff s on s.id = o.staff_id where o.case_id = c.id and s.staff_number = ${filter.staffNumber})`
      : null,
    filter.from ? sql`c.accepted_at >= ${filter.from}` : null,
    filter.to ? sql`c.accepted_at < ${filter.to}` : null,
    filter.inScope ? sql`exists (select 1 from agency where agency.code = c.agency_code and ${filter.inScope})` : null,
  ].filter((c): c is RawBuilder<unknown> => c !== null);
  const where = conditions.length ? sql.join(conditions, sql` and `) : sql`true`;
  const [rows, count] = await Promise.all([
    sql<{
      case_number: string;
    }>`select c.case_number from service_case c where ${where} order by c.accepted_at desc, c.id desc limit ${page.limit} offset ${page.offset}`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from service_case c where ${where}`.execute(db),
  ]);
  return { numbers: rows.rows.map((r) => r.case_number), total: count.rows[0]!.n };
}

/**
 * What an occasion is, as the rater is told (issue 12): its kind and times,
 * who served (R3 snapshot), where, and what was done — the case's matter, or
 * the package's name (R8). For the SMS invitation and the rating page.
 */
export async function invitationFacts(db: Db, occasionId: number) {
  return db
    .selectFrom('occasion as o')
    .leftJoin('service_case as c', 'c.id', 'o.case_id')
    .leftJoin('matter as m', 'm.code', 'c.matter_code')
    .leftJoin('service_package as p', 'p.id', 'o.package_id')
    .leftJoin('staff as s', 's.id', 'o.staff_id')
    .leftJoin('agency as a', 'a.code', 'o.agency_code')
    .leftJoin('service_center as sc', 'sc.code', 'o.center_code')
    .leftJoin('service_window as w', 'w.id', 'o.window_id')
    .leftJoin('rating as r', 'r.occasion_id', 'o.id')
    .select([
      'o.id',
      'o.kind',
      'o.case_id',
      'o.package_id',
      'o.staff_id',
      'o.occurred_at',
      'o.deadline',
      'o.closed_at',
      'o.cancelled_at',
      'o.window_id',
      's.name as staff_name',
      's.staff_number',
      'm.name as matter_name',
      'p.name as package_name',
      'a.name as agency_name',
      'sc.name as center_name',
      'w.number as window_number',
      'w.name as window_name',
      'r.id as rating_id',
    ])
    .select((eb) => eb.fn.coalesce('m.name', 'p.name').$castTo<string>().as('what'))
    .where('o.id', '=', occasionId)
    .executeTakeFirst();
}
