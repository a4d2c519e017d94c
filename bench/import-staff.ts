// How long staff .xlsx files take to import through the HTTP API, how much
// memory that needs, and how long a read of the database waits meanwhile —
// against merely reading the same file (the floor) and the same read idle.
//
//   npx tsx bench/import-staff.ts                 # embedded PGlite (in memory)
//   npx tsx bench/import-staff.ts --rows 2000,20000,100000
//   npx tsx bench/import-staff.ts --server        # PostgreSQL at BENCH_DATABASE_URL
//                                                 # (default postgres://postgres@127.0.0.1:5432/test; a scratch database is made and dropped)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { buildApp } from '../src/api/server.ts';
import { adminToken, TEST_APP_CONFIG } from '../test/support/auth.ts';
import { createServices } from '../src/app/context.ts';
import { seedDemo } from '../src/app/demo.ts';
import { seedRegions } from '../src/app/seed.ts';
import { readSheet } from '../src/app/spreadsheets.ts';
import { residentIdCheckChar } from '../src/domain/identifiers.ts';
import { openDatabase, openEmbedded, type Database } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';

const server = process.argv.includes('--server');
const sizesArg = process.argv.indexOf('--rows');
const sizes = sizesArg > 0 ? process.argv[sizesArg + 1]!.split(',').map(Number) : [2_000, 20_000];
const baseUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-bench-'));
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function open(): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (!server) return { database: await openEmbedded('memory://', false), drop: async () => {} };
  const name = `hcp_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'server', url: url.toString(), poolMax: 4 });
  return {
    database,
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** A staff sheet of `rows` new people at existing windows, written streaming. */
async function makeFile(rows: number, places: { agency: string; center: string; window: string }[], offset: number): Promise<string> {
  const file = path.join(tmp, `staff-${rows}.xlsx`);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true });
  const sheet = workbook.addWorksheet('窗口工作人员');
  sheet.addRow(['工号', '姓名', '所属机构统一社会信用代码', '所在中心代码', '窗口号', '身份证号', '手机号']).commit();
  for (let i = 0; i < rows; i++) {
    const p = places[i % places.length]!;
    const first17 = `450103${1970 + (i % 30)}0101${String(i % 1000).padStart(3, '0')}`;
    sheet
      .addRow([
        `BX${String(offset + i).padStart(7, '0')}`,
        `测试员${i}号`,
        p.agency,
        p.center,
        p.window,
        first17 + residentIdCheckChar(first17),
        `139${String(i).padStart(8, '0')}`,
      ])
      .commit();
  }
  sheet.commit();
  await workbook.commit();
  return file;
}

/** Runs fn while sampling RSS every 20 ms; returns its time, and the peak RSS and how far it rose above the start. */
async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; peakRss: number; rise: number }> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const start = performance.now();
  const value = await fn();
  const ms = performance.now() - start;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { value, ms, peakRss: peak, rise: peak - before };
}

const { database, drop } = await open();
try {
  console.log(`database: ${database.kind}; machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${mb(os.totalmem())} MB; node ${process.version}`);
  await migrate(database.db);
  await seedRegions(database.db);
  const services = createServices(database.db, { dataDir: tmp, database });
  const demo = await seedDemo(services);
  console.log(`demo organisations loaded: ${demo.agencies} agencies, ${demo.windows} windows, ${demo.staff} staff`);
  const places = (await database.db.selectFrom('service_window').select(['agency_code', 'center_code', 'number']).orderBy('id').limit(5000).execute()).map(
    (w) => ({ agency: w.agency_code, center: w.center_code, window: w.number }),
  );

  const app = await buildApp({ database, config: { ...TEST_APP_CONFIG, logLevel: 'warn' }, services });
  const token = await adminToken(services);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const upload = async (file: string, commit: boolean) => {
    const res = await fetch(`${address}/api/v1/imports/staff?commit=${commit}`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', authorization: `Bearer ${token}` },
      body: Readable.toWeb(fs.createReadStream(file)) as unknown as RequestInit['body'],
      duplex: 'half',
    } as RequestInit);
    return (await res.json()) as { rows: number; inserted: number; updated: number; unchanged: number; errorCount: number; committed: boolean };
  };

  if (!global.gc) console.log('(run with node --expose-gc for steadier memory figures: npm run bench:import)');
  global.gc?.();
  console.log(`RSS after start-up and demo data: ${mb(process.memoryUsage().rss)} MB\n`);
  /**
   * Polls a read that needs the database (one agency) every 20 ms while fn runs:
   * how long did other users wait behind the import? Baseline: the same read idle.
   */
  const readWaits = async <T>(fn: () => Promise<T>): Promise<{ value: T; waits: number[] }> => {
    const waits: number[] = [];
    let done = false;
    const poller = (async () => {
      while (!done) {
        const start = performance.now();
        const res = await fetch(`${address}/api/v1/agencies?pageSize=1`, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        waits.push(performance.now() - start);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      return { value: await fn(), waits };
    } finally {
      done = true;
      await poller;
    }
  };
  const idle = (await readWaits(() => new Promise((r) => setTimeout(r, 1000)))).waits;
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;
  console.log(`a read of one agency, idle: p50 ${pct(idle, 50).toFixed(0)} ms, max ${Math.max(...idle).toFixed(0)} ms (${idle.length} reads)\n`);

  console.log('rows    file MB  read-only s  dry-run s  commit s  re-import s  RSS rise during commit  peak RSS  read during commit: p50 / max ms  result');
  let offset = 0;
  for (const rows of sizes) {
    const file = await makeFile(rows, places, offset);
    offset += rows;
    const readOnly = await measure(async () => {
      let n = 0;
      const { rows: it } = await readSheet(file);
      for await (const _ of it) n++;
      return n;
    });
    const dry = await measure(() => upload(file, false));
    const commit = await measure(() => readWaits(() => upload(file, true)));
    const again = await measure(() => upload(file, true));
    console.log(
      [
        String(rows).padEnd(7),
        mb(fs.statSync(file).size).padStart(7),
        (readOnly.ms / 1000).toFixed(2).padStart(12),
        (dry.ms / 1000).toFixed(2).padStart(10),
        (commit.ms / 1000).toFixed(2).padStart(9),
        (again.ms / 1000).toFixed(2).padStart(12),
        `${mb(commit.rise)} MB`.padStart(23),
        `${mb(commit.peakRss)} MB`.padStart(9),
        `${pct(commit.value.waits, 50).toFixed(0)} / ${Math.max(...commit.value.waits).toFixed(0)}`.padStart(34),
        `  inserted ${commit.value.value.inserted}, re-import unchanged ${again.value.unchanged}, errors ${commit.value.value.errorCount + again.value.errorCount}`,
      ].join(' '),
    );
  }
  await app.close();
} finally {
  await database.close();
  await drop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
