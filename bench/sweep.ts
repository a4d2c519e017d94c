// R6: how long the default-ratings job takes to give N overdue occasions
// their default ratings, for N = 100,000 (the baseline), 300,000 and
// 1,000,000, on the PostgreSQL server. Target (issue 5): 1,000,000 in < 20 s.
//
//   npm run bench:sweep
//   npm run bench:sweep -- --sizes 100000,1000000
//   npm run bench:sweep -- --batch 100000          # the sweep with another batch size than the job's
//
// Each size gets a fresh database with the demo organisations; the
// occasions are bulk-loaded open, all past their deadline, then the job runs
// exactly as scheduled (runJobsNow → giveDefaultRatings: batches of 20,000,
// each one statement that locks, rates, closes and records the score events).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { LocalSmsSender } from '../src/app/senders.ts';
import { Protector } from '../src/storage/protect.ts';
import { runJobsNow } from '../src/jobs/scheduler.ts';
import { giveDefaultRatings } from '../src/storage/cases.ts';
import { arg, fmt, loadOccasions, scratchDatabase, seconds } from './support/bulk.ts';

const sizes = (arg('--sizes') ?? '100000,300000,1000000').split(',').map(Number);
const quiet = { info() {}, warn() {}, error() {} };
const batch = arg('--batch') ? Number(arg('--batch')) : null;

const now = new Date();
const from = new Date(now.getTime() - 40 * 86_400_000);
const to = new Date(now.getTime() - 10 * 86_400_000); // every deadline has passed

console.log(`default-ratings sweep benchmark — PostgreSQL server, a fresh database per size, batches of ${batch ?? "the job's 20,000"}`);
console.log('| overdue occasions | load | sweep | per second | per occasion | vs 100k per occasion | ratings given | left open |');
console.log('|---|---|---|---|---|---|---|---|');
let baseline: number | null = null;
for (const size of sizes) {
  const scratch = await scratchDatabase('sweep');
  const db = scratch.database.db;
  try {
    const t0 = performance.now();
    await loadOccasions(db, size, from, to, 'SW');
    await sql`analyze`.execute(db);
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
    const open = (await sql<{ n: number }>`select count(*)::int as n from occasion where closed_at is null`.execute(db)).rows[0]!.n;
    const ms = t2 - t1;
    const perOccasion = (ms * 1000) / size; // µs
    baseline ??= perOccasion;
    console.log(
      `| ${fmt(size)} | ${seconds(t1 - t0)} s | ${seconds(ms)} s | ${fmt(Math.round(size / (ms / 1000)))} | ${perOccasion.toFixed(1)} µs | ${(perOccasion / baseline).toFixed(2)}× | ${fmt(given)} | ${fmt(open)} |`,
    );
    if (!summary?.startsWith(String(size))) console.log(`  (the sweep said: ${summary})`);
  } finally {
    await scratch.drop();
  }
}
