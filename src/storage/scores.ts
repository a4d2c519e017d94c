// Repository of scores (R3, R6, R8, R11, R13). The tables are described in
// migrations/0004_scores.sql; in short: every change to what counts is an
// event (score_event), queued in score_pending, and folded by the score-fold
// job into score_total (sums per dimension, key, and day / month / year).
// Every read adds the pending tail to score_total in one statement (one
// snapshot), so figures are exact whether or not the job has run; an as-of
// read also takes away what was recorded after its instant.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DayRange, RankingOrder, Segments, StoredDimension } from '../domain/scores.ts';
import { Z95 } from '../domain/scores.ts';
import type { DB } from './schema.ts';
import { escapeLike } from './regions.ts';
import { ROOT_PATH } from '../domain/access.ts';

type Db = Kysely<DB>;

// ——— writing: the ledger ———

/**
 * Records that the given ratings start counting, recorded at `at`: the SQL
 * to put after inserting ratings as a CTE named `given` (rows with `id`).
 */
export const recordGivenSql = (at: Date) => sql`
  events as (
    insert into score_event (rating_id, sign, cause, recorded_at)
    select id, 1, 'given', ${at}::timestamptz from given
    returning id
  ), queued as (
    insert into score_pending (event_id) select id from events
  )`;

/** Records ratings stored without an event (bulk loads: the demo, benchmarks) as given at `recordedAt` or, if null, at their given_at. */
export async function recordUnrecordedRatings(db: Db, recordedAt: Date | null): Promise<number> {
  const result = await sql<{ n: number }>`
    with events as (
      insert into score_event (rating_id, sign, cause, recorded_at)
      select r.id, 1, 'given', coalesce(${recordedAt}::timestamptz, r.given_at) from rating r
      where not exists (select 1 from score_event e where e.rating_id = r.id)
      order by r.id
      returning id
    ), queued as (
      insert into score_pending (event_id) select id from events
    )
    select count(*)::int as n from events`.execute(db);
  return result.rows[0]!.n;
}

export type ExclusionCause = 'voided' | 'revoked';

/** A rating with its exclusion state, locked for the transaction. */
export async function lockRating(db: Db, ratingId: number) {
  return db.selectFrom('rating').select(['id', 'voided_at', 'revoked_at']).where('id', '=', ratingId).forUpdate().executeTakeFirst();
}

/** R6, R11: the rating stops counting from `at` (call with the rating locked, not yet excluded). */
export async function excludeRating(db: Db, ratingId: number, cause: ExclusionCause, reason: string, at: Date): Promise<void> {
  await sql`
    with excluded as (
      update rating set ${sql.ref(cause === 'voided' ? 'voided_at' : 'revoked_at')} = ${at}, exclusion_reason = ${reason}
      where id = ${ratingId}
      returning id
    ), events as (
      insert into score_event (rating_id, sign, cause, recorded_at)
      select id, -1, ${cause}, ${at}::timestamptz from excluded
      returning id
    )
    insert into score_pending (event_id) select id from events`.execute(db);
}

// ——— folding ———

const LEVEL_COLUMNS = ['n_very_satisfied', 'n_satisfied', 'n_basically_satisfied', 'n_dissatisfied', 'n_very_dissatisfied'] as const;
const SUM_COLUMNS = ['n', 'score_sum', ...LEVEL_COLUMNS, 'n_default', 'active_sum'] as const;

/**
 * The signed contribution of each event row `e` joined to its rating `r`:
 * the columns of score_total, in SUM_COLUMNS order.
 */
const contribution = (sign: string) =>
  sql.raw(`
  (${sign})::int as n,
  (${sign} * r.score)::int as score_sum,
  (${sign} * (r.level = 'very_satisfied')::int) as n_very_satisfied,
  (${sign} * (r.level = 'satisfied')::int) as n_satisfied,
  (${sign} * (r.level = 'basically_satisfied')::int) as n_basically_satisfied,
  (${sign} * (r.level = 'dissatisfied')::int) as n_dissatisfied,
  (${sign} * (r.level = 'very_dissatisfied')::int) as n_very_dissatisfied,
  (${sign} * r.is_default::int) as n_default,
  (${sign} * case when r.is_default then 0 else r.score end)::int as active_sum`);
