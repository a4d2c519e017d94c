// Staff assignments (R3): where each staff member sat, and when. A rating is
// attributed to the assignment in force when the rated service happened, so
// periods are only ever closed and opened, never rewritten.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, StaffAssignmentTable } from './schema.ts';

export type Place = { agency_code: string; center_code: string | null; window_id: number | null };

export const samePlace = (a: Place, b: Place) => a.agency_code === b.agency_code && a.center_code === b.center_code && a.window_id === b.window_id;

export async function lockStaff(trx: Transaction<DB>, staffNumber: string) {
  return trx.selectFrom('staff').selectAll().where('staff_number', '=', staffNumber).forUpdate().executeTakeFirst();
}

export async function currentAssignment(db: Kysely<DB>, staffId: number) {
  return db.selectFrom('staff_assignment').selectAll().where('staff_id', '=', staffId).where('valid_to', 'is', null).executeTakeFirst();
}

/** Opens the first period of new staff. */
export async function openFirstAssignments(
  db: Kysely<DB>,
  rows: { staff_id: number; place: Place }[],
  at: Date,
  reason: StaffAssignmentTable['reason'],
): Promise<void> {
  if (!rows.length) return;
  await db
    .insertInto('staff_assignment')
    .values(rows.map((r) => ({ staff_id: r.staff_id, ...r.place, valid_from: at, reason })))
    .execute();
}

export interface NewStaff extends Place {
  staff_number: string;
  name: string;
  id_number_cipher: string | null;
  id_number_hash: string | null;
  phone_cipher: string | null;
  phone_hash: string | null;
  /** R3: when the current assignment began (a platform going live mid-year); null: `at`. */
  assigned_from?: Date | null;
}

/**
 * Inserts staff with their first assignment in one statement: arrays in,
 * unnest, so a batch of thousands is one round trip with eleven parameters.
 */
export async function insertStaffWithAssignments(db: Kysely<DB>, rows: NewStaff[], at: Date, reason: StaffAssignmentTable['reason']): Promise<number> {
  if (!rows.length) return 0;
  const col = <K extends keyof NewStaff>(k: K) => rows.map((r) => r[k] ?? null);
  const result = await sql`
    with input as (
      select * from unnest(${col('staff_number')}::text[], ${col('name')}::text[], ${col('agency_code')}::text[],
                  ${col('center_code')}::text[], ${col('window_id')}::int[], ${col('id_number_cipher')}::text[],
                  ${col('id_number_hash')}::text[], ${col('phone_cipher')}::text[], ${col('phone_hash')}::text[],
                  ${col('assigned_from')}::timestamptz[])
        as s(staff_number, name, agency_code, center_code, window_id, id_number_cipher, id_number_hash, phone_cipher, phone_hash, assigned_from)
    ), new_staff as (
      insert into staff (staff_number, name, agency_code, center_code, window_id,
                         id_number_cipher, id_number_hash, phone_cipher, phone_hash, created_at, updated_at)
      select staff_number, name, agency_code, center_code, window_id, id_number_cipher, id_number_hash, phone_cipher, phone_hash,
             ${at}::timestamptz, ${at}::timestamptz
      from input
      returning id, staff_number, agency_code, center_code, window_id
    )
    insert into staff_assignment (staff_id, agency_code, center_code, window_id, valid_from, reason)
    select n.id, n.agency_code, n.center_code, n.window_id, coalesce(i.assigned_from, ${at}::timestamptz), ${reason}
    from new_staff n join input i on i.staff_number = n.staff_number`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** Closes the current period at `at` and opens the next one; updates the staff row. */
export async function moveStaff(trx: Kysely<DB>, staffId: number, to: Place, at: Date, reason: StaffAssignmentTable['reason']): Promise<void> {
  await trx.updateTable('staff_assignment').set({ valid_to: at }).where('staff_id', '=', staffId).where('valid_to', 'is', null).execute();
  await trx
    .insertInto('staff_assignment')
    .values({ staff_id: staffId, ...to, valid_from: at, reason })
    .execute();
  await trx
    .updateTable('staff')
    .set({ ...to, updated_at: at })
    .where('id', '=', staffId)
    .execute();
}

export async function assignmentsOf(db: Kysely<DB>, staffId: number) {
  return db
    .selectFrom('staff_assignment as a')
    .leftJoin('service_window as w', 'w.id', 'a.window_id')
    .innerJoin('agency as ag', 'ag.code', 'a.agency_code')
    .select(['a.agency_code', 'ag.name as agency_name', 'a.center_code', 'w.number as window_number', 'a.valid_from', 'a.valid_to', 'a.reason'])
    .where('a.staff_id', '=', staffId)
    .orderBy('a.valid_from')
    .execute();
}

/** R3: where the staff member sat at an instant (what a rating of a service then counts for). */
export async function assignmentAt(db: Kysely<DB>, staffId: number, at: Date) {
  return db
    .selectFrom('staff_assignment')
    .selectAll()
    .where('staff_id', '=', staffId)
    .where('valid_from', '<=', at)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', at)]))
    .executeTakeFirst();
}

/**
 * What an import compares before it stages a staff row: the keyed hashes of
 * the protected fields, the current place and since when.
 */
export async function importFactsByNumber(
  db: Kysely<DB>,
  numbers: string[],
): Promise<Map<string, { id_number_hash: string | null; phone_hash: string | null; place: Place; since: Date | null }>> {
  if (!numbers.length) return new Map();
  const rows = await db
    .selectFrom('staff')
    .leftJoin('staff_assignment as a', (join) => join.onRef('a.staff_id', '=', 'staff.id').on('a.valid_to', 'is', null))
    .select(['staff.staff_number', 'staff.id_number_hash', 'staff.phone_hash', 'staff.agency_code', 'staff.center_code', 'staff.window_id', 'a.valid_from'])
    .where('staff.staff_number', 'in', numbers)
    .execute();
  return new Map(
    rows.map((r) => [
      r.staff_number,
      {
        id_number_hash: r.id_number_hash,
        phone_hash: r.phone_hash,
        place: { agency_code: r.agency_code, center_code: r.center_code, window_id: r.window_id },
        since: r.valid_from,
      },
    ]),
  );
}

export async function findStaffByNumber(db: Kysely<DB>, staffNumber: string) {
  return db.selectFrom('staff').select(['id', 'staff_number', 'name', 'status']).where('staff_number', '=', staffNumber).executeTakeFirst();
}
