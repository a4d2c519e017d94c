// Repository of the key-target and replacement jobs (issue 14, R11;
// src/app/targets.ts): where staff members sat in a month, their findings
// and moves, and the open replacements whose staff member has moved.
import { sql, type Kysely } from 'kysely';
import { monthOfDay, type Month } from '../domain/targets.ts';
import type { DB } from './schema.ts';

type Db = Kysely<DB>;

/** Where staff members sat at an instant (their assignment then, else their record now), with their agency's line and region. */
export async function staffPlacesAt(db: Db, ids: number[], at: Date) {
  const places = new Map<
    number,
    { id: number; name: string; staff_number: string; agency_code: string; agency_name: string; business_line_code: string; level: number; path: string }
  >();
  if (!ids.length) return places;
  const rows = await db
    .selectFrom('staff as s')
    .leftJoin('staff_assignment as sa', (j) =>
      j
        .onRef('sa.staff_id', '=', 's.id')
        .on('sa.valid_from', '<=', at)
        .on((eb) => eb.or([eb('sa.valid_to', 'is', null), eb('sa.valid_to', '>', at)])),
    )
    .innerJoin('agency as a', (j) => j.on(sql<boolean>`a.code = coalesce(sa.agency_code, s.agency_code)`))
    .innerJoin('region as g', 'g.code', 'a.region_code')
    .select(['s.id', 's.name', 's.staff_number', 'a.code as agency_code', 'a.name as agency_name', 'a.business_line_code', 'g.level', 'g.path'])
    .where(sql<boolean>`s.id = any(${ids}::int[])`)
    .execute();
  for (const r of rows) places.set(r.id, { ...r, level: Number(r.level) });
  return places;
}

/** A staff member's findings and moves that decide a replacement: key-target months, open and last replacements, moves since `fromDay` began. */
export async function staffHistory(db: Db, staffId: number, fromDay: string) {
  const findings = await db
    .selectFrom('finding')
    .select(['id', 'workflow', 'period_start', 'period_end', 'closed_at'])
    .where('subject_type', '=', 'staff')
    .where('subject_key', '=', String(staffId))
    .where('workflow', 'in', ['key_target', 'replacement'])
    .orderBy('id')
    .execute();
  const keyTargets = new Map<Month, number>();
  for (const f of findings) if (f.workflow === 'key_target' && f.period_start) keyTargets.set(monthOfDay(f.period_start), f.id);
  const replacements = findings.filter((f) => f.workflow === 'replacement');
  const ends = replacements.filter((f) => f.closed_at && f.period_end).map((f) => monthOfDay(f.period_end!));
  const moved = await db
    .selectFrom('staff_assignment')
    .select('id')
    .where('staff_id', '=', staffId)
    .where('reason', 'in', ['transfer', 'import'])
    .where('valid_from', '>=', new Date(`${fromDay}T00:00:00+08:00`))
    .executeTakeFirst();
  return {
    keyTargets,
    keyTargetMonths: [...keyTargets.keys()],
    openReplacement: replacements.some((f) => !f.closed_at),
    lastReplacementEnd: ends.length ? ends.sort().at(-1)! : null,
    movedSince: !!moved,
  };
}

/** Open replacements whose staff member has a new assignment (a transfer or an import's move) since the flag opened. */
export async function transferredReplacementIds(db: Db, now: Date, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('finding as f')
    .select('f.id')
    .where('f.workflow', '=', 'replacement')
    .where('f.closed_at', 'is', null)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('staff_assignment as sa')
          .select('sa.id')
          .whereRef('sa.staff_id', '=', 'f.staff_id')
          .where('sa.reason', 'in', ['transfer', 'import'])
          .whereRef('sa.valid_from', '>', 'f.opened_at')
          .where('sa.valid_from', '<=', now),
      ),
    )
    .orderBy('f.id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** The first move of a staff member after `after` (up to `now`), with the agency they went to. */
export async function moveAfter(db: Db, staffId: number, after: Date, now: Date) {
  return db
    .selectFrom('staff_assignment as sa')
    .innerJoin('agency as a', 'a.code', 'sa.agency_code')
    .select(['sa.valid_from', 'sa.agency_code', 'sa.reason', 'a.name as agency_name'])
    .where('sa.staff_id', '=', staffId)
    .where('sa.reason', 'in', ['transfer', 'import'])
    .where('sa.valid_from', '>', after)
    .where('sa.valid_from', '<=', now)
    .orderBy('sa.valid_from')
    .executeTakeFirst();
}
