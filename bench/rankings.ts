// How fast rankings come back at 1 and 10 million ratings: each dimension's
// yearly and monthly ranking through the API (app.inject of
// GET /api/v1/rankings/...), against the naive GROUP BY over the ratings
// table measured in the same run, on the PostgreSQL server. Per figure: the
// first request (cold: the ranking cache has nothing yet, src/app/rankingCache.ts),
// then p50/p95 of repeated requests (the cache answers while no event
// arrives), the use case with the cache bypassed (p50), and the naive query.
// At the end: the process's peak RSS and what the cache holds.
//
//   npm run bench:rankings                         # 1,000,000 then 10,000,000 ratings
//   npm run bench:rankings -- --sizes 100000,1000000
//   npm run bench:rankings -- --keep               # keep the database, print its URL
//   npm run bench:rankings -- --url postgres://…   # time the queries again on a kept database
//
// The ratings are bulk-loaded over the year before now across the demo
// organisations (20,000 staff), recorded in the score ledger and folded by
// the same fold as the score-fold job. Target (issues 5 and 15): ≥ 100× the
// naive query, p95 < 20 ms for every dimension, and about the same figures
// at both sizes.
import { sql } from 'kysely';
import { buildApp } from '../src/api/server.ts';
import { signedIn, TEST_APP_CONFIG } from '../test/support/auth.ts';
import { createServices, systemCaller } from '../src/app/context.ts';
import { rankingCacheSize } from '../src/app/rankingCache.ts';
import { getRanking } from '../src/app/scores.ts';
import type { Dimension } from '../src/domain/scores.ts';
import { openDatabase } from '../src/storage/db.ts';
import { arg, fmt, loadOccasions, rateOccasions, recordAndFold, scratchDatabase, seconds, type Scratch, percentile } from './support/bulk.ts';

async function keptDatabase(url: string): Promise<Scratch> {
  const database = await openDatabase({ kind: 'server', url, poolMax: 8 });
  const services = createServices(database.db, { dataDir: '/tmp', protectionKey: Buffer.alloc(32).toString('base64'), database });
  const n = (await sql<{ n: number }>`select count(*)::int as n from rating`.execute(database.db)).rows[0]!.n;
  sizes = [n];
  return { database, services, url, drop: () => database.close() };
}

let sizes = (arg('--sizes') ?? '1000000,10000000').split(',').map(Number);
const RUNS = Number(arg('--runs') ?? 40);
const NAIVE_RUNS = Number(arg('--naive-runs') ?? 3);
const UNCACHED_RUNS = Number(arg('--uncached-runs') ?? 10);

const now = new Date();
const to = new Date(now.getTime() - 8 * 86_400_000); // every default is due
const from = new Date(to.getTime() - 365 * 86_400_000);
const year = String(new Date(to.getTime() + 8 * 3_600_000).getUTCFullYear());
const lastMonth = new Date(to.getTime() + 8 * 3_600_000 - 31 * 86_400_000).toISOString().slice(0, 7);
const PERIODS: { label: string; period: string; range: [string, string] }[] = [
  { label: 'year', period: year, range: [`${year}-01-01`, `${year}-12-31`] },
  {
    label: 'month',
    period: lastMonth,
    range: [`${lastMonth}-01`, new Date(Date.UTC(Number(lastMonth.slice(0, 4)), Number(lastMonth.slice(5, 7)), 0)).toISOString().slice(0, 10)],
  },
];

// The naive way: group the ratings themselves (current state: not voided or revoked), order by mean, first page.
const NAIVE: Record<string, string> = {
  staff: 'o.staff_id::text',
  agencies: 'o.agency_code',
  'business-lines': 'o.business_line_code',
  regions: 'left(o.region_code, 4)', // the cities (level 2), each with its subtree
  centers: 'o.center_code',
};

const kept = arg('--url');
const scratch = kept ? await keptDatabase(kept) : await scratchDatabase('rankings');
const db = scratch.database.db;
const app = await buildApp({ database: scratch.database, config: { ...TEST_APP_CONFIG, logLevel: 'silent' }, services: scratch.services });
await app.ready();
// A user of its own per run, so that a kept database can be timed again (--url).
const token = await signedIn(scratch.services, 'admin', undefined, `bench-admin-${process.pid}`);
const BENCH = systemCaller('bench');
console.log(
  `rankings benchmark — PostgreSQL server, ${RUNS} API runs and ${NAIVE_RUNS} naive runs per figure; ratings from ${from.toISOString().slice(0, 10)} to ${to.toISOString().slice(0, 10)}`,
);

