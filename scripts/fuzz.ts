// npm run fuzz -- --requests N [--server]: the fuzz test's generator at any
// length, against a fresh database — embedded PGlite by default, or a scratch
// database on the PostgreSQL server at TEST_DATABASE_URL with --server. Prints
// the counts the issue asks for; exits 1 on any 5xx, answer outside the error
// shape, oversized error, dropped connection or accepted change.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import pg from 'pg';
import { buildApp } from '../src/api/server.ts';
import { createServices } from '../src/app/context.ts';
import { seedRegions } from '../src/app/seed.ts';
import { openDatabase } from '../src/storage/db.ts';
import { migrate } from '../src/storage/migrate.ts';
import { adminToken, TEST_APP_CONFIG } from '../test/support/auth.ts';
import { fuzz, outcomeTotal } from '../test/support/fuzz.ts';
import { buildWorld } from '../test/support/world.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const requests = Number(arg('--requests') ?? 5000);
const server = process.argv.includes('--server');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-fuzz-'));
let url: string | undefined;
let admin: pg.Client | undefined;
if (server) {
  const base = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const name = `hcp_fuzz_${process.pid}`;
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  url = base.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
}
const database = await openDatabase(url ? { kind: 'server', url, poolMax: 5 } : { kind: 'embedded', dataDir: path.join(dir, 'pglite') });
try {
  await migrate(database.db);
  await seedRegions(database.db);
  const services = createServices(database.db, { dataDir: dir, database: { kind: database.kind } });
  await buildWorld(services, 'FZ');
  const app = await buildApp({ database, config: { ...TEST_APP_CONFIG, logLevel: 'silent' }, services });
  const http = await app.listen({ host: '127.0.0.1', port: 0 });
  const token = await adminToken(services);
  const started = performance.now();
  const asAdmin = await fuzz(app, { token, limit: Math.round(requests * 0.75), seed: 1, http });
  const asNobody = await fuzz(app, { limit: requests - asAdmin.requests, seed: 2, http });
  const seconds = (performance.now() - started) / 1000;
  const sum = (k: 'serverErrors' | 'outsideShape' | 'tooLarge' | 'accepted' | 'dropped') => asAdmin[k].length + asNobody[k].length;
  console.log(
    `fuzz over HTTP on the ${database.kind} database: ${asAdmin.requests + asNobody.requests} requests (${outcomeTotal} distinct) in ${seconds.toFixed(1)} s`,
  );
  console.log(
    `  5xx: ${sum('serverErrors')}   outside the error shape: ${sum('outsideShape')}   errors over 16 KB: ${sum('tooLarge')}   accepted changes: ${sum('accepted')}   dropped connections: ${sum('dropped')}`,
  );
  const lines = (['serverErrors', 'outsideShape', 'tooLarge', 'accepted', 'dropped'] as const).flatMap((k) => [...asAdmin[k], ...asNobody[k]]);
  for (const line of lines.slice(0, 30)) console.log(`  ${line}`);
  await app.close();
  if (sum('serverErrors') + sum('outsideShape') + sum('tooLarge') + sum('accepted') + sum('dropped')) process.exitCode = 1;
} finally {
  await database.close();
  if (admin) {
    await admin.query(`drop database if exists hcp_fuzz_${process.pid} with (force)`);
    await admin.end();
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
