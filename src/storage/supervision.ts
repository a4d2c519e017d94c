// Repository of the supervision loop (issue 13; migrations/0011_supervision.sql):
// items of the workflows, their transitions, evidence files and the log of
// IT incidents. Reads take the caller's scope as a predicate over the item's
// own place columns (region path, line, agency, staff), so that a queue, a
// count or a detail never shows an item outside it.
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Scope } from '../domain/access.ts';
import type { DB } from './schema.ts';
import type { SupervisionItemTable } from './schemaSupervision.ts';
import { escapeLike } from './regions.ts';

type Db = Kysely<DB>;
export type ItemRow = Selectable<SupervisionItemTable>;

const inPath = (column: RawBuilder<unknown>, path: string) => sql<boolean>`(${column} = ${path} or ${column} like ${escapeLike(path) + '.%'})`;

/** R2: "this item lies within the scope", over supervision_item aliased `i`; null for all. */
export function itemScope(scope: Scope): RawBuilder<boolean> | null {
  switch (scope.kind) {
    case 'all':
      return null;
    case 'region':
      return inPath(sql.ref('i.region_path'), scope.path);
    case 'line':
      return scope.path
        ? sql<boolean>`(i.business_line_code = ${scope.lineCode} and ${inPath(sql.ref('i.region_path'), scope.path)})`
        : sql<boolean>`i.business_line_code = ${scope.lineCode}`;
    case 'agency':
      return sql<boolean>`i.agency_code = ${scope.agencyCode}`;
    case 'staff':
      return sql<boolean>`i.staff_id = ${scope.staffId}`;
  }
}

// ——— the rated place ———

/**
 * A rating with what the loop needs: its level, tags and text, whether it
 * still counts, and where it was given (R3 snapshot). For a package's
 * composite occasion (R8) the place is the parties' common region, and the
 * agency and line only when there is one.
 */
export async function ratingForSupervision(db: Db, ratingId: number) {
  const row = await db
    .selectFrom('rating as r')
    .innerJoin('occasion as o', 'o.id', 'r.occasion_id')
    .select([
      'r.id',
      'r.level',
      'r.tags',
      'r.comment',
      'r.is_default',
      'r.given_at',
      'r.channel',
      'r.token_id',
      'r.voided_at',
      'r.revoked_at',
      'r.exclusion_reason',
      'r.attitude_level',
      'r.quality_level',
      'r.efficiency_level',
      'o.id as occasion_id',
      'o.kind as occasion_kind',
      'o.occurred_at',
      'o.deadline',
      'o.case_id',
      'o.package_id',
      'o.staff_id',
      'o.agency_code',
      'o.business_line_code',
      'o.region_code',
      'o.window_id',
    ])
    .where('r.id', '=', ratingId)
    .executeTakeFirst();
  if (!row) return undefined;
  let place = { regionCode: row.region_code, agencyCode: row.agency_code, businessLineCode: row.business_line_code };
  if (!place.regionCode) {
    const parties = await db
      .selectFrom('occasion_party')
      .select(['agency_code', 'business_line_code', 'region_code'])
      .where('occasion_id', '=', row.occasion_id)
      .execute();
    const agencies = new Set(parties.map((p) => p.agency_code));
    const lines = new Set(parties.map((p) => p.business_line_code));
    place = {
      regionCode: await commonRegion(
        db,
        parties.map((p) => p.region_code),
      ),
      agencyCode: agencies.size === 1 ? [...agencies][0]! : null,
      businessLineCode: lines.size === 1 ? [...lines][0]! : null,
    };
  }
  const region = await db.selectFrom('region').select(['code', 'path']).where('code', '=', place.regionCode!).executeTakeFirstOrThrow();
  // The queue: the supervisory department of the agency's region — the
  // region itself, or, for a township or village (which have none), its
  // county (docs/decisions.md). Scopes still read the agency's own region path.
  const department = await db
    .selectFrom('region')
    .select('code')
    .where('code', 'in', region.path.split('.'))
    .where('level', '<=', DEPARTMENT_LEVEL)
    .orderBy('level', 'desc')
    .executeTakeFirstOrThrow();
  return { ...row, place: { ...place, regionCode: department.code, regionPath: region.path } };
}

