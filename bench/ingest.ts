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
// tokens (the SMS-link and window-device path: token check, then group
// commit: the batch's occasions locked, the one-rating rule, ratings + score
// ledger + closed occasions + the log of submissions in one transaction). The baseline is
// the same number of pg connections, each inserting one row per statement
// (autocommit) into a table shaped like `rating`. Target (issue 15): HTTP
// ≥ 1.0× the raw rate, p99 < 50 ms, at 8 and 32 clients. Then the same on the
// embedded database (PGlite on disk, `serve` without DATABASE_URL), beside
// the same single-row INSERTs on PGlite; and each serving process's peak RSS.
//
//   npm run bench:ingest -- --engines server      # one engine only
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { CompiledQuery, sql } from 'kysely';
import { createServices } from '../src/app/context.ts';
import { seedDemo } from '../src/app/demo.ts';
import { verifyScores, foldAll } from '../src/app/scores.ts';
import { seedRegions } from '../src/app/seed.ts';
import { openEmbedded, type Database } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { Protector } from '../src/storage/protect.ts';
import { arg, fmt, loadOccasions, scratchDatabase, percentile } from './support/bulk.ts';

const concurrencies = (arg('--concurrency') ?? '8,32').split(',').map(Number);
const SECONDS = Number(arg('--seconds') ?? 15);
const OCCASIONS = Number(arg('--occasions') ?? 200_000);
const WARM_UP = Number(arg('--warm-up') ?? 2000);
const PORT = 38000 + (process.pid % 1000);

const RAW_TABLE = `create table bench_raw_rating (
    id bigint generated always as identity primary key, occasion_id integer not null unique, level text not null, score smallint not null,
    tags text[] not null default '{}', comment text, channel text not null, is_default boolean not null default false,
    given_at timestamptz not null, rater_id_hash text, token_id text, fingerprint text not null, created_at timestamptz not null default now())`;
const RAW_INSERT =
  'insert into bench_raw_rating (occasion_id, level, score, channel, given_at, rater_id_hash, token_id, fingerprint) values ($1, $2, $3, $4, $5, $6, $7, $8)';

