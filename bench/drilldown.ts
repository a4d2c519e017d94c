// How fast one page of the ratings behind a score comes back (the drill-down,
// GET /api/v1/scores/{dimension}/{key}/ratings), on the PostgreSQL server,
// against the drill-down SQL as it stood before issue 10 (kept below,
// verbatim, as the baseline), both measured in the same run on the same data.
//
//   npm run bench:rankings -- --sizes 1000000 --keep     # load 1 M ratings once, keep the database
//   npm run bench:drilldown -- --url postgres://…/hcp_bench_rankings_NNNN [--runs 20]
//
// Target (issue 10): under 200 ms per page for regions/450000 at 1 M ratings.
import { sql } from 'kysely';
import { buildApp } from '../src/api/server.ts';
import { createServices } from '../src/app/context.ts';
import { openDatabase } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { escapeLike } from '../src/storage/regions.ts';
import { signedIn, TEST_APP_CONFIG } from '../test/support/auth.ts';
import { arg, fmt, percentile } from './support/bulk.ts';

const url = arg('--url');
if (!url) throw new Error('give --url of a database kept by npm run bench:rankings -- --keep');
const RUNS = Number(arg('--runs') ?? 20);
const BASELINE_RUNS = Number(arg('--baseline-runs') ?? 3);

const database = await openDatabase({ kind: 'server', url, poolMax: 4 });
const db = database.db;
const services = createServices(db, { dataDir: '/tmp', database: { kind: 'server' }, protectionKey: Buffer.alloc(32).toString('base64') });
const app = await buildApp({ database, config: { ...TEST_APP_CONFIG, logLevel: 'silent' }, services });
await app.ready();
const token = await signedIn(services, 'admin', undefined, `bench-drilldown-${process.pid}`);
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

console.log(`drill-down benchmark — PostgreSQL server, ${fmt(n)} ratings, year ${year}; ${RUNS} API runs, ${BASELINE_RUNS} baseline runs per figure`);
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
console.log('| page | API p50 | API p95 | baseline (before) p50 | faster |');
console.log('|---|---|---|---|---|');
for (const [page] of pages) {
  const api = await time(RUNS, async () => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/scores/${page}/ratings?period=${year}`, headers: { authorization: `Bearer ${token}` } });
    if (res.statusCode !== 200) throw new Error(`${page}: ${res.statusCode} ${res.body}`);
  });
  const was = before.get(page);
  console.log(
    `| ${page} | ${api.p50.toFixed(1)} ms | ${api.p95.toFixed(1)} ms | ${was ? `${was.p50.toFixed(1)} ms` : '—'} | ${was ? `${(was.p50 / api.p50).toFixed(1)}×` : '—'} |`,
  );
}
await app.close();
await database.close();