/** R1 levels 1–3 (autonomous region, city, county) have supervisory departments; townships and villages do not. */
export const DEPARTMENT_LEVEL = 3;

/** The deepest region every one of `codes` lies in. */
async function commonRegion(db: Db, codes: string[]): Promise<string> {
  const rows = await db.selectFrom('region').select('path').where('code', 'in', codes).execute();
  const paths = rows.map((r) => r.path.split('.'));
  const common: string[] = [];
  for (let i = 0; paths.every((p) => p[i] !== undefined && p[i] === paths[0]![i]); i++) common.push(paths[0]![i]!);
  return common.at(-1)!;
}

export async function parentRegion(db: Db, code: string) {
  const row = await db.selectFrom('region').select('parent_code').where('code', '=', code).executeTakeFirst();
  return row?.parent_code ?? null;
}

// ——— items and transitions ———

export type NewItem = Omit<ItemRow, 'id' | 'details' | 'version' | 'closed_at' | 'overdue_at' | 'escalated_at' | 'escalated_to'> & {
  details: Record<string, unknown>;
  closed_at?: Date | null;
};

export async function insertItem(db: Db, item: NewItem): Promise<ItemRow> {
  return db
    .insertInto('supervision_item')
    .values({ ...item, details: JSON.stringify(item.details) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The item, locked for the transaction: two people deciding at once are answered one after the other. */
export async function lockItem(db: Db, id: number): Promise<ItemRow | undefined> {
  return db.selectFrom('supervision_item').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findItem(db: Db, id: number, scope: Scope): Promise<ItemRow | undefined> {
  const inScope = itemScope(scope);
  return db
    .selectFrom('supervision_item as i')
    .selectAll('i')
    .where('i.id', '=', id)
    .$if(!!inScope, (q) => q.where(inScope!))
    .executeTakeFirst();
}

export type ItemPatch = Partial<Pick<ItemRow, 'state' | 'due_at' | 'closed_at' | 'overdue_at' | 'escalated_at' | 'escalated_to'>> & {
  details?: Record<string, unknown>;
};

export async function updateItem(db: Db, id: number, patch: ItemPatch, at: Date): Promise<ItemRow> {
  const { details, ...rest } = patch;
  return db
    .updateTable('supervision_item')
    .set({ ...rest, ...(details ? { details: JSON.stringify(details) } : {}), updated_at: at })
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertTransition(
  db: Db,
  t: {
    item_id: number;
    at: Date;
    event: string;
    from_state: string;
    to_state: string;
    actor_type: 'user' | 'rater' | 'system';
    actor_id: number | null;
    actor_name: string;
    note: string | null;
    details: Record<string, unknown> | null;
  },
): Promise<void> {
  await db
    .insertInto('supervision_transition')
    .values({ ...t, details: t.details ? JSON.stringify(t.details) : null })
    .execute();
}

export async function transitionsOf(db: Db, itemIds: number[]) {
  if (!itemIds.length) return [];
  return db.selectFrom('supervision_transition').selectAll().where('item_id', 'in', itemIds).orderBy('id').execute();
}

/** Every item of a rating (all workflows), oldest first. */
export async function itemsOfRating(db: Db, ratingId: number): Promise<ItemRow[]> {
  return db.selectFrom('supervision_item').selectAll().where('rating_id', '=', ratingId).orderBy('id').execute();
}

/** The open items of a rating, locked, other than `except`. */
export async function lockOpenItemsOfRating(db: Db, ratingId: number, except: number | null): Promise<ItemRow[]> {
  return db
    .selectFrom('supervision_item')
    .selectAll()
    .where('rating_id', '=', ratingId)
    .where('closed_at', 'is', null)
    .$if(except !== null, (q) => q.where('id', '<>', except!))
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** Ids of open items of a workflow in a state whose deadline has come (the deadline job), oldest first. */
export async function dueItemIds(db: Db, workflow: string, states: string[], now: Date, limit: number, extra?: 'not_overdue' | 'not_escalated') {
  return (
    await db
      .selectFrom('supervision_item')
      .select('id')
      .where('closed_at', 'is', null)
      .where('workflow', '=', workflow)
      .where('state', 'in', states)
      .where('due_at', '<=', now)
      .$if(extra === 'not_overdue', (q) => q.where('overdue_at', 'is', null))
      .$if(extra === 'not_escalated', (q) => q.where('overdue_at', 'is not', null).where('escalated_at', 'is', null))
      .orderBy('due_at')
      .orderBy('id')
      .limit(limit)
      .execute()
  ).map((r) => r.id);
}

/** Rectifications done whose days to reopen are over (details.reopenUntil), for the deadline job. */
export async function reopenPeriodsOver(db: Db, now: Date, limit: number): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    select id from supervision_item
    where workflow = 'rectification' and state = 'done' and closed_at is null
      and (details->>'reopenUntil')::timestamptz <= ${now}
    order by id limit ${limit}`.execute(db);
  return rows.map((r) => r.id);
}

// ——— queues ———

export interface ItemFilter {
  workflow?: string;
  state?: string;
  open?: boolean;
  overdue?: boolean;
  /** own: the caller's department (its region exactly); below: escalated to it from below; all: the whole scope. */
  queue?: 'own' | 'below' | 'all';
  regionCode?: string;
  /** A region's subtree (its path). */
  regionPath?: string;
  agencyCode?: string;
  ratingId?: number;
}

function filtered(db: Db, scope: Scope, f: ItemFilter, now: Date, callerRegion: string | null) {
  const inScope = itemScope(scope);
  return db
    .selectFrom('supervision_item as i')
    .$if(!!inScope, (q) => q.where(inScope!))
    .$if(!!f.workflow, (q) => q.where('i.workflow', '=', f.workflow!))
    .$if(!!f.state, (q) => q.where('i.state', '=', f.state!))
    .$if(f.open === true, (q) => q.where('i.closed_at', 'is', null))
    .$if(f.open === false, (q) => q.where('i.closed_at', 'is not', null))
    .$if(f.overdue === true, (q) => q.where('i.closed_at', 'is', null).where('i.due_at', '<=', now).where('i.workflow', '=', 'rectification'))
    .$if(f.queue === 'own' && !!callerRegion, (q) => q.where('i.region_code', '=', callerRegion!))
    .$if(f.queue === 'below' && !!callerRegion, (q) => q.where('i.escalated_to', '=', callerRegion!))
    .$if(!!f.regionPath, (q) => q.where(inPath(sql.ref('i.region_path'), f.regionPath!)))
    .$if(!!f.agencyCode, (q) => q.where('i.agency_code', '=', f.agencyCode!))
    .$if(f.ratingId !== undefined, (q) => q.where('i.rating_id', '=', f.ratingId!));
}

/** A page of a queue: open items by deadline (none last), then newest. */
export async function listItems(db: Db, scope: Scope, f: ItemFilter, now: Date, callerRegion: string | null, page: { page: number; pageSize: number }) {
  const base = filtered(db, scope, f, now, callerRegion);
  const [items, total] = await Promise.all([
    base
      .innerJoin('rating as r', 'r.id', 'i.rating_id')
      .innerJoin('occasion as o', 'o.id', 'r.occasion_id')
      .leftJoin('agency as a', 'a.code', 'i.agency_code')
      .leftJoin('region as g', 'g.code', 'i.region_code')
      .leftJoin('staff as s', 's.id', 'i.staff_id')
      .leftJoin('service_case as c', 'c.id', 'o.case_id')
      .leftJoin('service_package as p', 'p.id', 'o.package_id')
      .leftJoin('matter as m', 'm.code', 'c.matter_code')
      .selectAll('i')
      .select([
        'r.level',
        'r.tags',
        'r.given_at',
        'a.name as agency_name',
        'g.name as region_name',
        's.name as staff_name',
        'c.case_number',
        'p.package_number',
        'm.name as matter_name',
        'p.name as package_name',
      ])
      .orderBy(sql`i.closed_at is not null`)
      .orderBy(sql`i.due_at asc nulls last`)
      .orderBy('i.id', 'desc')
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

/** Counts per workflow within the scope: open, overdue (past due and open), closed. */
export async function countItems(db: Db, scope: Scope, now: Date, f: Pick<ItemFilter, 'regionPath' | 'agencyCode'> = {}) {
  return filtered(db, scope, f, now, null)
    .select([
      'i.workflow',
      sql<number>`count(*) filter (where i.closed_at is null)::int`.as('open'),
      sql<number>`count(*) filter (where i.closed_at is null and i.due_at <= ${now} and i.workflow = 'rectification')::int`.as('overdue'),
      sql<number>`count(*) filter (where i.closed_at is not null)::int`.as('closed'),
    ])
    .groupBy('i.workflow')
    .execute();
}

// ——— the rectification rate (R12, R13) ———

/**
 * R12, R13: per key of `dimension`, the rectifications due in the window —
 * their current deadline after `from` and at or before `to` (a deadline of
 * 24:00 of a period's last day is due in it: domain/rectificationRate.ts
 * deadlineWindow) — and how many of them were done on time (the latest fix
 * recorded before the deadline). Cancelled items (the rating voided or
 * revoked) are never due; an item neither done nor past its deadline at
 * `now` is not due yet (without `now`, every item of the window counts).
 * `agency` is by the rated agency; `region` counts a region's whole subtree,
 * `region_level` the items of that region itself (R3's scope=level). One
 * query for all `keys`; a key with nothing due has no row. Mirrors
 * domain/rectificationRate.ts isDueIn and isOnTime.
 */
export async function rectificationRates(db: Db, dimension: 'agency' | 'region' | 'region_level', keys: string[], from: Date, to: Date, now?: Date) {
  if (!keys.length) return [];
  const done = sql`(d.state in ('done', 'closed') and d.completed_at is not null)`;
  const due = sql`d.due_at > ${from} and d.due_at <= ${to} and ${now ? sql`(${done} or d.due_at <= ${now})` : sql`true`}`;
  const counts = sql`count(*)::int as due, count(*) filter (where ${done} and d.completed_at < d.due_at)::int as on_time`;
  const items = sql`
    select i.agency_code, i.region_code, i.region_path, i.state, i.due_at, (i.details->>'completedAt')::timestamptz as completed_at
    from supervision_item i
    where i.workflow = 'rectification' and i.state <> 'cancelled'`;
  type Row = { key: string; due: number; on_time: number };
  if (dimension === 'region') {
    // The path holds the codes from the root down: an item counts for every region on it.
    const { rows } = await sql<Row>`
      select g.code as key, ${counts}
      from (${items}) d cross join lateral unnest(string_to_array(d.region_path, '.')) as g(code)
      where g.code in (${sql.join(keys)}) and ${due}
      group by g.code`.execute(db);
    return rows;
  }
  const key = sql.ref(dimension === 'agency' ? 'd.agency_code' : 'd.region_code');
  const { rows } = await sql<Row>`
    select ${key} as key, ${counts}
    from (${items}) d
    where ${key} in (${sql.join(keys)}) and ${due}
    group by ${key}`.execute(db);
  return rows;
}

// ——— evidence ———

export async function insertAttachment(
  db: Db,
  a: { item_id: number; file_name: string; media_type: string; size_bytes: number; sha256: string; content: Buffer; uploaded_by: number; uploaded_at: Date },
) {
  return db
    .insertInto('supervision_attachment')
    .values(a)
    .returning(['id', 'item_id', 'file_name', 'media_type', 'size_bytes', 'sha256', 'uploaded_by', 'uploaded_at'])
    .executeTakeFirstOrThrow();
}

export async function attachmentsOf(db: Db, itemIds: number[]) {
  if (!itemIds.length) return [];
  return db
    .selectFrom('supervision_attachment as f')
    .innerJoin('app_user as u', 'u.id', 'f.uploaded_by')
    .select(['f.id', 'f.item_id', 'f.file_name', 'f.media_type', 'f.size_bytes', 'f.sha256', 'f.uploaded_at', 'u.display_name as uploaded_by_name'])
    .where('f.item_id', 'in', itemIds)
    .orderBy('f.id')
    .execute();
}

export async function findAttachment(db: Db, id: number) {
  return db.selectFrom('supervision_attachment').selectAll().where('id', '=', id).executeTakeFirst();
}

// ——— IT incidents (R11) ———

export async function insertIncident(
  db: Db,
  row: { client_id: number; started_at: Date; ended_at: Date; cause: string; reported_by: number; created_at: Date },
) {
  return db.insertInto('it_incident').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function listIncidents(db: Db, page: { page: number; pageSize: number }) {
  const base = db.selectFrom('it_incident as x');
  const [items, total] = await Promise.all([
    base
      .innerJoin('api_client as c', 'c.id', 'x.client_id')
      .innerJoin('app_user as u', 'u.id', 'x.reported_by')
      .selectAll('x')
      .select(['c.name as system_name', 'u.display_name as reported_by_name'])
      .orderBy('x.started_at', 'desc')
      .orderBy('x.id', 'desc')
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

export async function findIncident(db: Db, id: number) {
  return db
    .selectFrom('it_incident as x')
    .innerJoin('api_client as c', 'c.id', 'x.client_id')
    .innerJoin('app_user as u', 'u.id', 'x.reported_by')
    .selectAll('x')
    .select(['c.name as system_name', 'u.display_name as reported_by_name'])
    .where('x.id', '=', id)
    .executeTakeFirst();
}

/**
 * R11: the negative ratings that still count, of occasions that happened
 * during the outage, for cases (or packages) the system sent, within the
 * scope (by the occasion's region; a composite occasion by any party's).
 */
export async function ratingsInIncident(db: Db, incident: { client_id: number; started_at: Date; ended_at: Date }, scope: Scope) {
  const regionOk =
    scope.kind === 'region'
      ? sql`and exists (select 1 from region g where (g.code = o.region_code or g.code in (select region_code from occasion_party where occasion_id = o.id)) and ${inPath(sql.ref('g.path'), scope.path)})`
      : scope.kind === 'all'
        ? sql``
        : sql`and false`;
  const { rows } = await sql<{ rating_id: number; occurred_at: Date; open_proposal: boolean }>`
    select r.id as rating_id, o.occurred_at,
           exists (select 1 from supervision_item i where i.rating_id = r.id and i.workflow = 'revocation' and i.state = 'proposed') as open_proposal
    from occasion o
    join rating r on r.occasion_id = o.id
    left join service_case c on c.id = o.case_id
    left join service_package p on p.id = o.package_id
    where o.occurred_at >= ${incident.started_at} and o.occurred_at < ${incident.ended_at}
      and coalesce(c.client_id, p.client_id) = ${incident.client_id}
      and r.level in ('dissatisfied', 'very_dissatisfied')
      and r.voided_at is null and r.revoked_at is null
      ${regionOk}
    order by r.id`.execute(db);
  return rows;
}

// ——— what the rater's page and the checks read ———

/** The applicant's phone (ciphertext) of a rating's case or package: the rater (R9) to tell. */
export async function raterPhoneCipher(db: Db, occasionId: number): Promise<string | null> {
  const row = await db
    .selectFrom('occasion as o')
    .leftJoin('service_case as c', 'c.id', 'o.case_id')
    .leftJoin('service_package as p', 'p.id', 'o.package_id')
    .select((eb) => eb.fn.coalesce('c.applicant_phone_cipher', 'p.applicant_phone_cipher').as('cipher'))
    .where('o.id', '=', occasionId)
    .executeTakeFirst();
  return row?.cipher ?? null;
}

/** The case behind an occasion, with its matter's time limit: what the checks compare a tag with. */
export async function caseFacts(db: Db, occasionId: number) {
  return db
    .selectFrom('occasion as o')
    .leftJoin('service_case as c', 'c.id', 'o.case_id')
    .leftJoin('matter as m', 'm.code', 'c.matter_code')
    .leftJoin('service_package as p', 'p.id', 'o.package_id')
    .leftJoin('api_client as k', (j) => j.on(sql<boolean>`k.id = coalesce(c.client_id, p.client_id)`))
    .select([
      'c.id as case_id',
      'c.case_number',
      'c.kind as case_kind',
      'c.accepted_at',
      'c.completed_at',
      'c.withdrawn_at',
      'c.applicant_id_hash',
      'c.matter_code',
      'm.name as matter_name',
      'm.time_limit_days',
      'p.package_number',
      'p.name as package_name',
      'k.name as system_name',
    ])
    .where('o.id', '=', occasionId)
    .executeTakeFirst();
}

/** Other cases of the same applicant for the same matter accepted in the days before this one (R12 check: "many visits"). */
export async function earlierVisits(db: Db, c: { case_id: number; applicant_id_hash: string; matter_code: string; accepted_at: Date }, since: Date) {
  return db
    .selectFrom('service_case')
    .select(['case_number', 'accepted_at'])
    .where('applicant_id_hash', '=', c.applicant_id_hash)
    .where('matter_code', '=', c.matter_code)
    .where('id', '<>', c.case_id)
    .where('accepted_at', '>=', since)
    .where('accepted_at', '<=', c.accepted_at)
    .orderBy('accepted_at')
    .limit(20)
    .execute();
}

/** Negative ratings given since `since`, still counting, that no item of the loop has yet (bulk loads). */
export async function negativeRatingsWithoutItems(db: Db, since: Date, limit: number): Promise<number[]> {
  const { rows } = await sql<{ id: number }>`
    select r.id from rating r
    where r.level in ('dissatisfied', 'very_dissatisfied') and not r.is_default and r.given_at >= ${since}
      and r.voided_at is null and r.revoked_at is null
      and not exists (select 1 from supervision_item i where i.rating_id = r.id)
    order by r.given_at, r.id limit ${limit}`.execute(db);
  return rows.map((r) => r.id);
}

/** Open reviews opened without a deadline (the holiday calendar lacked a year then). */
export async function reviewsWithoutDeadline(db: Db, limit: number) {
  return db
    .selectFrom('supervision_item')
    .select('id')
    .where('workflow', '=', 'review')
    .where('closed_at', 'is', null)
    .where('due_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Sets a deadline found later (recorded in the item's details, not as a step: nothing was decided). */
export async function setDeadline(db: Db, id: number, dueAt: Date, at: Date): Promise<void> {
  await sql`update supervision_item set due_at = ${dueAt}, updated_at = ${at}, details = details - 'deadlineProblem' || ${JSON.stringify({ deadlineSetAt: at.toISOString() })}::jsonb where id = ${id}`.execute(
    db,
  );
}

/** Business systems (API clients that send cases), active first, by name. */
export async function businessSystems(db: Db) {
  return db.selectFrom('api_client').select(['id', 'name', 'active']).where('kind', '=', 'business_system').orderBy('active', 'desc').orderBy('name').execute();
}