const EVENT_CONTRIBUTION = contribution('e.sign');

/** What the events whose ids are in `queue` (a table or CTE with event_id) add, per dimension, key and day. */
const contributionsOf = (queue: RawBuilder<unknown>) => sql`
  select a.dimension, a.key, a.region_code, r.score_day, ${EVENT_CONTRIBUTION}
  from ${queue} q
  join score_event e on e.id = q.event_id
  join rating r on r.id = e.rating_id
  join rating_attribution a on a.rating_id = r.id`;

export const sums = (prefix = '') => sql.raw(SUM_COLUMNS.map((c) => `sum(${prefix}${c})::int as ${c}`).join(', '));
const columnList = sql.raw(SUM_COLUMNS.join(', '));

/** The fold of up to `batchSize` pending events, as one statement (EXPLAIN reads it too). */
export const foldSql = (batchSize: number) =>
  sql<{ n: number }>`
  with batch as (
    delete from score_pending
    where event_id in (select event_id from score_pending order by event_id limit ${batchSize} for update skip locked)
    returning event_id
  ), contribution as (${contributionsOf(sql`batch`)}), folded as (
    insert into score_total (dimension, period, period_start, key, region_code, ${columnList})
    select c.dimension, p.period, p.period_start, c.key, c.region_code, ${sums('c.')}
    from contribution c
    ${periodsOf('c.score_day')}
    group by c.dimension, p.period, p.period_start, c.key, c.region_code
    on conflict (dimension, period, period_start, key, region_code) do update set
      ${sql.raw(SUM_COLUMNS.map((c) => `${c} = score_total.${c} + excluded.${c}`).join(', '))}
  )
  select count(*)::int as n from batch`;

/**
 * Folds up to `batchSize` pending events into score_total (every dimension,
 * as day, month and year rows). One statement: the events leave the queue
 * and their sums land in the same transaction. Returns how many it folded,
 * or null if another process is folding (one folder at a time, so upserts
 * never deadlock).
 */
