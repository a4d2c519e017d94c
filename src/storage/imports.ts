// Staged imports (issue 10; migration 0008). The rows of a file are checked
// and staged batch by batch, then a commit applies them in short steps, each
// its own transaction that also records how far it got. Every statement here
// works on a slice of the staged rows, so that on the embedded database (one
// lock, and the database runs in the serving thread) nothing waits long.
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { EntityKind } from '../domain/catalogue.ts';
import type { Scope } from '../domain/access.ts';
import type { DB } from './schema.ts';
import { TABLES } from './catalogue.ts';
import { scopePredicate } from './scope.ts';

/** A place in apply order: (apply_order, row_number). */
export interface Cursor {
  order: number;
  row: number;
}
export const START: Cursor = { order: -1, row: 0 };

export interface StagedRow {
  applyOrder: number;
  rowNumber: number;
  data: Record<string, unknown>;
}

/** The key catalogue writes and imports share: writers hold it shared, a commit's start exclusively. */
const CATALOGUE_LOCK = 0x6863_6174; // "hcat"

export interface ImportRecord {
  id: number;
  kind: EntityKind;
  state: string;
  caller: unknown;
  at: Date;
  format: string;
  rows: number;
  cursor: Cursor;
  inserted: number;
  updated: number;
}

/**
 * Starts an import. A commit ('staging') waits for catalogue writes in
 * flight and then shuts out new ones; a second commit at the same time is
 * refused (null). A dry run ('checking') shuts out nothing.
 */
export async function beginImport(
  db: Kysely<DB>,
  values: { kind: EntityKind; commit: boolean; caller: unknown; at: Date; format: string },
): Promise<number | null> {
  return db.transaction().execute(async (trx) => {
    if (values.commit) {
      await sql`select pg_advisory_xact_lock(${CATALOGUE_LOCK})`.execute(trx);
      if (await runningImport(trx)) return null;
    }
    const row = await trx
      .insertInto('catalogue_import')
      .values({ kind: values.kind, state: values.commit ? 'staging' : 'checking', caller: JSON.stringify(values.caller), at: values.at, format: values.format })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  });
}

/** The commit under way, if any (what catalogue writes are refused for). */
export async function runningImport(db: Kysely<DB>): Promise<{ id: number; kind: string; state: string } | undefined> {
  return db.selectFrom('catalogue_import').select(['id', 'kind', 'state']).where('state', 'in', ['staging', 'applying']).executeTakeFirst();
}

/**
 * Called first in every transaction that changes the catalogue: waits for a
 * commit's start in flight, and tells whether an import is under way.
 */
export async function holdCatalogueShared(trx: Transaction<DB>): Promise<{ id: number; kind: string; state: string } | undefined> {
  await sql`select pg_advisory_xact_lock_shared(${CATALOGUE_LOCK})`.execute(trx);
  return runningImport(trx);
}

/** Writes one batch of staged rows (one short statement) and notes the import is alive. */
export async function stageRows(db: Kysely<DB>, importId: number, rows: StagedRow[]): Promise<void> {
  if (!rows.length) return;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('import_row')
      .values(rows.map((r) => ({ import_id: importId, apply_order: r.applyOrder, row_number: r.rowNumber, data: JSON.stringify(r.data) })))
      .execute();
    await trx
      .updateTable('catalogue_import')
      .set({ rows: sql`rows + ${rows.length}`, touched_at: sql`now()` })
      .where('id', '=', importId)
      .execute();
  });
}

/** The end (inclusive) of the slice of up to `size` staged rows after `after`; null when none is left. */
export async function sliceEnd(db: Kysely<DB>, importId: number, after: Cursor, size: number): Promise<Cursor | null> {
  const rows = await db
    .selectFrom('import_row')
    .select(['apply_order', 'row_number'])
    .where('import_id', '=', importId)
    .where(sql<boolean>`(apply_order, row_number) > (${after.order}, ${after.row})`)
    .orderBy('apply_order')
    .orderBy('row_number')
    .offset(size - 1)
    .limit(1)
    .execute();
  if (rows[0]) return { order: rows[0].apply_order, row: rows[0].row_number };
  const last = await db
    .selectFrom('import_row')
    .select(['apply_order', 'row_number'])
    .where('import_id', '=', importId)
    .where(sql<boolean>`(apply_order, row_number) > (${after.order}, ${after.row})`)
    .orderBy('apply_order', 'desc')
    .orderBy('row_number', 'desc')
    .limit(1)
    .executeTakeFirst();
  return last ? { order: last.apply_order, row: last.row_number } : null;
}

