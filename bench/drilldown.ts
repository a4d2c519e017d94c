// How fast one page of the ratings behind a score is read (the drill-down of
// GET /api/v1/scores/{dimension}/{key}/ratings: storage/scores.ts
// ratingsBehind, with the score's count and the period's total as the API
// passes them), on the PostgreSQL server, against the drill-down SQL as it
// stood before issue 10 (kept below, verbatim, as the baseline), both
// measured in the same run on the same data. (The bulk-loaded raters are not
// real ciphertexts, so the API's masking of their names is left out.)
//
//   npm run bench:rankings -- --sizes 1000000 --keep     # load 1 M ratings once, keep the database
//   npm run bench:drilldown -- --url postgres://…/hcp_bench_rankings_NNNN [--runs 20]
//
// Target (issue 10): under 200 ms per page for regions/450000 at 1 M ratings.
import { sql } from 'kysely';
import { openDatabase } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { escapeLike } from '../src/storage/regions.ts';
import { DIMENSIONS, periodSegments, type Dimension, type StoredDimension } from '../src/domain/scores.ts';
import { findSubject, ratingsBehind, totalsOf, type RankedDimension } from '../src/storage/scores.ts';
import { arg, fmt, percentile } from './support/bulk.ts';

const url = arg('--url');
if (!url) throw new Error('give --url of a database kept by npm run bench:rankings -- --keep');
const RUNS = Number(arg('--runs') ?? 20);
const BASELINE_RUNS = Number(arg('--baseline-runs') ?? 3);

const database = await openDatabase({ kind: 'server', url, poolMax: 4 });
const db = database.db;
const n = (await sql<{ n: number }>`select count(*)::int as n from rating`.execute(db)).rows[0]!.n;
const year = (await sql<{ y: string }>`select to_char(max(score_day), 'YYYY') as y from rating`.execute(db)).rows[0]!.y;
const agency = (
  await sql<{ code: string }>`select agency_code as code from occasion where agency_code is not null group by 1 order by count(*) desc limit 1`.execute(db)
).rows[0]!.code;
const staff = (
  await sql<{ n: string }>`select s.staff_number as n from occasion o join staff s on s.id = o.staff_id group by 1 order by count(*) desc limit 1`.execute(db)
).rows[0]!.n;

/** The drill-down SQL of a region subtree as it stood before issue 10: the baseline. */
const baseline = (path: string, from: string, to: string) => sql`
    select r.id, r.level, r.score, r.is_default, r.channel, r.given_at, r.score_day::text as score_day, r.tags, r.comment,
      o.kind as occasion_kind, o.occurred_at, c.case_number, pk.package_number, c.matter_code,
      s.staff_number, s.name as staff_name, o.agency_code, ag.name as agency_name,
      coalesce(c.applicant_name_cipher, pk.applicant_name_cipher) as applicant_name_cipher
    from occasion o
    join rating r on r.occasion_id = o.id
    left join service_case c on c.id = o.case_id
    left join service_package pk on pk.id = o.package_id
    left join staff s on s.id = o.staff_id
    left join agency ag on ag.code = o.agency_code
    where ((o.kind <> 'composite' and o.region_code in (select code from region where path = ${path} or path like ${escapeLike(path) + '.%'}))
        or (o.kind = 'composite' and exists (select 1 from occasion_party p where p.occasion_id = o.id
              and p.region_code in (select code from region where path = ${path} or path like ${escapeLike(path) + '.%'}))))
      and r.score_day between ${from}::date and ${to}::date
      and (select sum(e.sign) from score_event e where e.rating_id = r.id) = 1
    order by r.given_at desc, r.id desc
    limit 50 offset 0`;

async function time(runs: number, fn: () => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const started = performance.now();
    await fn();
    if (i > 0) times.push(performance.now() - started); // the first warms the caches
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

console.log(
  `drill-down benchmark — PostgreSQL server, ${fmt(n)} ratings, year ${year}; ${RUNS} runs now, ${BASELINE_RUNS} of the baseline, per figure (first page, 50 rows)`,
);
const pages: [string, string | null][] = [
  ['regions/450000', '450000000000'],
  ['regions/450100', '450000000000.450100000000'],
  ['regions/450102', '450000000000.450100000000.450102000000'],
  ['regions/450102001', '450000000000.450100000000.450102000000.450102001000'],
  [`agencies/${agency}`, null],
  [`staff/${staff}`, null],
];
// The baseline first, on the database as it was kept; then this version's migrations (the indexes), then the API.
const before = new Map<string, { p50: number }>();
for (const [page, path] of pages) if (path) before.set(page, await time(BASELINE_RUNS, () => baseline(path, `${year}-01-01`, `${year}-12-31`).execute(db)));
const applied = await migrate(db);
console.log(
  applied.length
    ? `(migrated after the baseline: ${applied.map((m) => m.name).join(', ')})`
    : '(the database was migrated already: the baseline ran with the new indexes)',
);
console.log('| page | now p50 | now p95 | before p50 | faster |');
console.log('|---|---|---|---|---|');
for (const [page] of pages) {
  const [dimension, key] = page.split('/') as [string, string];
  const subject = await findSubject(db, dimension as RankedDimension, dimension === 'regions' ? `${key}${'0'.repeat(12 - key.length)}` : key);
  const stored = DIMENSIONS[dimension as Dimension].stored;
  const range = { from: `${year}-01-01`, to: `${year}-12-31` };
  const total = (key: string, d: StoredDimension) => totalsOf(db, { dimension: d, range, segments: periodSegments(range), asOf: null, key }).then((t) => t.n);
  const api = await time(RUNS, async () => {
    const [count, periodTotal] = await Promise.all([total(subject!.key, stored), total('450000000000', 'region_tree')]);
    const rows = await ratingsBehind(db, {
      dimension: stored,
      key: subject!.key,
      path: subject!.path ?? undefined,
      range,
      limit: 50,
      offset: 0,
      count,
      periodTotal,
    });
    if (rows.length !== Math.min(50, count)) throw new Error(`${page}: ${rows.length} rows for a count of ${count}`);
  });
  const was = before.get(page);
  console.log(
    `| ${page} | ${api.p50.toFixed(1)} ms | ${api.p95.toFixed(1)} ms | ${was ? `${was.p50.toFixed(1)} ms` : '—'} | ${was ? `${(was.p50 / api.p50).toFixed(1)}×` : '—'} |`,
  );
}
await database.close();
