// R13, R14: what the ranking cache (src/app/rankingCache.ts) reads. A
// ranking splits in two:
//   - the ranked totals: every entry of the stored dimension with its sums,
//     its tie group (equal ranking values) and whether it has enough ratings
//     to be ranked (R14), in ranking order. They are a function of the score events
//     visible (folded or pending, docs/ARCHITECTURE.md "Scores"), so they can
//     be cached under the newest event id (the watermark);
//   - what the entity tables say, read on every request: which entries a
//     filter keeps (staff by their agency now, agencies by line, regions by
//     level…) and the names of one page.
// rankingSql() in scores.ts answers the same in one statement: it is the
// uncached path, and the oracle of test/api/rankingCache.test.ts.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DayRange } from '../domain/scores.ts';
import type { DB } from './schema.ts';
import { entityJoin, ORDER_COUNT, ORDER_VALUE, rankingTotalsCte, type RankingQuery, type TotalsRow } from './scores.ts';

type Db = Kysely<DB>;

/** How many newer events rankingWatermark() checks before it answers "changed" (about 10 ms of lookups). */
const SINCE_LIMIT = 20_000;

/** What the ranked totals depend on: a ranking without its entity filters (except a line ranking's region, which picks rows). */
export type RankedTotalsQuery = Omit<RankingQuery, 'limit' | 'offset'>;

/** The columns of each line of rankedTotalsSql()'s list, after the key and before the tie group. */
export const RANKED_SUMS = [
  'n',
  'score_sum',
  'n_very_satisfied',
  'n_satisfied',
  'n_basically_satisfied',
  'n_dissatisfied',
  'n_very_dissatisfied',
  'n_default',
  'active_sum',
] as const satisfies readonly (keyof TotalsRow)[];

export interface RankedTotals {
  /** How many entries are ranked (the first lines). */
  eligible: number;
  /**
   * One line per entry, in ranking order: `key,n,score_sum,…,active_sum,tie`
   * (RANKED_SUMS), where entries with equal values share `tie` (1, 2, 3…;
   * 0 for the unranked). Keys are codes and ids (no comma, no newline: the
   * tables check them). One text rather than 20,000 rows: a twentieth of
   * the memory and time to read, and the values never leave the database
   * (ties are decided there, on the float8s).
   */
  list: string;
}

/**
 * Every entry of a ranking, without entity filters, in ranking order:
 * the ranked ones (enough ratings) by value, best first, ties by key; then
 * the others by key — the order and ties of rankingSql().
 */
export function rankedTotalsSql(q: RankedTotalsQuery): RawBuilder<RankedTotals> {
  return sql<RankedTotals>`
    with ${rankingTotalsCte(q)}, entries as (
      select t.*, (${sql.raw(ORDER_COUNT[q.order])}) >= greatest(1, ${q.minCount}::int) as eligible, (${sql.raw(ORDER_VALUE[q.order])})::float8 as value
      from totals t
    ), ranked as (
      select e.*, case when eligible then dense_rank() over (partition by eligible order by value desc) else 0 end as tie
      from entries e
    )
    select (count(*) filter (where eligible))::int as eligible,
      coalesce(string_agg(concat_ws(',', key, ${sql.raw(RANKED_SUMS.join(', '))}, tie), E'\n' order by eligible desc, tie, key collate "C"), '') as list
    from ranked`;
}

/**
 * What a cached ranking is valid for: the newest score event id visible
 * (`lastEvent`, a bigint as text), and whether every event up to it that
 * will ever be visible is visible now (`settled`).
 *
 * Why the id alone identifies the answer: a ranking sums the events visible
 * in its snapshot, whether folded into score_total or still pending — a
 * fold or `scores rebuild` moves sums between the two and changes no
 * figure (`scores verify` checks it), so the fold position is not needed.
 * Events are only ever added (score_event refuses DELETE), each with a
 * larger id than every event visible before it: an id is drawn when the
 * row is inserted, and the row of `lastEvent` was committed. So between
 * two snapshots with the same `lastEvent` only an event with a smaller id
 * can have appeared — one whose transaction was still open at the first
 * snapshot. `settled` says there was none: no other session held a write
 * lock on score_event (an event writer holds it from its insert to its end),
 * and none of the transactions open at our snapshot has committed since.
 * Only a settled answer is cached; an unsettled one is still exact for its
 * own snapshot and is returned, just not kept. Because the watermark is
 * read from the database, this holds across processes (the fold and jobs
 * in another process, several `serve` processes).
 *
 * `since`: whether an event newer than `since.lastEvent` counts in the
 * range (its rating's day is in it; as of an instant, it was recorded at or
 * before it) — if none does, the ranking has not changed since then: a
 * ranking of last month outlives today's ratings. Past SINCE_LIMIT newer
 * events it answers "changed" without looking (reading the ranking again
 * costs less than checking them all).
 */