export async function foldBatch(db: Db, batchSize: number): Promise<number | null> {
  return db.transaction().execute(async (trx) => {
    const locked = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(hashtext('score-fold')) as ok`.execute(trx);
    if (!locked.rows[0]!.ok) return null;
    const result = await foldSql(batchSize).execute(trx);
    return result.rows[0]!.n;
  });
}

export async function vacuumPending(db: Db): Promise<void> {
  await sql`vacuum analyze score_pending`.execute(db);
}

export async function pendingCount(db: Db): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::int as n from score_pending`.execute(db);
  return result.rows[0]!.n;
}

// ——— reading ———

export interface TotalsQuery {
  dimension: StoredDimension;
  range: DayRange;
  segments: Segments;
  /** Figures as they stood at this instant (events recorded later are taken away). */
  asOf?: Date | null;
  /** Only this key. */
  key?: string;
  /** line_region only: only the ratings of this region. */
  regionCode?: string;
}

/**
 * Rows (key, region_code, and SUM_COLUMNS) whose sums per key are the
 * totals asked for: stored periods, plus pending events, minus (as of an
 * instant) events recorded after it. Group by key to get the figures.
 */
export function totalsSource(q: TotalsQuery): RawBuilder<unknown> {
  return sql`${storedRows(q)} union all ${tailRows(q)}`;
}

/** The score_total rows of the periods that cover the range. */
function storedRows(q: TotalsQuery): RawBuilder<unknown> {
  const { years, months, days } = q.segments;
  const periods: RawBuilder<unknown>[] = [];
  if (years.length) periods.push(sql`(period = 'y' and period_start in (${sql.join(years.map((d) => sql`${d}::date`))}))`);
  if (months.length) periods.push(sql`(period = 'm' and period_start in (${sql.join(months.map((d) => sql`${d}::date`))}))`);
  for (const run of days) periods.push(sql`(period = 'd' and period_start between ${run.from}::date and ${run.to}::date)`);
  return sql`
    select key, region_code, ${columnList} from score_total
    where dimension = ${q.dimension} ${keyFilter(q, 'key')} and (${periods.length ? sql.join(periods, sql` or `) : sql`false`})`;
}

const keyFilter = (q: TotalsQuery, column: 'key' | 'a.key') =>
  sql`${q.key === undefined ? sql`` : sql`and ${sql.ref(column)} = ${q.key}`} ${q.regionCode === undefined ? sql`` : sql`and ${sql.ref(column.replace('key', 'region_code'))} = ${q.regionCode}`}`;

/** The pending events of the range, and (as of an instant) the events recorded after it, negated. */
function tailRows(q: TotalsQuery): RawBuilder<unknown> {
  const events = (from: RawBuilder<unknown>, sign: string, also: RawBuilder<unknown>) => sql`
    select a.key, a.region_code, ${contribution(sign)}
    from ${from}
    join rating r on r.id = e.rating_id
    cross join lateral rating_keys(r.id) a
    where a.dimension = ${q.dimension} ${keyFilter(q, 'a.key')}
      and r.score_day between ${q.range.from}::date and ${q.range.to}::date ${also}`;
  return sql`
    ${events(sql`score_pending p join score_event e on e.id = p.event_id`, 'e.sign', sql``)}
    ${q.asOf ? sql`union all ${events(sql`score_event e`, '-e.sign', sql`and e.recorded_at > ${q.asOf}`)}` : sql``}`;
}

export interface TotalsRow {
  key: string;
  n: number;
  score_sum: number;
  n_very_satisfied: number;
  n_satisfied: number;
  n_basically_satisfied: number;
  n_dissatisfied: number;
  n_very_dissatisfied: number;
  n_default: number;
  active_sum: number;
}

/** The totals of one key (zeros when nothing counted). */
export async function totalsOf(db: Db, q: TotalsQuery & { key: string }): Promise<TotalsRow> {
  const result = await sql<TotalsRow>`
    select ${q.key}::text as key, ${sums()} from (${totalsSource(q)}) s`.execute(db);
  const row = result.rows[0]!;
  for (const c of SUM_COLUMNS) row[c] ??= 0;
  return row;
}

/** How the entries of a ranking are found and filtered, per dimension. */
export interface RankingScope {
  /** Subtree of this region path (entries' regions, or for lines the ratings' regions). */
  withinPath?: string | null;
  regionLevel?: number | null;
  businessLine?: string | null;
  centralUnit?: boolean | null;
  /** Staff of this agency only (an agency manager's ranking, R2). */
  agencyCode?: string | null;
}

export type RankedDimension = 'staff' | 'agencies' | 'business-lines' | 'regions' | 'centers';

export interface RankingQuery extends Omit<TotalsQuery, 'dimension' | 'key'> {
  dimension: RankedDimension;
  regionScope: 'subtree' | 'level';
  filter: RankingScope;
  order: RankingOrder;
  minCount: number;
  limit: number;
  offset: number;
}

export interface RankingRow extends TotalsRow {
  rank: number | null;
  total: number;
  ranked_total: number;
  name: string;
  label: string; // the code people know: staff number, credit code, region code…
  region_code: string | null;
  region_name: string | null;
  parent_name: string | null; // the agency of a staff member
}

// The Wilson lower bound of domain/scores.ts meanInterval, in SQL (float8).
const wilsonLow = (n: string, sum: string) => {
  const z2 = Z95 * Z95;
  return `(case when ${n} > 0 then greatest(0, 10 * ((${sum}::float8 / (10 * ${n}) + ${z2} / (2 * ${n})) - ${Z95} * sqrt(greatest(0, (${sum}::float8 / (10 * ${n})) * (1 - ${sum}::float8 / (10 * ${n})) / ${n} + ${z2} / (4 * ${n}::float8 * ${n})))) / (1 + ${z2} / ${n})) end)`;
};

// Larger is better. Means and shares are float8 quotients of integers: two
// equal fractions give the same float, and two different ones give different
// floats while each entry has fewer than 23 million ratings (they differ by at
// least 1/(n1·n2), more than a float's spacing near 10) — so ties are exact.
export const ORDER_VALUE: Record<RankingOrder, string> = {
  mean: 'score_sum::float8 / n',
  lower_bound: wilsonLow('n', 'score_sum'),
  active_mean: 'active_sum::float8 / nullif(n - n_default, 0)',
  active_lower_bound: wilsonLow('(n - n_default)', 'active_sum'),
  negative_share: '-(n_dissatisfied + n_very_dissatisfied)::float8 / n',
};
export const ORDER_COUNT: Record<RankingOrder, string> = {
  mean: 'n',
  lower_bound: 'n',
  active_mean: 'n - n_default',
  active_lower_bound: 'n - n_default',
  negative_share: 'n',
};

export function entityJoin(
  q: Pick<RankingQuery, 'dimension' | 'filter'>,
  t: string,
): { select: RawBuilder<unknown>; join: RawBuilder<unknown>; where: RawBuilder<unknown>[] } {
  const f = q.filter;
  const where: RawBuilder<unknown>[] = [];
  const regionFilters = () => {
    if (f.withinPath) where.push(sql`(g.path = ${f.withinPath} or g.path like ${escapeLike(f.withinPath) + '.%'})`);
    if (f.regionLevel) where.push(sql`g.level = ${f.regionLevel}`);
  };
  const agencyFilters = () => {
    if (f.businessLine) where.push(sql`ag.business_line_code = ${f.businessLine}`);
    if (f.centralUnit !== null && f.centralUnit !== undefined) where.push(sql`ag.central_unit = ${f.centralUnit}`);
  };
  switch (q.dimension) {
    case 'staff':
      regionFilters();
      agencyFilters();
      if (f.agencyCode) where.push(sql`s.agency_code = ${f.agencyCode}`);
      return {
        select: sql`s.name, s.staff_number as label, g.code as region_code, g.name as region_name, ag.name as parent_name`,
        join: sql`join staff s on s.id = ${sql.ref(t)}.key::int join agency ag on ag.code = s.agency_code join region g on g.code = ag.region_code`,
        where,
      };
    case 'agencies':
      regionFilters();
      agencyFilters();
      return {
        select: sql`ag.name, ag.code as label, g.code as region_code, g.name as region_name, null::text as parent_name`,
        join: sql`join agency ag on ag.code = ${sql.ref(t)}.key join region g on g.code = ag.region_code`,
        where,
      };
    case 'business-lines':
      // A region filter has already picked the ratings (line_region rows).
      return {
        select: sql`bl.name, bl.code as label, null::text as region_code, null::text as region_name, null::text as parent_name`,
        join: sql`join business_line bl on bl.code = ${sql.ref(t)}.key`,
        where,
      };
    case 'regions':
      regionFilters();
      return {
        select: sql`g.name, g.code as label, g.code as region_code, g.name as region_name, pr.name as parent_name`,
        join: sql`join region g on g.code = ${sql.ref(t)}.key left join region pr on pr.code = g.parent_code`,
        where,
      };
    case 'centers':
      regionFilters();
      return {
        select: sql`c.name, c.code as label, g.code as region_code, g.name as region_name, pc.name as parent_name`,
        join: sql`join service_center c on c.code = ${sql.ref(t)}.key join region g on g.code = c.region_code left join service_center pc on pc.code = c.parent_code`,
        where,
      };
  }
}

/** The stored dimension a ranking reads. */
export function storedDimension(dimension: RankedDimension, regionScope: 'subtree' | 'level', filter: RankingScope): StoredDimension {
  switch (dimension) {
    case 'staff':
      return 'staff';
    case 'agencies':
      return 'agency';
    case 'business-lines':
      return filter.withinPath || filter.regionLevel ? 'line_region' : 'line';
    case 'regions':
      return regionScope === 'subtree' ? 'region_tree' : 'region';
    case 'centers':
      return 'center';
  }
}

/**
 * R13, R14: one page of a ranking. Competition ranking (1, 2, 2, 4) among
 * the entries with at least minCount ratings; the others follow, unranked,
 * by key. The same rules as domain/scores.ts rankEntries.
 */
export async function rankingPage(db: Db, q: RankingQuery): Promise<RankingRow[]> {
  return (await rankingSql(q).execute(db)).rows;
}

/**
 * R13, R14: the first two parts of a ranking's SQL — every key's sums over the
 * days (`source`, then `totals`, one row per key with ratings; lines by region
 * keep the regions the filter asks for) — shared by rankingSql() and the
 * ranking cache's rankedTotalsSql().
 */
export function rankingTotalsCte(q: Omit<RankingQuery, 'limit' | 'offset'>): RawBuilder<unknown> {
  const dimension = storedDimension(q.dimension, q.regionScope, q.filter);
  const lineByRegion = dimension === 'line_region';
  const lineRegionWhere: RawBuilder<unknown>[] = [];
  if (lineByRegion && q.filter.withinPath)
    lineRegionWhere.push(sql`(g.path = ${q.filter.withinPath} or g.path like ${escapeLike(q.filter.withinPath) + '.%'})`);
  if (lineByRegion && q.filter.regionLevel) lineRegionWhere.push(sql`g.level = ${q.filter.regionLevel}`);
  return sql`
    source as (${totalsSource({ ...q, dimension })}),
    totals as (
      select s.key, ${sums('s.')}
      from source s
      ${lineByRegion ? sql`join region g on g.code = s.region_code where ${sql.join(lineRegionWhere, sql` and `)}` : sql``}
      group by s.key
      having sum(s.n) > 0
    )`;
}

/** The SQL of one ranking page (bench/ and EXPLAIN read it too). */
export function rankingSql(q: RankingQuery): RawBuilder<RankingRow> {
  // Entries are filtered by their current record (staff by their agency now);
  // names are looked up for the page only.
  const filter = entityJoin(q, 't');
  const entity = entityJoin(q, 'p');
  const value = sql.raw(ORDER_VALUE[q.order]);
  const count = sql.raw(ORDER_COUNT[q.order]);
  return sql<RankingRow>`
    with ${rankingTotalsCte(q)}, entries as (
      select t.*, (${count}) >= greatest(1, ${q.minCount}::int) as eligible
      from totals t
      ${filter.where.length ? sql`${filter.join} where ${sql.join(filter.where, sql` and `)}` : sql``}
    ), ranked as (
      select e.*,
        case when eligible then rank() over (partition by eligible order by ${value} desc) end::int as rank,
        (count(*) over ())::int as total,
        (count(*) filter (where eligible) over ())::int as ranked_total
      from entries e
    ), page as (
      select * from ranked
      order by eligible desc, rank, key collate "C"
      limit ${q.limit} offset ${q.offset}
    )
    select p.*, ${entity.select}
    from page p ${entity.join}
    order by p.eligible desc, p.rank, p.key collate "C"`;
}

// ——— drill-down ———

export interface DrillDownQuery {
  dimension: StoredDimension;
  key: string;
  /** For region_tree: the region's path. */
  path?: string;
  range: DayRange;
  asOf?: Date | null;
  limit: number;
  offset: number;
  /** How many ratings the score counts, and how many all scores of the range count: they choose the plan. */
  count?: number;
  periodTotal?: number;
}

/**
 * Newest rating first, checking each (right when the subject has many of
 * the ratings), or the subject's occasions first, then their ratings sorted
 * (right when it has few: a village, a small agency). The second reads
 * about `count` rows; the first about periodTotal / count × (offset + limit),
 * each dearer (its per-row checks): pick the smaller.
 */
export function drillDownFromOccasions(q: Pick<DrillDownQuery, 'count' | 'periodTotal' | 'offset' | 'limit' | 'dimension'>): boolean {
  if (!['region', 'region_tree', 'agency', 'staff'].includes(q.dimension) || q.count === undefined || !q.periodTotal) return false;
  const count = Math.max(1, q.count);
  return count < (q.periodTotal / count) * (q.offset + q.limit) * 10;
}

/**
 * The ratings behind one score, newest first: the same ratings the score
 * counts (rating_attribution), written per dimension so that each uses an
 * index of occasion rather than the view over all ratings.
 */
/**
 * The SQL of one score's subject: the condition on an occasion `o` per
 * dimension (a package's composite occasion counts for each party), the
 * occasions themselves (candidates), and whether a rating `r` counts
 * (without asOf: neither voided nor revoked; the ledger agrees: scores verify).
 */
function subjectOf(q: Pick<DrillDownQuery, 'dimension' | 'key' | 'path' | 'asOf'>) {
  const composite = sql`o.kind = 'composite'`;
  const single = sql`o.kind <> 'composite'`;
  const party = (cond: RawBuilder<unknown>) => sql`(${composite} and exists (select 1 from occasion_party p where p.occasion_id = o.id and ${cond}))`;
  const subtree = (column: string) =>
    sql`${sql.ref(column)} in (select code from region where path = ${q.path!} or path like ${escapeLike(q.path ?? '') + '.%'})`;
  const counts: Record<Exclude<StoredDimension, 'line_region'>, RawBuilder<unknown>> = {
    staff: sql`o.staff_id = ${Number(q.key)}`,
    agency: sql`((${single} and o.agency_code = ${q.key}) or ${party(sql`p.agency_code = ${q.key}`)})`,
    line: sql`(${single} and o.business_line_code = ${q.key})`,
    center: sql`(${single} and o.center_code = ${q.key})`,
    region: sql`((${single} and o.region_code = ${q.key}) or ${party(sql`p.region_code = ${q.key}`)})`,
    region_tree: sql`((${single} and ${subtree('o.region_code')}) or ${party(subtree('p.region_code'))})`,
  };
  if (q.dimension === 'line_region') throw new Error('drill-down of line_region is not offered');
  const counting = q.asOf
    ? sql`(select sum(e.sign) from score_event e where e.rating_id = r.id and e.recorded_at <= ${q.asOf}) = 1`
    : sql`r.voided_at is null and r.revoked_at is null`;
  const subtreeCodes = sql`(select code from region where path = ${q.path ?? ''} or path like ${escapeLike(q.path ?? '') + '.%'})`;
  const candidates =
    q.dimension === 'region_tree'
      ? sql`select o.id from occasion o where o.kind <> 'composite' and o.region_code in ${subtreeCodes}
            union select p.occasion_id from occasion_party p where p.region_code in ${subtreeCodes}`
      : q.dimension === 'region'
        ? sql`select o.id from occasion o where o.kind <> 'composite' and o.region_code = ${q.key}
              union select p.occasion_id from occasion_party p where p.region_code = ${q.key}`
        : q.dimension === 'agency'
          ? sql`select o.id from occasion o where o.kind <> 'composite' and o.agency_code = ${q.key}
                union select p.occasion_id from occasion_party p where p.agency_code = ${q.key}`
          : sql`select o.id from occasion o where ${counts[q.dimension]}`;
  return { counts: counts[q.dimension], counting, candidates };
}

export async function ratingsBehind(db: Db, q: DrillDownQuery) {
  const { counts, counting, candidates } = subjectOf(q);
  const fromOccasions = drillDownFromOccasions(q);
  const result = await sql<{
    id: number;
    level: string;
    score: number;
    is_default: boolean;
    channel: string;
    given_at: Date;
    score_day: string;
    tags: string[];
    comment: string | null;
    occasion_kind: string;
    occurred_at: Date;
    case_number: string | null;
    package_number: string | null;
    matter_code: string | null;
    staff_number: string | null;
    staff_name: string | null;
    agency_code: string | null;
    agency_name: string | null;
    applicant_name_cipher: string | null;
  }>`
    with ${fromOccasions ? sql`subject as materialized (${candidates}),` : sql``} page as (
      -- The page's ratings first; the details below are read for these rows only. (Materialized, the
      -- subject's occasions are not folded back into a scan of every rating by the planner.)
      select r.id, r.given_at
      from ${fromOccasions ? sql`subject join rating r on r.occasion_id = subject.id` : sql`occasion o join rating r on r.occasion_id = o.id`}
      where ${fromOccasions ? sql`true` : counts}
        and r.score_day between ${q.range.from}::date and ${q.range.to}::date
        and ${counting}
      order by r.given_at desc, r.id desc
      limit ${q.limit} offset ${q.offset}
    )
    select r.id, r.level, r.score, r.is_default, r.channel, r.given_at, r.score_day::text as score_day, r.tags, r.comment,
      o.kind as occasion_kind, o.occurred_at, c.case_number, pk.package_number, c.matter_code,
      s.staff_number, s.name as staff_name, o.agency_code, ag.name as agency_name,
      coalesce(c.applicant_name_cipher, pk.applicant_name_cipher) as applicant_name_cipher
    from page
    join rating r on r.id = page.id
    join occasion o on o.id = r.occasion_id
    left join service_case c on c.id = o.case_id
    left join service_package pk on pk.id = o.package_id
    left join staff s on s.id = o.staff_id
    left join agency ag on ag.code = o.agency_code
    order by page.given_at desc, page.id desc`.execute(db);
  return result.rows;
}

/**
 * The tags of the negative ratings (dissatisfied, very dissatisfied) behind
 * one score, with the matter of each rated case: how often each pair occurs.
 * The dashboard lists the most frequent tags and the matters behind them.
 */
export async function negativeTagsBehind(db: Db, q: Pick<DrillDownQuery, 'dimension' | 'key' | 'path' | 'asOf' | 'range'>) {
  const { counting, candidates } = subjectOf(q);
  const result = await sql<{ tag: string; matter_code: string | null; matter_name: string | null; n: number }>`
    with subject as materialized (${candidates})
    select t.tag, c.matter_code, m.name as matter_name, count(*)::int as n
    from subject
    join rating r on r.occasion_id = subject.id
    join occasion o on o.id = r.occasion_id
    left join service_case c on c.id = o.case_id
    left join matter m on m.code = c.matter_code
    cross join unnest(r.tags) as t(tag)
    where r.level in ('dissatisfied', 'very_dissatisfied')
      and r.score_day between ${q.range.from}::date and ${q.range.to}::date
      and ${counting}
    group by t.tag, c.matter_code, m.name`.execute(db);
  return result.rows;
}

// ——— verification ———

export interface Difference {
  dimension: string;
  key: string;
  region_code: string;
  period: string;
  period_start: string;
  column: string;
  kept: number;
  recomputed: number;
}

const periodsOf = (day: string) =>
  sql.raw(
    `cross join lateral (values ('d', ${day}), ('m', ${day} - (extract(day from ${day})::int - 1)), ('y', make_date(extract(year from ${day})::int, 1, 1))) as p(period, period_start)`,
  );

/** Every figure computed from the ratings as they are now (not voided, not revoked). */
const RECOMPUTED = sql`
  select a.dimension, a.key, a.region_code, p.period, p.period_start,
    count(*)::int as n, sum(r.score)::int as score_sum,
    ${sql.raw(LEVEL_COLUMNS.map((c) => `count(*) filter (where r.level = '${c.slice(2)}')::int as ${c}`).join(', '))},
    count(*) filter (where r.is_default)::int as n_default,
    coalesce(sum(r.score) filter (where not r.is_default), 0)::int as active_sum
  from rating r
  join rating_attribution a on a.rating_id = r.id
  ${periodsOf('r.score_day')}
  where r.voided_at is null and r.revoked_at is null
  group by a.dimension, a.key, a.region_code, p.period, p.period_start`;

/**
 * Replaces every total by its recomputation from the ratings and empties the
 * pending queue — the same result as folding every event (the ledger of a
 * rating sums to 1 exactly when it counts; `verify` checks that). For bulk
 * loads and for recovery; holds the fold lock, so no fold runs meanwhile.
 */
export async function rebuild(db: Db): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('score-fold'))`.execute(trx);
    await sql`delete from score_pending`.execute(trx);
    await sql`delete from score_total`.execute(trx);
    const result = await sql`
      insert into score_total (dimension, period, period_start, key, region_code, ${columnList})
      select dimension, period, period_start, key, region_code, ${columnList} from (${RECOMPUTED}) x`.execute(trx);
    return Number(result.numAffectedRows ?? 0);
  });
}

/**
 * Recomputes every figure from the ratings as they are (not voided, not
 * revoked) and compares it with score_total plus the pending tail, in one
 * snapshot. Also checks the ledger: each rating's events sum to 1 if it
 * counts and 0 if not. Returns the differences (there must be none).
 */
export async function verify(db: Db): Promise<{ compared: number; differences: Difference[]; ledgerMismatches: number }> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const compare = sql.raw(SUM_COLUMNS.map((c) => `coalesce(k.${c}, 0) <> coalesce(x.${c}, 0)`).join(' or '));
      const result = await sql<{ compared: number; rows: Record<string, unknown>[] | null }>`
      with recomputed as (${RECOMPUTED}),
      tail as (${contributionsOf(sql`score_pending`)}),
      kept as (
        select dimension, key, region_code, period, period_start, ${sums()}
        from (
          select dimension, key, region_code, period::text, period_start, ${columnList} from score_total
          union all
          select t.dimension, t.key, t.region_code, p.period, p.period_start, ${columnList} from tail t ${periodsOf('t.score_day')}
        ) u
        group by dimension, key, region_code, period, period_start
      ), compared as (
        select coalesce(k.dimension, x.dimension) as dimension, coalesce(k.key, x.key) as key, coalesce(k.region_code, x.region_code) as region_code,
          coalesce(k.period, x.period) as period, coalesce(k.period_start, x.period_start)::text as period_start,
          to_jsonb(k) as kept, to_jsonb(x) as recomputed, (${compare}) as differs
        from kept k
        full join recomputed x using (dimension, key, region_code, period, period_start)
      )
      select (select count(*)::int from compared) as compared,
        (select jsonb_agg(c) from (select * from compared where differs limit 200) c) as rows`.execute(trx);
      const differences: Difference[] = [];
      for (const row of result.rows[0]!.rows ?? []) {
        const kept = (row.kept ?? {}) as Record<string, number>;
        const recomputed = (row.recomputed ?? {}) as Record<string, number>;
        for (const column of SUM_COLUMNS) {
          if (Number(kept[column] ?? 0) !== Number(recomputed[column] ?? 0)) {
            differences.push({
              dimension: String(row.dimension),
              key: String(row.key),
              region_code: String(row.region_code),
              period: String(row.period),
              period_start: String(row.period_start),
              column,
              kept: Number(kept[column] ?? 0),
              recomputed: Number(recomputed[column] ?? 0),
            });
          }
        }
      }
      const ledger = await sql<{ n: number }>`
      select count(*)::int as n from rating r
      where coalesce((select sum(e.sign) from score_event e where e.rating_id = r.id), 0)
        <> case when r.voided_at is null and r.revoked_at is null then 1 else 0 end`.execute(trx);
      return { compared: result.rows[0]!.compared, differences, ledgerMismatches: ledger.rows[0]!.n };
    });
}

// ——— what a score is of ———

export interface Subject {
  /** The key in score_total. */
  key: string;
  /** The code people know (staff number, credit code, region code…). */
  label: string;
  name: string;
  /** For regions: the materialized path. */
  path: string | null;
  /** Where it is (R2 scopes): its region's path, agency, line, staff id. */
  region_path: string | null;
  agency_code: string | null;
  line_code: string | null;
  staff_id: number | null;
}

/** The staff member, agency, line, region or center a score is of, by the code people know. */
export async function findSubject(db: Db, dimension: RankedDimension, label: string): Promise<Subject | undefined> {
  const q = {
    staff: sql<Subject>`select s.id::text as key, s.staff_number as label, s.name, null as path, g.path as region_path, s.agency_code, ag.business_line_code as line_code, s.id as staff_id
      from staff s join agency ag on ag.code = s.agency_code join region g on g.code = ag.region_code where s.staff_number = ${label}`,
    agencies: sql<Subject>`select ag.code as key, ag.code as label, ag.name, null as path, g.path as region_path, ag.code as agency_code, ag.business_line_code as line_code, null::int as staff_id
      from agency ag join region g on g.code = ag.region_code where ag.code = ${label}`,
    // A line spans every level: it lies at the top of the tree (docs/decisions.md).
    'business-lines': sql<Subject>`select code as key, code as label, name, null as path, ${ROOT_PATH}::text as region_path, null as agency_code, code as line_code, null::int as staff_id
      from business_line where code = ${label}`,
    regions: sql<Subject>`select code as key, code as label, name, path, path as region_path, null as agency_code, null as line_code, null::int as staff_id from region where code = ${label}`,
    centers: sql<Subject>`select c.code as key, c.code as label, c.name, null as path, g.path as region_path, null as agency_code, null as line_code, null::int as staff_id
      from service_center c join region g on g.code = c.region_code where c.code = ${label}`,
  }[dimension];
  return (await q.execute(db)).rows[0];
}