/**
 * The staged rows of a slice as rows of the kind's table, under the table's
 * own name, so that a scope predicate written for the table reads the values
 * the import would write.
 */
function staged(kind: EntityKind, importId: number, after: Cursor, through: Cursor): RawBuilder<unknown> {
  const table = TABLES[kind].table;
  return sql`(select s.row_number, (s.data ->> 'assigned_from')::timestamptz as assigned_from, r.*
      from import_row s cross join lateral jsonb_populate_record(null::${sql.table(table)}, s.data) r
      where s.import_id = ${importId}
        and (s.apply_order, s.row_number) > (${after.order}, ${after.row})
        and (s.apply_order, s.row_number) <= (${through.order}, ${through.row}))`;
}

/** R2: rows of a slice that would lie outside the scope once written. */
export async function rowsOutsideScope(db: Kysely<DB>, kind: EntityKind, importId: number, after: Cursor, through: Cursor, scope: Scope): Promise<number[]> {
  const inScope = scopePredicate(kind, scope);
  if (!inScope) return [];
  const table = TABLES[kind].table;
  const { rows } = await sql<{ row_number: number }>`
    select ${sql.ref(`${table}.row_number`)} as row_number
    from ${staged(kind, importId, after, through)} as ${sql.table(table)}
    where not coalesce(${inScope}, false)
    order by 1`.execute(db);
  return rows.map((r) => r.row_number);
}

const columnList = (columns: string[], prefix?: string) => sql.join(columns.map((c) => sql.ref(prefix ? `${prefix}.${c}` : c)));

/** What staff columns an import compares and writes, besides the protected ones. */
const STAFF_PLACE = ['agency_code', 'center_code', 'window_id'];

/** Staff rows of the import that differ from what is stored (a protected field compares by keyed hash; an empty cell keeps what is stored). */
const staffDiffers = sql<boolean>`((st.name, st.agency_code, st.center_code, st.window_id) is distinct from (i.name, i.agency_code, i.center_code, i.window_id)
    or (i.id_number_hash is not null and i.id_number_hash is distinct from st.id_number_hash)
    or (i.phone_hash is not null and i.phone_hash is distinct from st.phone_hash))`;

/** How many rows of a slice would be inserted and how many updated (a dry run; a refused file). */
export async function countChanges(
  db: Kysely<DB>,
  kind: EntityKind,
  importId: number,
  after: Cursor,
  through: Cursor,
): Promise<{ inserted: number; updated: number }> {
  const input = staged(kind, importId, after, through);
  if (kind === 'staff') {
    const { rows } = await sql<{ inserted: number; updated: number }>`
      select count(*) filter (where st.id is null)::int as inserted,
             count(*) filter (where st.id is not null and ${staffDiffers})::int as updated
      from ${input} as i left join staff st on st.staff_number = i.staff_number`.execute(db);
    return rows[0]!;
  }
  const spec = TABLES[kind];
  const on = sql.join(
    spec.key.map((k) => sql`t.${sql.ref(k)} = i.${sql.ref(k)}`),
    sql` and `,
  );
  const { rows } = await sql<{ inserted: number; updated: number }>`
    select count(*) filter (where t.${sql.ref(spec.key[0]!)} is null)::int as inserted,
           count(*) filter (where t.${sql.ref(spec.key[0]!)} is not null and (${columnList(spec.columns, 't')}) is distinct from (${columnList(spec.columns, 'i')}))::int as updated
    from ${input} as i left join ${sql.table(spec.table)} t on ${on}`.execute(db);
  return rows[0]!;
}

/**
 * Applies a slice (in the caller's transaction) and moves the import's cursor
 * to its end. Rows equal to what is stored are left alone, so importing the
 * same file twice changes nothing. Status is never touched here.
 */
