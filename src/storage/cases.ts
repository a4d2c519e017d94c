// Repository of cases, packages, occasions and ratings (R4-R9).
import { sql, type Kysely } from 'kysely';
import type { DB, OccasionTable } from './schema.ts';

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

export async function insertOccasion(db: Db, occasion: NewOccasion): Promise<number> {
  const row = await db.insertInto('occasion').values(occasion).returning('id').executeTakeFirstOrThrow();
  return row.id;
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
  const result = await db
    .updateTable('occasion')
    .set({ cancelled_at: at, closed_at: at })
    .where('case_id', '=', caseId)
    .where('closed_at', 'is', null)
    .where('deadline', '>', at)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function lockOccasion(db: Db, occasionId: number) {
  return db.selectFrom('occasion').selectAll().where('id', '=', occasionId).forUpdate().executeTakeFirst();
}

export async function findOccasion(db: Db, owner: { caseId?: number; packageId?: number }, kind: OccasionTable['kind']) {
  return db
    .selectFrom('occasion')
    .selectAll()
    .where(owner.caseId ? 'case_id' : 'package_id', '=', (owner.caseId ?? owner.packageId)!)
    .where('kind', '=', kind)
    .executeTakeFirst();
}

export async function ratingOfOccasion(db: Db, occasionId: number) {
  return db.selectFrom('rating').selectAll().where('occasion_id', '=', occasionId).executeTakeFirst();
}

/**
 * R6: gives every occasion whose deadline has passed by `now` and that is
 * still open its default rating — "very satisfied" (10), channel system,
 * timed at the deadline — and closes it. Set-based and safe to run twice or
 * from two processes at once: rows being handled elsewhere are skipped
 * (SKIP LOCKED), and the rating's unique occasion settles any race.
 * Works in batches so that one run never holds millions of row locks.
 */
export async function giveDefaultRatings(db: Db, now: Date, batchSize = 20_000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await sql<{ given: number; closed: number }>`
      with due as (
        select id, deadline from occasion
        where closed_at is null and deadline <= ${now}
        order by deadline
        limit ${batchSize}
        for update skip locked
      ), given as (
        insert into rating (occasion_id, level, score, channel, is_default, given_at, fingerprint)
        select id, 'very_satisfied', 10, 'system', true, deadline, 'default' from due
        on conflict (occasion_id) do nothing
        returning occasion_id
      ), closed as (
        update occasion o set closed_at = due.deadline from due where o.id = due.id
        returning o.id
      )
      select (select count(*) from given)::int as given, (select count(*) from closed)::int as closed`.execute(db);
    const { given, closed } = result.rows[0]!;
    total += given;
    if (closed < batchSize) return total;
  }
}