/** The raw rate: `connections` callers at once, each inserting one row per statement (autocommit), for `seconds`. */
async function rawRate(query: (text: string, params?: unknown[]) => Promise<unknown>, connections: number, seconds: number) {
  await query('drop table if exists bench_raw_rating');
  await query(RAW_TABLE);
  let next = 1;
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      await query(RAW_INSERT, [next++, 'very_satisfied', 10, 'sms', new Date(), 'hash', 'token', 'fingerprint']);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await query('drop table bench_raw_rating');
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** On the server: that many `pg` connections. */
async function rawInsertRate(url: string, connections: number, seconds: number) {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  try {
    return await rawRate((text, params) => pool.query(text, params), connections, seconds);
  } finally {
    await pool.end();
  }
}

const key = randomBytes(32).toString('base64');
const protector = new Protector(Buffer.from(key, 'base64'));
const now = new Date();
const ENGINES = (arg('--engines') ?? 'server,embedded').split(',') as ('server' | 'embedded')[];
const levels = ['very_satisfied', 'satisfied', 'very_satisfied', 'basically_satisfied', 'very_satisfied', 'dissatisfied'];

/** Open occasions of the demo organisations, and an invitation token for each, as issueInvitation makes them. */
async function occasionsWithTokens(db: Database['db'], tag: string) {
  await loadOccasions(db, OCCASIONS, new Date(now.getTime() - 5 * 86_400_000), new Date(now.getTime() - 3_600_000), tag);
  await sql`analyze`.execute(db);
  const rows = (
    await sql<{ id: number; case_id: number; staff_id: number; deadline: Date }>`
      select id, case_id, staff_id, deadline from occasion where closed_at is null order by id`.execute(db)
  ).rows;
  return rows.map((o) => protector.sign({ v: 1, o: o.id, c: o.case_id, p: null, s: o.staff_id, e: o.deadline.getTime(), n: randomUUID().slice(0, 8) }));
}

/** The peak resident memory of a process (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return Math.round(Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024);
}

/** `haochaping serve` in its own process, as in production (jobs on); resolves once it is ready. */
async function startServe(env: Record<string, string>) {
  const child = spawn(process.execPath, [path.resolve('bin/haochaping.js'), 'serve'], {
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', PROTECTION_KEY: key, LOG_LEVEL: 'warn', HCP_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${PORT}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 900) throw new Error('the server did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const ADMIN_PASSWORD = 'Bench-Ingest-2026';
const notes: string[] = [];

/**
 * A live database has ratings and the planner's statistics of them. A fresh
 * one has the statistics of empty tables until something analyses them, and
 * meanwhile each foreign-key check of a new score event reads the whole rating
 * table. So, before measuring: WARM_UP ratings, then the score-fold job run by
 * hand through the API (it folds and, the table having grown, analyses it).
 */
async function warmUp(tokens: string[], from: { next: number }) {
  const run = await autocannon({
    url: `http://127.0.0.1:${PORT}`,
    connections: 8,
    amount: WARM_UP,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/ratings',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ token: tokens[from.next++], level: 'very_satisfied', channel: 'sms' }) }),
      },
    ],
  });
  if (run['2xx'] !== WARM_UP) throw new Error(`warm-up: ${run['2xx']} of ${WARM_UP} ratings stored`);
  const session = (await (
    await fetch(`http://127.0.0.1:${PORT}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    })
  ).json()) as { token: string };
  const job = await fetch(`http://127.0.0.1:${PORT}/api/v1/jobs/score-fold/runs`, { method: 'POST', headers: { authorization: `Bearer ${session.token}` } });
  const summary = ((await job.json()) as { summary?: string }).summary ?? `HTTP ${job.status}`;
  notes.push(`warm-up: ${WARM_UP} ratings, then score-fold by hand: ${summary}`);
}

/** Ratings posted over HTTP by `connections` clients for SECONDS, each with the next token. */
async function httpRun(tokens: string[], from: { next: number }, connections: number) {
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
          const token = tokens[from.next++];
          if (!token) throw new Error('out of occasions: raise --occasions');
          return { ...request, body: JSON.stringify({ token, level: levels[from.next % levels.length], channel: 'sms' }) };
        },
      },
    ],
  });
  return { rate: result['2xx'] / (result.duration || SECONDS), p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

/** On embedded PGlite: the same statements by that many callers, through its one lock. */
const rawEmbeddedRate = (db: Database['db'], connections: number, seconds: number) =>
  rawRate((text, params) => db.executeQuery(CompiledQuery.raw(text, params)), connections, seconds);

const rows: string[] = [];
const row = (engine: string, connections: number, raw: { rate: number; p50: number; p99: number }, http: Awaited<ReturnType<typeof httpRun>>, rss: number) =>
  rows.push(
    `| ${engine} | ${connections} | ${fmt(Math.round(raw.rate))}/s | ${raw.p50.toFixed(1)} / ${raw.p99.toFixed(1)} ms | ${fmt(Math.round(http.rate))}/s | ${http.p50} / ${http.p99} ms | ${(http.rate / raw.rate).toFixed(2)}× | ${http.errors} | ${rss} MB |`,
  );
console.log(`ingest benchmark — ${SECONDS} s per run, ${fmt(OCCASIONS)} open occasions per engine; engines: ${ENGINES.join(', ')}`);

if (ENGINES.includes('server')) {
  const scratch = await scratchDatabase('ingest');
  const db = scratch.database.db;
  const tokens = await occasionsWithTokens(db, 'IN');
  const from = { next: 0 };
  const served = await startServe({ DATABASE_URL: scratch.url, DATABASE_POOL_MAX: String(Math.max(...concurrencies)) });
  try {
    await warmUp(tokens, from);
    for (const connections of concurrencies) {
      const raw = await rawInsertRate(scratch.url, connections, SECONDS);
      const http = await httpRun(tokens, from, connections);
      row('server', connections, raw, http, peakRssMb(served.child.pid!));
    }
    await served.stop();
    const stored = (await sql<{ n: number }>`select count(*)::int as n from rating`.execute(db)).rows[0]!.n;
    await foldAll(db);
    const verified = await verifyScores(db);
    notes.push(
      `server: ${fmt(stored)} ratings stored for ${fmt(from.next)} requests (warm-up included); scores verify: ${verified.ok ? 'ok' : `FAILED (${verified.differences.length} differences)`}`,
    );
  } finally {
    await served.stop().catch(() => undefined);
    await scratch.drop();
  }
}

if (ENGINES.includes('embedded')) {
  // The embedded database on disk, as `npm start` keeps it; loaded here, then opened by `serve` alone (one process at a time).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-ingest-'));
  const pgliteDir = path.join(dataDir, 'pglite');
  let database = await openEmbedded(pgliteDir);
  await migrate(database.db);
  await seedRegions(database.db);
  await seedDemo(createServices(database.db, { dataDir, database, protectionKey: key }));
  const tokens = await occasionsWithTokens(database.db, 'IE');
  const raws = new Map<number, Awaited<ReturnType<typeof rawEmbeddedRate>>>();
  for (const connections of concurrencies) raws.set(connections, await rawEmbeddedRate(database.db, connections, SECONDS));
  await database.close();
  const from = { next: 0 };
  const served = await startServe({ DATA_DIR: dataDir });
  try {
    await warmUp(tokens, from);
    for (const connections of concurrencies) {
      const http = await httpRun(tokens, from, connections);
      row('embedded', connections, raws.get(connections)!, http, peakRssMb(served.child.pid!));
    }
  } finally {
    await served.stop();
  }
  database = await openEmbedded(pgliteDir);
  const stored = (await sql<{ n: number }>`select count(*)::int as n from rating`.execute(database.db)).rows[0]!.n;
  await foldAll(database.db);
  const verified = await verifyScores(database.db);
  notes.push(
    `embedded: ${fmt(stored)} ratings stored for ${fmt(from.next)} requests (warm-up included); scores verify: ${verified.ok ? 'ok' : `FAILED (${verified.differences.length} differences)`}`,
  );
  await database.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

console.log(
  '\n| database | concurrency | raw INSERT rate (baseline) | raw p50 / p99 | HTTP ratings/s | HTTP p50 / p99 | HTTP ÷ raw | HTTP errors | serve peak RSS |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const line of rows) console.log(line);
console.log(`\n${notes.join('\n')}`);
console.log('(raw: the server through pg, one row per statement, autocommit; embedded: the same statements on PGlite in one process, through its one lock)');
