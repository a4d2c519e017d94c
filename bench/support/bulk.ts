// Shared by the benchmarks: a scratch PostgreSQL database with the demo
// organisations, and bulk loaders of cases, occasions and ratings written
// server-side (generate_series), so that millions of rows take minutes.
// The data is what the platform itself would store: real snapshots of staff
// placements, deadlines by the R6 rule, defaults timed at their deadlines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { createServices, type Services } from '../../src/app/context.ts';
import { seedDemo } from '../../src/app/demo.ts';
import { foldAll, rebuildScores } from '../../src/app/scores.ts';
import { seedRegions } from '../../src/app/seed.ts';
import { openDatabase, type Database } from '../../src/storage/db.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { recordUnrecordedRatings } from '../../src/storage/scores.ts';

export const BENCH_BASE_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface Scratch {
  database: Database;
  services: Services;
  url: string;
  drop(): Promise<void>;
}

/** A new database on the server, migrated, with regions and the demo organisations (20,000 staff). */
export async function scratchDatabase(label: string, poolMax = 8): Promise<Scratch> {
  const name = `hcp_bench_${label}_${process.pid}`;
  const admin = new pg.Client({ connectionString: BENCH_BASE_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  const url = new URL(BENCH_BASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'server', url: url.toString(), poolMax });
  await migrate(database.db);
  await seedRegions(database.db);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-bench-'));
  const services = createServices(database.db, { dataDir: tmp, database });
  await seedDemo(services);
  return {
    database,
    services,
    url: url.toString(),
    drop: async () => {
      await database.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** The value after `--name` on the command line. */
export const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
export const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * `count` immediate cases, each with its completion occasion, served by the
 * demo staff (spread by a hash) at instants spread over [from, to), with
 * snapshots of where the staff sit. Occasions stay open (no rating).
 * Returns the id range of the new occasions.
 */
export async function loadOccasions(
  db: Database['db'],
  count: number,
  from: Date,
  to: Date,
  tag: string,
  chunk = 500_000,
): Promise<{ first: number; last: number }> {
  await sql`
    create temp table if not exists bench_place as
    select row_number() over (order by s.id)::int as i, s.id as staff_id, a.agency_code, ag.business_line_code, ag.region_code, a.center_code, a.window_id
    from staff s join staff_assignment a on a.staff_id = s.id and a.valid_to is null join agency ag on ag.code = a.agency_code`.execute(db);
  const places = (await sql<{ n: number }>`select count(*)::int as n from bench_place`.execute(db)).rows[0]!.n;
  const matter = (await sql<{ code: string }>`select code from matter where kind = 'immediate' order by code limit 1`.execute(db)).rows[0]!.code;
  const span = Math.floor((to.getTime() - from.getTime()) / 1000);
  let first = 0;
  let last = 0;
  for (let start = 1; start <= count; start += chunk) {
    const end = Math.min(count, start + chunk - 1);
    // The staff member is a hash of g, skewed (u²) so that some serve far more than others, as at real windows.
    const result = await sql<{ first: number; last: number }>`
      with cases as (
        insert into service_case (case_number, matter_code, kind, agency_code, applicant_name_cipher, applicant_id_type, applicant_id_cipher, applicant_id_hash,
          accepted_at, accepted_by, completed_at, completed_by)
        select ${tag} || '-' || g, ${matter}, 'immediate', p.agency_code, 'bench', 'resident_id', 'bench', 'bench-' || (g % 100003),
          t.at, p.staff_id, t.at, p.staff_id
        from generate_series(${start}::int, ${end}::int) g
        cross join lateral (select ${from}::timestamptz + ((g::bigint * 7919) % ${span}::bigint) * interval '1 second' as at) t
        join bench_place p on p.i = 1 + floor(power((abs(hashint4(g)) % 1000000) / 1000000.0, 2) * ${places}::int)::int
        returning id, agency_code, accepted_at, accepted_by
      ), occasions as (
        insert into occasion (case_id, kind, occurred_at, deadline, staff_id, agency_code, business_line_code, region_code, center_code, window_id, policy_version_id)
        select c.id, 'completion', c.accepted_at,
          -- R6: 24:00 China time of day D+7 (the defaults: policy version 1, issue 13)
          ((((c.accepted_at at time zone 'UTC') + interval '8 hours')::date + 8) - interval '8 hours') at time zone 'UTC',
          c.accepted_by, p.agency_code, p.business_line_code, p.region_code, p.center_code, p.window_id, 1
        from cases c join bench_place p on p.staff_id = c.accepted_by
        returning id, deadline, policy_version_id
      ), queued as (
        -- R6: an open occasion waits in the queue the default sweep reads (migration 0013).
        insert into occasion_open (occasion_id, deadline, policy_version_id) select id, deadline, policy_version_id from occasions
      )
      select min(id)::int as first, max(id)::int as last from occasions`.execute(db);
    if (!first) first = result.rows[0]!.first;
    last = result.rows[0]!.last;
  }
  return { first, last };
}

/**
 * Rates the occasions with ids in [first, last]: 37% get their default
 * (timed at the deadline, channel system), the others a level from a
 * realistic spread given within 6 days. Occasions are closed. No score
 * events are written (call recordAndFold after).
 */
export async function rateOccasions(db: Database['db'], first: number, last: number, chunk = 500_000): Promise<void> {
  for (let start = first; start <= last; start += chunk) {
    const end = Math.min(last, start + chunk - 1);
    await sql`
      with given as (
        insert into rating (occasion_id, level, score, channel, is_default, given_at, rater_id_hash, fingerprint)
        select o.id, l.level, l.score, case when d.is_default then 'system' else (array['web','sms','app','miniprogram','hotline','device'])[1 + abs(hashint4(o.id + 7)) % 6] end,
          d.is_default, case when d.is_default then o.deadline else o.occurred_at + (abs(hashint4(o.id + 3)) % (6 * 86400)) * interval '1 second' end,
          case when d.is_default then null else 'bench' end, case when d.is_default then 'default' else 'bench' end
        from occasion o
        cross join lateral (select abs(hashint4(o.id)) % 1000 < 370 as is_default, abs(hashint4(o.id + 1)) % 1000 as x) d
        cross join lateral (select case when d.is_default or d.x < 800 then 'very_satisfied' when d.x < 920 then 'satisfied' when d.x < 970 then 'basically_satisfied' when d.x < 990 then 'dissatisfied' else 'very_dissatisfied' end as level) l0
        cross join lateral (select l0.level, case l0.level when 'very_satisfied' then 10 when 'satisfied' then 8 when 'basically_satisfied' then 6 when 'dissatisfied' then 3 else 0 end as score) l
        where o.id between ${start} and ${end}
        returning occasion_id, given_at
      ), dequeued as (
        delete from occasion_open q using given g where q.occasion_id = g.occasion_id
      )
      update occasion o set closed_at = g.given_at from given g where o.id = g.occasion_id`.execute(db);
  }
}

/**
 * Records the new ratings as given when they were given, then brings the
 * totals up to date: by the fold the score-fold job runs (timed, to report
 * its rate) or, for the largest loads, by `scores rebuild` (one aggregate
 * over all ratings; the same totals, as `scores verify` checks).
 */
export async function recordAndFold(
  db: Database['db'],
  options: { rebuild?: boolean; foldBatch?: number } = {},
): Promise<{ events: number; ms: number; how: string }> {
  const events = await recordUnrecordedRatings(db, null);
  await sql`analyze`.execute(db);
  const started = performance.now();
  if (options.rebuild) await rebuildScores(db);
  else await foldAll(db, options.foldBatch ?? 200_000);
  const ms = performance.now() - started;
  // What autovacuum does soon after: the visibility map lets rankings read the index only.
  await sql`vacuum analyze score_total`.execute(db);
  return { events, ms, how: options.rebuild ? 'rebuilt' : 'folded' };
}
