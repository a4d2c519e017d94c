// R4-R7: how many ratings per second the HTTP API takes, against the raw
// single-row INSERT rate of the same PostgreSQL through the same driver (pg)
// at the same concurrency, measured in the same run.
//
//   npm run bench:ingest
//   npm run bench:ingest -- --concurrency 8,32 --seconds 15
//
// The platform runs as `haochaping serve` in its own process (jobs on, as in
// production), on a fresh server database with the demo organisations and
// open occasions bulk-loaded. autocannon posts ratings with invitation
// tokens (the SMS-link and window-device path: token check, occasion lock,
// one-rating rule, rating + score ledger in one transaction). The baseline is
// the same number of pg connections, each inserting one row per statement
// (autocommit) into a table shaped like `rating`. Target (issue 5): HTTP
// ≥ 1.0× the raw rate, p99 < 50 ms.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { sql } from 'kysely';
import { verifyScores, foldAll } from '../src/app/scores.ts';
import { Protector } from '../src/storage/protect.ts';
import { arg, fmt, loadOccasions, scratchDatabase, percentile } from './support/bulk.ts';

const concurrencies = (arg('--concurrency') ?? '8,32').split(',').map(Number);
const SECONDS = Number(arg('--seconds') ?? 15);
const OCCASIONS = Number(arg('--occasions') ?? 200_000);
const PORT = 38000 + (process.pid % 1000);

/** The raw rate: `connections` clients, each inserting one row per statement, for `seconds`. */
async function rawInsertRate(url: string, connections: number, seconds: number) {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  await pool.query(`drop table if exists bench_raw_rating`);
  await pool.query(`create table bench_raw_rating (
    id bigint generated always as identity primary key, occasion_id integer not null unique, level text not null, score smallint not null,
    tags text[] not null default '{}', comment text, channel text not null, is_default boolean not null default false,
    given_at timestamptz not null, rater_id_hash text, token_id text, fingerprint text not null, created_at timestamptz not null default now())`);
  let next = 1;
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      await pool.query(
        'insert into bench_raw_rating (occasion_id, level, score, channel, given_at, rater_id_hash, token_id, fingerprint) values ($1, $2, $3, $4, $5, $6, $7, $8)',
        [next++, 'very_satisfied', 10, 'sms', new Date(), 'hash', 'token', 'fingerprint'],
      );
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.end();
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const key = randomBytes(32).toString('base64');
const scratch = await scratchDatabase('ingest');
const db = scratch.database.db;
const now = new Date();
console.log(`ingest benchmark — PostgreSQL server; ${SECONDS} s per run; loading ${fmt(OCCASIONS)} open occasions…`);
await loadOccasions(db, OCCASIONS, new Date(now.getTime() - 5 * 86_400_000), new Date(now.getTime() - 3_600_000), 'IN');
await sql`analyze`.execute(db);
// Invitation tokens, as issueInvitation makes them (bound to occasion, case, staff; expiring at the deadline).
const protector = new Protector(Buffer.from(key, 'base64'));
const occasions = (
  await sql<{ id: number; case_id: number; staff_id: number; deadline: Date }>`
  select id, case_id, staff_id, deadline from occasion where closed_at is null order by id`.execute(db)
).rows;
const tokens = occasions.map((o) =>
  protector.sign({ v: 1, o: o.id, c: o.case_id, p: null, s: o.staff_id, e: o.deadline.getTime(), n: randomUUID().slice(0, 8) }),
);
let nextToken = 0;

const child = spawn(process.execPath, [path.resolve('bin/haochaping.js'), 'serve'], {
  env: {
    ...process.env,
    DATABASE_URL: scratch.url,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    PROTECTION_KEY: key,
    LOG_LEVEL: 'warn',
    DATABASE_POOL_MAX: String(Math.max(...concurrencies)),
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${PORT}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 300) throw new Error('the server did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log('| concurrency | raw INSERT rate | raw p50 / p99 | HTTP ratings/s | HTTP p50 / p99 | HTTP ÷ raw | HTTP errors |');
  console.log('|---|---|---|---|---|---|---|');
  for (const connections of concurrencies) {
    const raw = await rawInsertRate(scratch.url, connections, SECONDS);
    const levels = ['very_satisfied', 'satisfied', 'very_satisfied', 'basically_satisfied', 'very_satisfied', 'dissatisfied'];
    const result = await autocannon({
      url: `http://127.0.0.1:${PORT}`,
      connections,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/ratings',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => {
            const token = tokens[nextToken++];
            if (!token) throw new Error('out of occasions: raise --occasions');
            return { ...request, body: JSON.stringify({ token, level: levels[nextToken % levels.length], channel: 'sms' }) };
          },
        },
      ],
    });
    const ok = result['2xx'];
    const rate = ok / (result.duration || SECONDS);
    console.log(
      `| ${connections} | ${fmt(Math.round(raw.rate))}/s | ${raw.p50.toFixed(1)} / ${raw.p99.toFixed(1)} ms | ${fmt(Math.round(rate))}/s | ${result.latency.p50} / ${result.latency.p99} ms | ${(rate / raw.rate).toFixed(2)}× | ${result.non2xx + result.errors} |`,
    );
  }
  const stored = (await sql<{ n: number }>`select count(*)::int as n from rating`.execute(db)).rows[0]!.n;
  await foldAll(db);
  const verified = await verifyScores(db);
  console.log(
    `\n${fmt(stored)} ratings stored for ${fmt(nextToken)} requests; scores verify: ${verified.ok ? 'ok' : `FAILED (${verified.differences.length} differences)`}`,
  );
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await scratch.drop();
}
