// Repository of the catalogue (R1-R3): business lines, agencies, centers,
// windows, staff, matters. One description per table (TABLES) drives
// listing, lookups, upserts and status changes; staff's protected fields and
// assignment history are in staff.ts.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { EntityKind } from '../domain/catalogue.ts';
import { escapeLike } from './regions.ts';
import type { DB } from './schema.ts';
import type { Scope } from '../domain/access.ts';
import { scopePredicate } from './scope.ts';

type AnyDb = Kysely<any>;
type Row = Record<string, any>;

export interface TableSpec {
  table: keyof DB;
  /** Natural key columns (what imports upsert by and URLs name). */
  key: string[];
  /** Columns a plain upsert writes, besides the key. */
  columns: string[];
  /** Columns searched by `q`. */
  search: string[];
}

export const TABLES: Record<EntityKind, TableSpec> = {
  'business-lines': { table: 'business_line', key: ['code'], columns: ['name', 'department'], search: ['code', 'name', 'department'] },
  agencies: {
    table: 'agency',
    key: ['code'],
    columns: ['name', 'region_code', 'business_line_code', 'central_unit'],
    search: ['code', 'name'],
  },
  centers: { table: 'service_center', key: ['code'], columns: ['name', 'region_code', 'parent_code'], search: ['code', 'name'] },
  windows: { table: 'service_window', key: ['center_code', 'number'], columns: ['name', 'agency_code', 'device_serial'], search: ['number', 'name'] },
  staff: { table: 'staff', key: ['staff_number'], columns: ['name', 'agency_code', 'center_code', 'window_id'], search: ['staff_number', 'name'] },
  matters: {
    table: 'matter',
    key: ['code'],
    columns: ['name', 'kind', 'business_line_code', 'agency_code', 'time_limit_days'],
    search: ['code', 'name'],
  },
};

export const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export interface CatalogueFilter {
  status?: 'active' | 'retired' | 'all';
  q?: string;
  /** Region code: rows whose region lies in this subtree (or is exactly it, with regionScope 'this'). */
  regionCode?: string;
  regionScope?: 'subtree' | 'this';
  businessLineCode?: string;
  agencyCode?: string;
  centerCode?: string;
  parentCode?: string;
  centralUnit?: boolean;
  kind?: string;
  centerKind?: 'center' | 'sub-center';
}

/** Which filters each kind understands; anything else is ignored by design of the API schemas. */
function applyFilters<QB extends SelectQueryBuilder<any, any, any>>(
  qb: QB,
  kind: EntityKind,
  f: CatalogueFilter,
  regionPath: string | undefined,
  scope: Scope,
): QB {
  const t = TABLES[kind].table;
  let q = qb;
  const inScope = scopePredicate(kind, scope);
  if (inScope) q = q.where(inScope) as QB;
  const status = f.status ?? 'active';
  if (status !== 'all') q = q.where(`${t}.status`, '=', status) as QB;
  if (f.q) {
    const like = `%${escapeLike(f.q)}%`;
    q = q.where((eb) => eb.or(TABLES[kind].search.map((c) => eb(`${t}.${c}`, 'like', like)))) as QB;
  }
  for (const [name, value] of [
    ['businessLineCode', f.businessLineCode],
    ['agencyCode', f.agencyCode],
    ['centerCode', f.centerCode],
    ['parentCode', f.parentCode],
    ['centralUnit', f.centralUnit],
    ['kind', f.kind],
  ] as const) {
    if (value !== undefined) q = q.where(`${t}.${snake(name)}`, '=', value) as QB;
  }
  if (f.centerKind) q = q.where(`${t}.parent_code`, f.centerKind === 'center' ? 'is' : 'is not', null) as QB;
  if (f.regionCode) {
    // Staff belong to a region through their agency (R3).
    const regionColumn = kind === 'staff' ? 'region_agency.region_code' : `${t}.region_code`;
    if (kind === 'staff') q = q.innerJoin('agency as region_agency', 'region_agency.code', `${t}.agency_code`) as QB;
    if (f.regionScope === 'this') {
      q = q.where(regionColumn, '=', f.regionCode) as QB;
    } else {
      q = q
        .innerJoin('region as filter_region', 'filter_region.code', regionColumn)
        .where((eb) => eb.or([eb('filter_region.path', '=', regionPath!), eb('filter_region.path', 'like', `${escapeLike(regionPath!)}.%`)])) as QB;
    }
  }
  return q;
}

/** The row query of a kind: its table, plus what presentation needs. */
function baseQuery(db: AnyDb, kind: EntityKind): SelectQueryBuilder<any, any, Row> {
  const t = TABLES[kind].table;
  if (kind === 'staff') {
    return db
      .selectFrom('staff')
      .leftJoin('service_window as sw', 'sw.id', 'staff.window_id')
      .leftJoin('staff_assignment as current_period', (join: any) =>
        join.onRef('current_period.staff_id', '=', 'staff.id').on('current_period.valid_to', 'is', null),
      )
      .selectAll('staff')
      .select(['sw.number as window_number', 'current_period.valid_from as assigned_from']);
  }
  return db.selectFrom(t).selectAll(t);
}