export async function rankingWatermark(
  db: Db,
  since?: { lastEvent: string; range: DayRange; asOf: Date | null },
): Promise<{ lastEvent: string; settled: boolean; changed: boolean }> {
  const changed = since
    ? sql`case when w.last_event - ${since.lastEvent}::bigint > ${SINCE_LIMIT} then true else exists (
        select 1 from score_event e join rating r on r.id = e.rating_id
        where e.id > ${since.lastEvent}::bigint and r.score_day between ${since.range.from}::date and ${since.range.to}::date
          ${since.asOf ? sql`and e.recorded_at <= ${since.asOf}::timestamptz` : sql``}) end`
    : sql`false`;
  const result = await sql<{ last_event: string; settled: boolean; changed: boolean }>`
    with w as (select coalesce((select max(id) from score_event), 0) as last_event)
    select w.last_event::text as last_event,
      not exists (
        select 1 from pg_locks l
        where l.locktype = 'relation' and l.relation = 'score_event'::regclass and l.pid <> pg_backend_pid()
          and l.database = (select oid from pg_database where datname = current_database())
          and l.mode in ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
      ) and not exists (
        select 1 from pg_snapshot_xip(pg_current_snapshot()) x where pg_xact_status(x) = 'committed'
      ) as settled,
      ${changed} as changed
    from w`.execute(db);
  const row = result.rows[0]!;
  return { lastEvent: row.last_event, settled: row.settled, changed: row.changed };
}

/** The ranked totals and the watermark they are exact for, in one snapshot. */
export async function readRankedTotals(db: Db, q: RankedTotalsQuery) {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      // The first statement takes the transaction's snapshot: the watermark is of the totals read after it.
      const watermark = await rankingWatermark(trx);
      const totals = (await rankedTotalsSql(q).execute(trx)).rows[0]!;
      return { watermark, ...totals };
    });
}

/** The tables an entity filter reads, per dimension (the aliases of scores.ts entityJoin). */
const ENTITIES: Record<RankingQuery['dimension'], { key: string; from: string } | null> = {
  staff: { key: 's.id::text', from: 'staff s join agency ag on ag.code = s.agency_code join region g on g.code = ag.region_code' },
  agencies: { key: 'ag.code', from: 'agency ag join region g on g.code = ag.region_code' },
  'business-lines': null, // a region filter has picked the ratings already (line_region)
  regions: { key: 'g.code', from: 'region g' },
  centers: { key: 'c.code', from: 'service_center c join region g on g.code = c.region_code' },
};

/**
 * R2, R13: the keys (as in score_total) of the entries a ranking's filters
 * keep, as the entity tables say now; null when it has no filter (every
 * entry). The same conditions as rankingSql() (entityJoin).
 */
export async function rankingMembers(db: Db, q: Pick<RankingQuery, 'dimension' | 'filter'>): Promise<Set<string> | null> {
  const { where } = entityJoin(q, 't');
  const entities = ENTITIES[q.dimension];
  if (!where.length || !entities) return null;
  const result = await sql<{ key: string }>`
    select ${sql.raw(entities.key)} as key from ${sql.raw(entities.from)} where ${sql.join(where, sql` and `)}`.execute(db);
  return new Set(result.rows.map((r) => r.key));
}

export interface RankingEntity {
  key: string;
  name: string;
  label: string;
  region_code: string | null;
  region_name: string | null;
  parent_name: string | null;
}

/** The names of a page of entries, by key (an entry whose record is gone is absent, as in rankingSql()). */
export async function rankingEntities(db: Db, q: Pick<RankingQuery, 'dimension' | 'filter'>, keys: string[]): Promise<Map<string, RankingEntity>> {
  if (!keys.length) return new Map();
  const entity = entityJoin(q, 't');
  const result = await sql<RankingEntity>`
    select t.key, ${entity.select}
    from (values ${sql.join(keys.map((k) => sql`(${k}::text)`))}) as t(key) ${entity.join}`.execute(db);
  return new Map(result.rows.map((r) => [r.key, r]));
}
