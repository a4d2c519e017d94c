// Repository of what the platform finds on its own (issue 14;
// migrations/0012_findings.sql): findings (investigations, key targets,
// replacements), their transitions, fraud signals and the ratings they flag,
// submission attempts and violations. Reads take the caller's scope as a
// predicate over the finding's own place columns (aliased `i`, as the
// supervision loop's items), so that nothing outside it is ever shown.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Scope } from '../domain/access.ts';
import type { DB } from './schema.ts';
import type { FindingTable, FindingWorkflow, SubjectType } from './schemaFindings.ts';
import { itemScope } from './supervision.ts';
import { escapeLike } from './regions.ts';

type Db = Kysely<DB>;
export type FindingRow = Selectable<FindingTable>;

export type NewFinding = Omit<FindingRow, 'id' | 'details' | 'version' | 'closed_at' | 'overdue_at' | 'escalated_at' | 'escalated_to'> & {
  details: Record<string, unknown>;
};

/** Inserts a finding unless one with its key exists (a job run twice, or two at once); undefined then. */
export async function insertFinding(db: Db, f: NewFinding): Promise<FindingRow | undefined> {
  return db
    .insertInto('finding')
    .values({ ...f, details: JSON.stringify(f.details) })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** The open investigation of a subject (its dedup key), locked. */
export async function lockOpenInvestigation(db: Db, dedupKey: string): Promise<FindingRow | undefined> {
  return db
    .selectFrom('finding')
    .selectAll()
    .where('workflow', '=', 'investigation')
    .where('dedup_key', '=', dedupKey)
    .where('closed_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

export async function findingByKey(db: Db, workflow: FindingWorkflow, dedupKey: string): Promise<FindingRow | undefined> {
  return db.selectFrom('finding').selectAll().where('workflow', '=', workflow).where('dedup_key', '=', dedupKey).executeTakeFirst();
}

export async function lockFinding(db: Db, id: number): Promise<FindingRow | undefined> {
  return db.selectFrom('finding').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findFinding(db: Db, id: number, scope: Scope): Promise<FindingRow | undefined> {
  const inScope = itemScope(scope);
  return db
    .selectFrom('finding as i')
    .selectAll('i')
    .where('i.id', '=', id)
    .$if(!!inScope, (q) => q.where(inScope!))
    .executeTakeFirst();
}

export type FindingPatch = Partial<Pick<FindingRow, 'state' | 'due_at' | 'closed_at' | 'overdue_at' | 'escalated_at' | 'escalated_to' | 'score'>> & {
  details?: Record<string, unknown>;
};

export async function updateFinding(db: Db, id: number, patch: FindingPatch, at: Date): Promise<FindingRow> {
  const { details, ...rest } = patch;
  return db
    .updateTable('finding')
    .set({ ...rest, ...(details ? { details: JSON.stringify(details) } : {}), updated_at: at })
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertFindingTransition(
  db: Db,
  t: {
    finding_id: number;
    at: Date;
    event: string;
    from_state: string;
    to_state: string;
    actor_type: 'user' | 'system';
    actor_id: number | null;
    actor_name: string;
    note: string | null;
    details: Record<string, unknown> | null;
  },
): Promise<void> {
  await db
    .insertInto('finding_transition')
    .values({ ...t, details: t.details ? JSON.stringify(t.details) : null })
    .execute();
}

export async function transitionsOfFinding(db: Db, id: number) {
  return db.selectFrom('finding_transition').selectAll().where('finding_id', '=', id).orderBy('id').execute();
}

export interface FindingFilter {
  workflow: FindingWorkflow;
  state?: string;
  open?: boolean;
  overdue?: boolean;
  /** own: the caller's department; below: escalated to it; all: the whole scope. */
  queue?: 'own' | 'below' | 'all';
  regionPath?: string;
  agencyCode?: string;
  subjectType?: SubjectType;
  subjectKey?: string;
}

const inPath = (path: string) => sql<boolean>`(i.region_path = ${path} or i.region_path like ${escapeLike(path) + '.%'})`;

function filtered(db: Db, scope: Scope, f: FindingFilter, now: Date, callerRegion: string | null) {
  const inScope = itemScope(scope);
  return db
    .selectFrom('finding as i')
    .where('i.workflow', '=', f.workflow)
    .$if(!!inScope, (q) => q.where(inScope!))
    .$if(!!f.state, (q) => q.where('i.state', '=', f.state!))
    .$if(f.open === true, (q) => q.where('i.closed_at', 'is', null))
    .$if(f.open === false, (q) => q.where('i.closed_at', 'is not', null))
    .$if(f.overdue === true, (q) => q.where('i.closed_at', 'is', null).where('i.due_at', '<=', now))
    .$if(f.queue === 'own' && !!callerRegion, (q) => q.where('i.region_code', '=', callerRegion!))
    .$if(f.queue === 'below' && !!callerRegion, (q) => q.where('i.escalated_to', '=', callerRegion!))
    .$if(!!f.regionPath, (q) => q.where(inPath(f.regionPath!)))
    .$if(!!f.agencyCode, (q) => q.where('i.agency_code', '=', f.agencyCode!))
    .$if(!!f.subjectType, (q) => q.where('i.subject_type', '=', f.subjectType!))
    .$if(!!f.subjectKey, (q) => q.where('i.subject_key', '=', f.subjectKey!));
}

/** A page of a queue: open ones first, by deadline (none last), then by suspicion, then newest. */
export async function listFindings(db: Db, scope: Scope, f: FindingFilter, now: Date, callerRegion: string | null, page: { page: number; pageSize: number }) {
  const base = filtered(db, scope, f, now, callerRegion);
  const [items, total] = await Promise.all([
    base
      .leftJoin('agency as a', 'a.code', 'i.agency_code')
      .leftJoin('region as g', 'g.code', 'i.region_code')
      .leftJoin('staff as s', 's.id', 'i.staff_id')
      .selectAll('i')
      .select(['a.name as agency_name', 'g.name as region_name', 's.name as staff_name'])
      .orderBy(sql`i.closed_at is not null`)
      .orderBy(sql`i.due_at asc nulls last`)
      .orderBy(sql`i.score desc nulls last`)
      .orderBy('i.id', 'desc')
      .limit(page.pageSize)
      .offset((page.page - 1) * page.pageSize)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: Number(total.n) };
}

/** Counts per workflow within the scope: open, overdue, closed. */
export async function countFindings(db: Db, scope: Scope, now: Date) {
  const inScope = itemScope(scope);
  return db
    .selectFrom('finding as i')
    .$if(!!inScope, (q) => q.where(inScope!))
    .select([
      'i.workflow',
      sql<number>`count(*) filter (where i.closed_at is null)::int`.as('open'),
      sql<number>`count(*) filter (where i.closed_at is null and i.due_at <= ${now})::int`.as('overdue'),
      sql<number>`count(*) filter (where i.closed_at is not null)::int`.as('closed'),
    ])
    .groupBy('i.workflow')
    .execute();
}

/** Open findings of a workflow whose deadline has passed (for the deadlines job), ids only. */
export async function dueFindingIds(db: Db, workflow: FindingWorkflow, now: Date, limit: number, extra: 'not_overdue' | 'not_escalated') {
  return (
    await db
      .selectFrom('finding')
      .select('id')
      .where('workflow', '=', workflow)
      .where('closed_at', 'is', null)
      .where('due_at', '<=', now)
      .$if(extra === 'not_overdue', (q) => q.where('overdue_at', 'is', null))
      .$if(extra === 'not_escalated', (q) => q.where('overdue_at', 'is not', null).where('escalated_at', 'is', null))
      .orderBy('id')
      .limit(limit)
      .execute()
  ).map((r) => r.id);
}

export async function openFindingIds(db: Db, workflow: FindingWorkflow) {
  return (await db.selectFrom('finding').select('id').where('workflow', '=', workflow).where('closed_at', 'is', null).orderBy('id').execute()).map((r) => r.id);
}

// ——— signals (R10) ———

export interface NewSignal {
  kind: string;
  dedup_key: string;
  subject_type: string;
  subject_key: string;
  window_id: number | null;
  staff_id: number | null;
  agency_code: string | null;
  first_at: Date;
  last_at: Date;
  weight: number;
  explanation: string;
  evidence: Record<string, unknown>;
  detected_at: Date;
}

/** Stores a signal unless found before (its key); returns its id, and whether it is new. */
export async function upsertSignal(db: Db, s: NewSignal): Promise<{ id: number; created: boolean; findingId: number | null }> {
  const inserted = await db
    .insertInto('fraud_signal')
    .values({ ...s, evidence: JSON.stringify(s.evidence), finding_id: null })
    .onConflict((oc) => oc.column('dedup_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true, findingId: null };
  const row = await db.selectFrom('fraud_signal').select(['id', 'finding_id']).where('dedup_key', '=', s.dedup_key).executeTakeFirstOrThrow();
  return { id: row.id, created: false, findingId: row.finding_id };
}

/** Links ratings to a signal; returns how many were new. */
export async function linkSignalRatings(db: Db, signalId: number, ratingIds: number[]): Promise<number> {
  if (!ratingIds.length) return 0;
  let added = 0;
  for (let i = 0; i < ratingIds.length; i += 1000) {
    const rows = await db
      .insertInto('fraud_signal_rating')
      .values(ratingIds.slice(i, i + 1000).map((rating_id) => ({ signal_id: signalId, rating_id })))
      .onConflict((oc) => oc.doNothing())
      .returning('rating_id')
      .execute();
    added += rows.length;
  }
  return added;
}

export async function attachSignal(db: Db, signalId: number, findingId: number): Promise<void> {
  await db.updateTable('fraud_signal').set({ finding_id: findingId }).where('id', '=', signalId).execute();
}

export async function signalsOfFinding(db: Db, findingId: number) {
  return db.selectFrom('fraud_signal').selectAll().where('finding_id', '=', findingId).orderBy('first_at').orderBy('id').execute();
}

/**
 * The ratings an investigation's signals flag, each with its suspicion
 * (1 − Π(1 − weight) over the signals flagging it, from all signals, not only
 * this investigation's) and what the pages show of it: level, time, channel,
 * whether it still counts. No rater identity.
 */
export async function flaggedRatings(db: Db, findingId: number) {
  return db
    .selectFrom('fraud_signal_rating as fr')
    .innerJoin('fraud_signal as fs', 'fs.id', 'fr.signal_id')
    .innerJoin('rating as r', 'r.id', 'fr.rating_id')
    .innerJoin('occasion as o', 'o.id', 'r.occasion_id')
    .leftJoin('service_case as c', 'c.id', 'o.case_id')
    .where('fs.finding_id', '=', findingId)
    .select([
      'r.id',
      'r.level',
      'r.given_at',
      'r.channel',
      'r.is_default',
      'r.voided_at',
      'r.revoked_at',
      'o.window_id',
      'o.staff_id',
      'o.agency_code',
      'o.occurred_at',
      'c.case_number',
      sql<string[]>`array_agg(distinct fs.kind order by fs.kind)`.as('kinds'),
      sql<number>`(select 1 - exp(sum(ln(1 - least(s2.weight, 0.999999)))) from fraud_signal_rating fr2 join fraud_signal s2 on s2.id = fr2.signal_id where fr2.rating_id = r.id)`.as(
        'suspicion',
      ),
    ])
    .groupBy(['r.id', 'o.id', 'c.case_number'])
    .orderBy('r.given_at')
    .execute();
}

// ——— submission attempts (R10) ———

// ——— violations (R10) ———

export async function insertViolation(
  db: Db,
  v: {
    finding_id: number;
    agency_code: string;
    staff_id: number | null;
    business_line_code: string;
    region_code: string;
    region_path: string;
    recorded_at: Date;
    ratings_voided: number;
    summary: string;
    recorded_by: number;
  },
) {
  return db.insertInto('violation').values(v).returningAll().executeTakeFirstOrThrow();
}

export type MarkDimension = 'staff' | 'agencies' | 'business-lines' | 'regions' | 'centers';

/**
 * Violations recorded in [from, to) per key of a ranking dimension: staff by
 * staff member, agencies by agency, lines by line, regions by subtree
 * (`level`: that region itself). Centers have none (a violation is an
 * agency's or a staff member's).
 */
export async function violationCounts(db: Db, dimension: MarkDimension, keys: string[], from: Date, to: Date, regionScope: 'subtree' | 'level' = 'subtree') {
  const counts = new Map<string, number>();
  if (!keys.length || dimension === 'centers') return counts;
  const base = db.selectFrom('violation as v').where('v.recorded_at', '>=', from).where('v.recorded_at', '<', to);
  let rows: { key: string | null; n: number }[];
  if (dimension === 'staff')
    rows = await base
      .where(
        'v.staff_id',
        'in',
        keys.map((k) => Number(k)),
      )
      .select([sql<string>`v.staff_id::text`.as('key'), sql<number>`count(*)::int`.as('n')])
      .groupBy('v.staff_id')
      .execute();
  else if (dimension === 'agencies')
    rows = await base
      .where('v.agency_code', 'in', keys)
      .select(['v.agency_code as key', sql<number>`count(*)::int`.as('n')])
      .groupBy('v.agency_code')
      .execute();
  else if (dimension === 'business-lines')
    rows = await base
      .where('v.business_line_code', 'in', keys)
      .select(['v.business_line_code as key', sql<number>`count(*)::int`.as('n')])
      .groupBy('v.business_line_code')
      .execute();
  else if (regionScope === 'level')
    rows = await base
      .where('v.region_code', 'in', keys)
      .select(['v.region_code as key', sql<number>`count(*)::int`.as('n')])
      .groupBy('v.region_code')
      .execute();
  else
    rows = await db
      .selectFrom('region as g')
      .innerJoin('violation as v', (j) => j.on(sql<boolean>`(v.region_path = g.path or v.region_path like g.path || '.%')`))
      .where('g.code', 'in', keys)
      .where('v.recorded_at', '>=', from)
      .where('v.recorded_at', '<', to)
      .select(['g.code as key', sql<number>`count(*)::int`.as('n')])
      .groupBy('g.code')
      .execute();
  for (const r of rows) if (r.key) counts.set(r.key, r.n);
  return counts;
}

export async function violationsOf(db: Db, where: { agencyCode?: string; staffId?: number }, from: Date, to: Date) {
  return db
    .selectFrom('violation as v')
    .leftJoin('staff as s', 's.id', 'v.staff_id')
    .selectAll('v')
    .select('s.name as staff_name')
    .$if(!!where.agencyCode, (q) => q.where('v.agency_code', '=', where.agencyCode!))
    .$if(where.staffId !== undefined, (q) => q.where('v.staff_id', '=', where.staffId!))
    .where('v.recorded_at', '>=', from)
    .where('v.recorded_at', '<', to)
    .orderBy('v.recorded_at', 'desc')
    .execute();
}

/**
 * Key-target and replacement marks of a ranking's keys in a period: findings
 * whose period overlaps [fromDay, toDay] (key targets) or open during it
 * (replacements), by subject. A region's mark is its own (not its subtree's).
 */
export async function findingMarks(db: Db, subjectType: SubjectType, keys: string[], fromDay: string, toDay: string) {
  const marks = new Map<string, { keyTarget: number[]; replacement: number[] }>();
  if (!keys.length) return marks;
  const rows = await db
    .selectFrom('finding')
    .select(['id', 'workflow', 'subject_key'])
    .where('subject_type', '=', subjectType)
    .where('subject_key', 'in', keys)
    .where('workflow', 'in', ['key_target', 'replacement'])
    .where('period_start', '<=', toDay)
    .where('period_end', '>=', fromDay)
    .orderBy('id')
    .execute();
  for (const r of rows) {
    const m = marks.get(r.subject_key) ?? { keyTarget: [], replacement: [] };
    (r.workflow === 'key_target' ? m.keyTarget : m.replacement).push(r.id);
    marks.set(r.subject_key, m);
  }
  return marks;
}

/** The supervisory department of a place (its region path): the deepest of its regions at level 3 or above (R1; as the supervision loop's). */
export async function departmentOf(db: Db, regionPath: string): Promise<string> {
  const row = await db
    .selectFrom('region')
    .select('code')
    .where('code', 'in', regionPath.split('.'))
    .where('level', '<=', 3)
    .orderBy('level', 'desc')
    .executeTakeFirstOrThrow();
  return row.code;
}

/** Where a subject is: an agency's, a staff member's (their agency's), a window's (its agency's), a line's or a region's place. */
export async function placeOfAgency(db: Db, agencyCode: string) {
  return db
    .selectFrom('agency as a')
    .innerJoin('region as g', 'g.code', 'a.region_code')
    .select(['a.code', 'a.name', 'a.business_line_code', 'a.region_code', 'g.path', 'g.level'])
    .where('a.code', '=', agencyCode)
    .executeTakeFirst();
}