async function regionPathOf(db: AnyDb, code: string | undefined): Promise<string | undefined> {
  if (!code) return undefined;
  const row = await db.selectFrom('region').select('path').where('code', '=', code).executeTakeFirst();
  return row?.path ?? '-'; // an unknown region matches nothing
}

export async function listRows(db: AnyDb, kind: EntityKind, filter: CatalogueFilter, page: { offset: number; limit: number }, scope: Scope) {
  const t = TABLES[kind].table;
  const path = await regionPathOf(db, filter.regionCode);
  const rows = applyFilters(baseQuery(db, kind), kind, filter, path, scope);
  const count = applyFilters(db.selectFrom(t), kind, filter, path, scope).select(sql<number>`count(*)::int`.as('n'));
  let ordered = rows;
  for (const k of TABLES[kind].key) ordered = ordered.orderBy(`${t}.${k}`);
  const [items, total] = await Promise.all([ordered.offset(page.offset).limit(page.limit).execute(), count.executeTakeFirstOrThrow()]);
  return { items: items as Row[], total: total.n };
}

/**
 * Rows in key order after `after` (keyset paging): exports read a whole list
 * this way in batches, holding no connection (or, on PGlite, the lock)
 * between batches and no more than one batch in memory.
 */
export async function rowsAfter(db: AnyDb, kind: EntityKind, filter: CatalogueFilter, after: Row | null, limit: number, scope: Scope): Promise<Row[]> {
  const spec = TABLES[kind];
  const path = await regionPathOf(db, filter.regionCode);
  let q = applyFilters(baseQuery(db, kind), kind, filter, path, scope);
  if (after) {
    const cols = spec.key.map((k) => sql.ref(`${spec.table}.${k}`));
    const vals = spec.key.map((k) => after[k]);
    q = q.where(sql<boolean>`(${sql.join(cols)}) > (${sql.join(vals)})`);
  }
  for (const k of spec.key) q = q.orderBy(`${spec.table}.${k}`);
  return (await q.limit(limit).execute()) as Row[];
}

const keyWhere = (kind: EntityKind, key: Row) => {
  const spec = TABLES[kind];
  return (qb: any) => spec.key.reduce((q, k) => q.where(`${spec.table}.${k}`, '=', key[k]), qb);
};

/** The row of a natural key; with a scope, only if the scope holds it. */
export async function findRow(db: AnyDb, kind: EntityKind, key: Row, scope?: Scope): Promise<Row | undefined> {
  const inScope = scope ? scopePredicate(kind, scope) : null;
  const q = keyWhere(kind, key)(baseQuery(db, kind));
  return (inScope ? q.where(inScope) : q).executeTakeFirst();
}

/**
 * Of these natural keys (column → value rows), which exist and which of
 * those the scope holds: what an import checks before and after it writes.
 */
export async function keysInScope(db: AnyDb, kind: EntityKind, keys: Row[], scope: Scope): Promise<{ existing: Set<string>; held: Set<string> }> {
  const spec = TABLES[kind];
  const existing = new Set<string>();
  const held = new Set<string>();
  if (!keys.length) return { existing, held };
  const inScope = scopePredicate(kind, scope) ?? sql<boolean>`true`;
  const cols = spec.key.map((k) => sql.ref(`${spec.table}.${k}`));
  const tuples = keys.map((k) => sql`(${sql.join(spec.key.map((c) => k[c]))})`);
  const rows = (await db
    .selectFrom(spec.table)
    .select(spec.key.map((k) => `${spec.table}.${k}`) as any)
    .select(inScope.as('held'))
    .where(sql<boolean>`(${sql.join(cols)}) in (${sql.join(tuples)})`)
    .execute()) as Row[];
  for (const row of rows) {
    const id = spec.key.map((k) => row[k]).join('/');
    existing.add(id);
    if (row.held) held.add(id);
  }
  return { existing, held };
}

