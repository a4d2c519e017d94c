// R6: how long the default-ratings job takes to give N overdue occasions
// their default ratings, for N = 100,000 (the baseline), 300,000, 1,000,000
// and 3,000,000, on the PostgreSQL server. Target (issue 15): 1,000,000 in
// < 20 s, and the cost per occasion flat (within 1.5× of 100,000's) up to 3,000,000.
//
//   npm run bench:sweep
//   npm run bench:sweep -- --sizes 100000,1000000
//   npm run bench:sweep -- --batch 100000          # the sweep with another batch size than the job's
//   npm run bench:sweep -- --sizes 300000 --verify # then fold and `scores verify` (untimed)
//
// Each size gets a fresh database with the demo organisations; the
// occasions are bulk-loaded open (and queued in occasion_open), all past
// their deadline, then the job runs exactly as scheduled (runJobsNow →
// giveDefaultRatings: batches of 20,000 from the queue, each one statement
// that locks, dequeues, rates, closes and records the score events).
// Printed with each size: how many of the occasion updates were heap-only
// (HOT: no index touched), and the peak RSS of this process so far.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { LocalSmsSender } from '../src/app/senders.ts';
import { Protector } from '../src/storage/protect.ts';
import { runJobsNow } from '../src/jobs/scheduler.ts';
import { giveDefaultRatings } from '../src/storage/cases.ts';
import { foldAll, verifyScores } from '../src/app/scores.ts';
import { arg, fmt, loadOccasions, scratchDatabase, seconds } from './support/bulk.ts';

const sizes = (arg('--sizes') ?? '100000,300000,1000000,3000000').split(',').map(Number);
const quiet = { info() {}, warn() {}, error() {} };
const batch = arg('--batch') ? Number(arg('--batch')) : null;
const verify = process.argv.includes('--verify');

const now = new Date();
const from = new Date(now.getTime() - 40 * 86_400_000);
const to = new Date(now.getTime() - 10 * 86_400_000); // every deadline has passed

console.log(`default-ratings sweep benchmark — PostgreSQL server, a fresh database per size, batches of ${batch ?? "the job's 20,000"}`);
console.log('| overdue occasions | load | sweep | per second | per occasion | vs 100k per occasion | HOT closes | peak RSS | ratings given | left open |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
let baseline: number | null = null;
for (const size of sizes) {
  const scratch = await scratchDatabase('sweep');
  const db = scratch.database.db;
  try {
    const t0 = performance.now();
    await loadOccasions(db, size, from, to, 'SW');
    await sql`analyze`.execute(db);
    // Timed from a checkpoint, so that no size pays for writing out its own load.
    await sql`checkpoint`.execute(db);
    const updatesBefore = await occasionUpdates(db);
    const t1 = performance.now();
    const summary = batch
      ? `${await giveDefaultRatings(db, now, batch)} default rating(s)`
      : (
          await runJobsNow(
            { db, protector: new Protector(randomBytes(32)), outbox: { publicUrl: 'http://127.0.0.1', sms: new LocalSmsSender('/dev/null') } },
            now,
            quiet,
            ['default-ratings'],
          )
        )[0]?.summary;
    const t2 = performance.now();
    const given = (await sql<{ n: number }>`select count(*)::int as n from rating where is_default`.execute(db)).rows[0]!.n;
    const open = (
      await sql<{ n: number }>`select (select count(*) from occasion where closed_at is null) + (select count(*) from occasion_open) as n`.execute(db)
    ).rows[0]!.n;
    // The server publishes a backend's table counters within a second of its last transaction.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const updates = await occasionUpdates(db);
    const hot = updates.n > updatesBefore.n ? (100 * (updates.hot - updatesBefore.hot)) / (updates.n - updatesBefore.n) : 0;
    const ms = t2 - t1;
    const perOccasion = (ms * 1000) / size; // µs
    baseline ??= perOccasion;
    const rss = process.resourceUsage().maxRSS / 1024; // kB → MB
    console.log(
      `| ${fmt(size)} | ${seconds(t1 - t0)} s | ${seconds(ms)} s | ${fmt(Math.round(size / (ms / 1000)))} | ${perOccasion.toFixed(1)} µs | ${(perOccasion / baseline).toFixed(2)}× | ${hot.toFixed(0)}% | ${rss.toFixed(0)} MB | ${fmt(given)} | ${fmt(Number(open))} |`,
    );
    if (!summary?.startsWith(String(size))) console.log(`  (the sweep said: ${summary})`);
    if (verify) {
      await foldAll(db);
      const result = await verifyScores(db);
      console.log(`  scores verify: ${result.ok ? 'ok' : 'FAILED'} (${fmt(result.compared)} figures compared, ${result.pending} event(s) pending)`);
    }
  } finally {
    await scratch.drop();
  }
}

/** The occasion table's row updates so far, and how many of them were heap-only. */
async function occasionUpdates(db: Parameters<typeof giveDefaultRatings>[0]) {
  const { rows } = await sql<{ n: number; hot: number }>`
    select n_tup_upd::int as n, n_tup_hot_upd::int as hot from pg_stat_user_tables where relname = 'occasion'`.execute(db);
  return rows[0] ?? { n: 0, hot: 0 };
}
