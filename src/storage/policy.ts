// Repository of the policy versions and the working-day calendar (issue 13).
import { sql, type Kysely } from 'kysely';
import type { CalendarDay } from '../domain/calendar.ts';
import type { DB } from './schema.ts';

type Db = Kysely<DB>;

const versionColumns = ['v.id', 'v.effective_from', 'v.numbers', 'v.note', 'v.created_by', 'v.created_at'] as const;

/** The version in force on China day `day`: the greatest effective_from on or before it, ties to the higher id. */
export async function versionInForce(db: Db, day: string) {
  return db
    .selectFrom('policy_version as v')
    .select(versionColumns)
    .where('v.effective_from', '<=', day)
    .orderBy('v.effective_from', 'desc')
    .orderBy('v.id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The first version (in force before any other, docs/policy.md). */
export async function firstVersion(db: Db) {
  return db.selectFrom('policy_version as v').select(versionColumns).orderBy('v.effective_from').orderBy('v.id').limit(1).executeTakeFirstOrThrow();
}

export async function versionById(db: Db, id: number) {
  return db.selectFrom('policy_version as v').select(versionColumns).where('v.id', '=', id).executeTakeFirst();
}

/** Every version, newest effective date first, with who created it. */
export async function listVersions(db: Db) {
  return db
    .selectFrom('policy_version as v')
    .leftJoin('app_user as u', 'u.id', 'v.created_by')
    .select(versionColumns)
    .select(['u.username', 'u.display_name'])
    .orderBy('v.effective_from', 'desc')
    .orderBy('v.id', 'desc')
    .execute();
}

export async function insertVersion(db: Db, values: { effectiveFrom: string; numbers: unknown; note: string; createdBy: number | null; at: Date }) {
  return db
    .insertInto('policy_version')
    .values({
      effective_from: values.effectiveFrom,
      numbers: JSON.stringify(values.numbers),
      note: values.note,
      created_by: values.createdBy,
      created_at: values.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** R6: the default level of each version (the sweep gives each occasion that of its own version). */
export async function defaultLevels(db: Db): Promise<{ id: number; level: string }[]> {
  const { rows } = await sql<{ id: number; level: string }>`select id, numbers ->> 'defaultLevel' as level from policy_version order by id`.execute(db);
  return rows;
}

// ——— the calendar ———

/** The covered years among [fromYear, toYear], and their holidays and 调休 working days. */
export async function calendarYears(db: Db, fromYear: number, toYear: number) {
  const [years, days] = await Promise.all([
    db.selectFrom('calendar_year').select('year').where('year', '>=', fromYear).where('year', '<=', toYear).execute(),
    db.selectFrom('calendar_day').select(['day', 'kind']).where('year', '>=', fromYear).where('year', '<=', toYear).execute(),
  ]);
  return { years: years.map((y) => y.year), days };
}

/** Every covered year, with who last changed it and how many days of each kind it has. */
export async function listCalendarYears(db: Db) {
  const { rows } = await sql<{
    year: number;
    source: string;
    updated_at: Date;
    username: string | null;
    display_name: string | null;
    holidays: number;
    workdays: number;
  }>`
    select y.year, y.source, y.updated_at, u.username, u.display_name,
      (select count(*) from calendar_day d where d.year = y.year and d.kind = 'holiday')::int as holidays,
      (select count(*) from calendar_day d where d.year = y.year and d.kind = 'workday')::int as workdays
    from calendar_year y left join app_user u on u.id = y.updated_by
    order by y.year`.execute(db);
  return rows;
}

export async function calendarYear(db: Db, year: number) {
  return db
    .selectFrom('calendar_year as y')
    .leftJoin('app_user as u', 'u.id', 'y.updated_by')
    .select(['y.year', 'y.source', 'y.updated_at', 'u.username', 'u.display_name'])
    .where('y.year', '=', year)
    .executeTakeFirst();
}

export async function daysOfYear(db: Db, year: number): Promise<CalendarDay[]> {
  return db.selectFrom('calendar_day').select(['day', 'kind', 'name']).where('year', '=', year).orderBy('day').execute();
}

/** Replaces a year's days and its source (creating the year when it is new). */
export async function replaceYear(db: Db, year: number, values: { source: string; days: readonly CalendarDay[]; at: Date; by: number | null }) {
  await db
    .insertInto('calendar_year')
    .values({ year, source: values.source, updated_at: values.at, updated_by: values.by })
    .onConflict((oc) => oc.column('year').doUpdateSet({ source: values.source, updated_at: values.at, updated_by: values.by }))
    .execute();
  await db.deleteFrom('calendar_day').where('year', '=', year).execute();
  if (values.days.length)
    await db
      .insertInto('calendar_day')
      .values(values.days.map((d) => ({ day: d.day, year, kind: d.kind, name: d.name })))
      .execute();
}