export async function applySlice(trx: Transaction<DB>, record: ImportRecord, through: Cursor): Promise<{ inserted: number; updated: number } | null> {
  const { kind, id, at } = record;
  // Only from where the import got to (two processes resuming one import apply each slice once).
  const now = await trx.selectFrom('catalogue_import').select(['state', 'applied_order', 'applied_row']).where('id', '=', id).forUpdate().executeTakeFirst();
  if (now?.state !== 'applying' || now.applied_order !== record.cursor.order || now.applied_row !== record.cursor.row) return null;
  const input = staged(kind, id, record.cursor, through);
  let inserted: number;
  let updated: number;
  if (kind === 'staff') ({ inserted, updated } = await applyStaff(trx, input, at));
  else {
    const spec = TABLES[kind];
    const columns = [...spec.key, ...spec.columns];
    const set = sql.join([...spec.columns.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`), sql`updated_at = ${at}`]);
    const { rows } = await sql<{ inserted: number; updated: number }>`
      with up as (
        insert into ${sql.table(spec.table)} (${columnList(columns)}, created_at, updated_at)
        select ${columnList(columns)}, ${at}::timestamptz, ${at}::timestamptz from ${input} as i
        on conflict (${columnList(spec.key)}) do update set ${set}
        where (${columnList(spec.columns, spec.table)}) is distinct from (${columnList(spec.columns, 'excluded')})
        -- xmax is 0 for a row this statement inserted, set for one it updated.
        returning (xmax = 0) as inserted
      )
      select count(*) filter (where inserted)::int as inserted, count(*) filter (where not inserted)::int as updated from up`.execute(trx);
    ({ inserted, updated } = rows[0]!);
  }
  await trx
    .updateTable('catalogue_import')
    .set({
      attempts: 0,
      applied_order: through.order,
      applied_row: through.row,
      inserted: sql`inserted + ${inserted}`,
      updated: sql`updated + ${updated}`,
      touched_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
  return { inserted, updated };
}

/**
 * Staff (R3): a known number whose agency, center or window differs is
 * transferred as of the import's instant (its period closed, the next one
 * opened, history kept); other differences update the row; a new number is
 * inserted with its first assignment.
 */
async function applyStaff(trx: Transaction<DB>, input: RawBuilder<unknown>, at: Date): Promise<{ inserted: number; updated: number }> {
  // Each row of the slice classified first, the slice driving by index (statements joining the slice to whole
  // tables could be planned as scans of them, and PGlite has no autovacuum to keep statistics fresh); then only
  // the statements the slice needs run: a re-import of an unchanged file reads and writes nothing more.
  const { rows: found } = await sql<{ id: number | null; moved: boolean; changed: boolean }>`
    select st.id,
           st.id is not null and (st.agency_code, st.center_code, st.window_id) is distinct from (i.agency_code, i.center_code, i.window_id) as moved,
           st.id is not null and ${staffDiffers} as changed
    from ${input} as i left join staff st on st.staff_number = i.staff_number`.execute(trx);
  const movers = found.filter((r) => r.moved).map((r) => r.id!);
  if (movers.length) {
    await sql`update staff_assignment set valid_to = ${at} where staff_id = any(${movers}::int[]) and valid_to is null`.execute(trx);
    await sql`
      insert into staff_assignment (staff_id, agency_code, center_code, window_id, valid_from, reason)
      select st.id, i.agency_code, i.center_code, i.window_id, ${at}::timestamptz, 'import'
      from ${input} as i join staff st on st.staff_number = i.staff_number
      where st.id = any(${movers}::int[])`.execute(trx);
  }
  const changed = found.filter((r) => r.changed).map((r) => r.id!);
  if (changed.length) {
    await sql`
    update staff st set name = i.name, ${sql.join(STAFF_PLACE.map((c) => sql`${sql.ref(c)} = i.${sql.ref(c)}`))},
      id_number_cipher = case when i.id_number_hash is not null and i.id_number_hash is distinct from st.id_number_hash then i.id_number_cipher else st.id_number_cipher end,
      id_number_hash = coalesce(i.id_number_hash, st.id_number_hash),
      phone_cipher = case when i.phone_hash is not null and i.phone_hash is distinct from st.phone_hash then i.phone_cipher else st.phone_cipher end,
      phone_hash = coalesce(i.phone_hash, st.phone_hash),
      updated_at = ${at}
    from ${input} as i
    where st.staff_number = i.staff_number and st.id = any(${changed}::int[])`.execute(trx);
  }
  if (!found.some((r) => r.id === null)) return { inserted: 0, updated: changed.length };
  // Two statements, not one with a data-modifying CTE: joining what an insert returns back to the slice
  // would read the slice once per new row.
  const fresh = await sql<{ id: number }>`
    insert into staff (staff_number, name, agency_code, center_code, window_id,
                       id_number_cipher, id_number_hash, phone_cipher, phone_hash, created_at, updated_at)
    select i.staff_number, i.name, i.agency_code, i.center_code, i.window_id,
           i.id_number_cipher, i.id_number_hash, i.phone_cipher, i.phone_hash, ${at}::timestamptz, ${at}::timestamptz
    from ${input} as i
    where not exists (select 1 from staff st where st.staff_number = i.staff_number)
    returning id`.execute(trx);
  if (fresh.rows.length) {
    await sql`
      insert into staff_assignment (staff_id, agency_code, center_code, window_id, valid_from, reason)
      select st.id, st.agency_code, st.center_code, st.window_id, coalesce(i.assigned_from, ${at}::timestamptz), 'import'
      from ${input} as i join staff st on st.staff_number = i.staff_number
      where st.id = any(${fresh.rows.map((r) => r.id)}::int[])`.execute(trx);
  }
  return { inserted: fresh.rows.length, updated: changed.length };
}

export async function findImport(db: Kysely<DB>, id: number): Promise<ImportRecord | undefined> {
  const row = await db.selectFrom('catalogue_import').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}

const toRecord = (row: {
  id: number;
  kind: string;
  state: string;
  caller: unknown;
  at: Date;
  format: string;
  rows: number;
  applied_order: number;
  applied_row: number;
  inserted: number;
  updated: number;
}): ImportRecord => ({
  id: row.id,
  kind: row.kind as EntityKind,
  state: row.state,
  caller: row.caller,
  at: row.at,
  format: row.format,
  rows: row.rows,
  cursor: { order: row.applied_order, row: row.applied_row },
  inserted: row.inserted,
  updated: row.updated,
});

/**
 * Marks a commit ready to apply (every row checked); from here it is
 * completed, after a crash too. False if it was dropped meanwhile (left idle
 * so long that a start took it for abandoned).
 */
export async function markApplying(db: Kysely<DB>, id: number): Promise<boolean> {
  const result = await db
    .updateTable('catalogue_import')
    .set({ state: 'applying', touched_at: sql`now()` })
    .where('id', '=', id)
    .where('state', '=', 'staging')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Notes that an import is alive (a start leaves alone imports touched recently). */
export async function touchImport(db: Kysely<DB>, id: number): Promise<void> {
  await db
    .updateTable('catalogue_import')
    .set({ touched_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/** Ends an import; false if it had ended already (another process finished or dropped it). */
export async function finishImport(trx: Kysely<DB>, id: number, state: 'applied' | 'discarded'): Promise<boolean> {
  const result = await trx
    .updateTable('catalogue_import')
    .set({ state, finished_at: sql`now()`, touched_at: sql`now()` })
    .where('id', '=', id)
    .where('state', 'in', ['checking', 'staging', 'applying'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Staged rows are scratch: gone once the import is applied or discarded. */
export async function dropStagedRows(db: Kysely<DB>, id: number): Promise<void> {
  await db.deleteFrom('import_row').where('import_id', '=', id).execute();
}

/** Staged rows an earlier cleanup missed (of imports that ended), and the space of all deleted ones (PGlite has no autovacuum). */
export async function reclaimStagedRows(db: Kysely<DB>): Promise<void> {
  await sql`delete from import_row where import_id in (select id from catalogue_import where state in ('applied', 'discarded'))`.execute(db);
  await sql`vacuum import_row`.execute(db);
}

/**
 * A step failed: counted, and after `maxAttempts` the import is marked
 * failed, which reopens the catalogue (the staged rows are kept for
 * inspection). True when it is now failed.
 */
export async function recordFailedAttempt(db: Kysely<DB>, id: number, error: string, maxAttempts: number): Promise<boolean> {
  const row = await db
    .updateTable('catalogue_import')
    .set({
      attempts: sql`attempts + 1`,
      last_error: error.slice(0, 2000),
      state: sql`case when attempts + 1 >= ${maxAttempts} then 'failed' else state end`,
      finished_at: sql`case when attempts + 1 >= ${maxAttempts} then now() else finished_at end`,
      touched_at: sql`now()`,
    })
    .where('id', '=', id)
    .where('state', '=', 'applying')
    .returning('state')
    .executeTakeFirst();
  return row?.state === 'failed';
}

/** Imports a crash left open: commits (and dry runs) not touched for `idleMs`. */
export async function unfinishedImports(db: Kysely<DB>, idleMs: number): Promise<ImportRecord[]> {
  const rows = await db
    .selectFrom('catalogue_import')
    .selectAll()
    .where('state', 'in', ['checking', 'staging', 'applying'])
    .where(sql<boolean>`touched_at <= now() - make_interval(secs => ${idleMs / 1000})`)
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}