let loaded = 0;
try {
  for (const size of sizes) {
    if (kept) console.log(`\n${fmt(size)} ratings already loaded`);
    else {
      const t0 = performance.now();
      const { first, last } = await loadOccasions(db, size - loaded, from, to, `R${size}`);
      const t1 = performance.now();
      await rateOccasions(db, first, last);
      const t2 = performance.now();
      const { events, ms, how } = await recordAndFold(db, { rebuild: size > 1_000_000 });
      loaded = size;
      const totalRows = (await sql<{ n: number }>`select count(*)::int as n from score_total`.execute(db)).rows[0]!.n;
      console.log(
        `\n${fmt(size)} ratings: cases+occasions ${seconds(t1 - t0)} s, ratings ${seconds(t2 - t1)} s, ${fmt(events)} events; totals ${how} in ${seconds(ms)} s${how === 'folded' ? ` (${fmt(Math.round(events / (ms / 1000)))} events/s)` : ''}; score_total has ${fmt(totalRows)} rows`,
      );
    }
    console.log('| ratings | dimension | period | entries | first (cold) | API p50 | API p95 | uncached p50 | naive median | naive / API p50 |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const dimension of Object.keys(NAIVE)) {
      for (const p of PERIODS) {
        const url = `/api/v1/rankings/${dimension}?period=${p.period}&pageSize=50`;
        let entries = 0;
        let cold = 0;
        const times: number[] = [];
        for (let i = 0; i < RUNS + 6; i++) {
          const started = performance.now();
          const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
          const ms = performance.now() - started;
          if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
          entries = res.json().total;
          if (i === 0) cold = ms;
          else if (i > 5) times.push(ms); // the first request, then 5 warm-up runs
        }
        times.sort((a, b) => a - b);
        // The same use case with the cache bypassed: what every request cost before issue 15.
        const uncached: number[] = [];
        for (let i = 0; i < UNCACHED_RUNS; i++) {
          const started = performance.now();
          await getRanking(scratch.services, BENCH, { dimension: dimension as Dimension, period: p.period }, { page: 1, pageSize: 50 }, { cache: false });
          uncached.push(performance.now() - started);
        }
        uncached.sort((a, b) => a - b);
        const naive: number[] = [];
        for (let i = 0; i < NAIVE_RUNS; i++) {
          const started = performance.now();
          await sql`
            select ${sql.raw(NAIVE[dimension]!)} as key, count(*) as n, sum(r.score) as score_sum
            from rating r join occasion o on o.id = r.occasion_id
            where r.score_day between ${p.range[0]}::date and ${p.range[1]}::date and r.voided_at is null and r.revoked_at is null
            group by 1 order by sum(r.score)::numeric / count(*) desc limit 50`.execute(db);
          naive.push(performance.now() - started);
        }
        naive.sort((a, b) => a - b);
        const p50 = percentile(times, 50);
        const line = `| ${fmt(size)} | ${dimension} | ${p.label} ${p.period} | ${fmt(entries)} | ${cold.toFixed(1)} ms | ${p50.toFixed(1)} ms | ${percentile(times, 95).toFixed(1)} ms | ${percentile(uncached, 50).toFixed(1)} ms | ${percentile(naive, 50).toFixed(0)} ms | ${fmt(Math.round(percentile(naive, 50) / p50))}× |`;
        console.log(line);
      }
    }
  }
  const cache = rankingCacheSize(db);
  console.log(
    `\npeak RSS of this process: ${fmt(Math.round(process.resourceUsage().maxRSS / 1024))} MB; ranking cache: ${cache.entries} rankings, about ${(cache.bytes / 1024 / 1024).toFixed(1)} MB, ${fmt(cache.hits)} hits, ${fmt(cache.misses)} misses`,
  );
} finally {
  await app.close();
  if (process.argv.includes('--keep')) {
    console.log(`kept the database: ${scratch.url}`);
    await scratch.database.close();
    process.exit(0);
  } else await scratch.drop();
}