export async function insertRow(db: AnyDb, kind: EntityKind, values: Row): Promise<Row> {
  return db.insertInto(TABLES[kind].table).values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateRow(db: AnyDb, kind: EntityKind, key: Row, changes: Row): Promise<void> {
  await keyWhere(kind, key)(db.updateTable(TABLES[kind].table).set({ ...changes, updated_at: sql`now()` })).execute();
}

export async function setStatus(db: AnyDb, kind: EntityKind, key: Row, status: 'active' | 'retired', at: Date): Promise<boolean> {
  const result = await keyWhere(
    kind,
    key,
  )(
    db
      .updateTable(TABLES[kind].table)
      .set({ status, retired_at: status === 'retired' ? at : null, updated_at: at })
      .where('status', '<>', status),
  ).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Status of each given code of a kind keyed by one column (absent = unknown). */
export async function statusByCode(db: AnyDb, kind: EntityKind, codes: string[]): Promise<Map<string, { status: string; row: Row }>> {
  const found = new Map<string, { status: string; row: Row }>();
  if (!codes.length) return found;
  const spec = TABLES[kind];
  const column = spec.key[0]!;
  const rows = await db.selectFrom(spec.table).selectAll().where(column, 'in', codes).execute();
  for (const row of rows) found.set(row[column], { status: row.status, row });
  return found;
}

/** Windows by (center, number) → id and status. */
export async function windowsByCenterAndNumber(db: AnyDb, pairs: [string, string][]): Promise<Map<string, { id: number; status: string }>> {
  const found = new Map<string, { id: number; status: string }>();
  if (!pairs.length) return found;
  const { rows } = await sql<{ id: number; center_code: string; number: string; status: string }>`
    select w.id, w.center_code, w.number, w.status
    from service_window w
    join unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]) as p(center_code, number)
      on w.center_code = p.center_code and w.number = p.number`.execute(db);
  for (const r of rows) found.set(`${r.center_code}/${r.number}`, { id: r.id, status: r.status });
  return found;
}

/** Which window holds each of these evaluation-device serials. */
export async function windowsByDeviceSerial(db: AnyDb, serials: string[]): Promise<Map<string, string>> {
  if (!serials.length) return new Map();
  const rows = await db.selectFrom('service_window').select(['device_serial', 'center_code', 'number']).where('device_serial', 'in', serials).execute();
  return new Map(rows.map((t: Row) => [t.device_serial, `${t.center_code}/${t.number}`]));
}

export async function regionsExist(db: AnyDb, codes: string[]): Promise<Set<string>> {
  if (!codes.length) return new Set();
  const rows = await db.selectFrom('region').select('code').where('code', 'in', codes).execute();
  return new Set(rows.map((r: Row) => r.code));
}

/**
 * What still depends on an entity and keeps it from being retired: active
 * rows that point at it. Returns a description per kind of dependant.
 */
export async function activeDependants(db: Kysely<DB>, kind: EntityKind, key: Row): Promise<string[]> {
  const checks: { label: string; count: Promise<{ n: number } | undefined> }[] = [];
  const count = (table: keyof DB, column: string, value: unknown, label: string) =>
    checks.push({
      label,
      count: (db as AnyDb)
        .selectFrom(table)
        .select(sql<number>`count(*)::int`.as('n'))
        .where(column, '=', value)
        .where('status', '=', 'active')
        .executeTakeFirst(),
    });
  switch (kind) {
    case 'business-lines':
      count('agency', 'business_line_code', key.code, 'agencies');
      count('matter', 'business_line_code', key.code, 'matters');
      break;
    case 'agencies':
      count('staff', 'agency_code', key.code, 'staff');
      count('service_window', 'agency_code', key.code, 'windows');
      count('matter', 'agency_code', key.code, 'matters');
      break;
    case 'centers':
      count('service_center', 'parent_code', key.code, 'sub-centers');
      count('service_window', 'center_code', key.code, 'windows');
      count('staff', 'center_code', key.code, 'staff');
      break;
    case 'windows': {
      const row = await findRow(db as AnyDb, 'windows', key);
      if (row) count('staff', 'window_id', row.id, 'staff');
      break;
    }
    default:
      break;
  }
  const results = await Promise.all(checks.map(async (c) => ({ label: c.label, n: (await c.count)?.n ?? 0 })));
  return results.filter((r) => r.n > 0).map((r) => `${r.n} active ${r.label}`);
}

/**
 * Fresh planner statistics for a kind's table after a bulk change (PGlite has
 * no autovacuum). A small sample keeps it short: on PGlite it runs in the
 * serving thread.
 */
export async function analyzeTable(db: Kysely<DB>, kind: EntityKind): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`set local default_statistics_target = 10`.execute(trx);
    await sql`analyze ${sql.table(TABLES[kind].table)}`.execute(trx);
    if (kind === 'staff') await sql`analyze staff_assignment`.execute(trx);
  });
}

/** The names of the regions, lines, agencies and centers that rows name by code (one query per kind of reference). */
export async function namesOf(db: AnyDb, rows: Row[]) {
  const codes = (field: string) => [...new Set(rows.map((r) => r[field]).filter((v): v is string => typeof v === 'string' && v !== ''))];
  const lookup = async (table: 'region' | 'business_line' | 'agency' | 'service_center', wanted: string[]) => {
    if (!wanted.length) return new Map<string, string>();
    const found = await db.selectFrom(table).select(['code', 'name']).where('code', 'in', wanted).execute();
    return new Map(found.map((f) => [f.code as string, f.name as string]));
  };
  const centers = await lookup('service_center', [...new Set([...codes('centerCode'), ...codes('parentCode')])]);
  return {
    regionCode: await lookup('region', codes('regionCode')),
    businessLineCode: await lookup('business_line', codes('businessLineCode')),
    agencyCode: await lookup('agency', codes('agencyCode')),
    centerCode: centers,
    parentCode: centers,
  };
}
