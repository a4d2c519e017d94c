// The platform as an operator runs it: one command starts it on an empty
// database; signals stop it gracefully; kills at bad moments leave a
// database that starts again; bad settings give one clear line.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServerDatabase, engine } from '../support/db.ts';
import { killChildren, runCli, spawnServe, startServe, waitFor } from '../support/process.ts';
import { creditCode } from '../support/factories.ts';

let env: Record<string, string>;
let cleanup = async () => {};

beforeAll(async () => {
  if (engine === 'server') {
    const created = await createServerDatabase('empty');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-serve-'));
    env = { DATABASE_URL: created.url, DATA_DIR: dir };
    cleanup = async () => {
      await created.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-serve-'));
    env = { DATA_DIR: dir };
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
});
afterEach(() => killChildren());
afterAll(() => cleanup());

// Processes start, migrate and (with --demo) load data: slow on a busy 2-core machine.
// Two test files share the two cores: the demo's seeding (a minute alone) may take several beside another file.
vi.setConfig({ testTimeout: 360_000 });

let token = '';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers read field by field in the assertions
type Json = any;
const json = async (url: string, bearer = token) => {
  const res = await fetch(url, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  return { status: res.status, body: (await res.json()) as Json };
};
const signIn = async (base: string, username: string, password: string) => {
  const res = await fetch(`${base}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as Json };
};
const tabFile = (name: string) =>
  fs
    .readFileSync(path.join(env.DATA_DIR!, name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));

describe(`serve on the ${engine} database`, () => {
  it('starts on an empty database as npm start does: migrated, regions and demo organisations loaded, ready', async () => {
    const served = await startServe({ ...env, JOBS: 'true' }, { args: ['--demo'], readyTimeoutMs: 300_000 });
    try {
      expect(await json(`${served.url}/readyz`)).toMatchObject({ status: 200, body: { status: 'ready', database: engine } });
      // R2: one demo user per role, in a file only its owner reads; the admin signs in.
      const users = tabFile('demo-users.txt');
      expect(fs.statSync(path.join(env.DATA_DIR!, 'demo-users.txt')).mode & 0o777).toBe(0o600);
      expect(users.map((u) => [u[0], u[1]])).toEqual([
        ['admin', 'admin'],
        ['sup-gx', 'supervisor'],
        ['sup-nanning', 'supervisor'],
        ['sup-xingning', 'supervisor'],
        ['line-manager', 'line_manager'],
        ['agency-manager', 'agency_manager'],
        ['staff-demo', 'staff'],
        ['auditor', 'auditor'],
      ]);
      const password = (name: string) => users.find((u) => u[0] === name)![3]!;
      expect((await json(`${served.url}/api/v1/staff?pageSize=1`, '')).status).toBe(401);
      token = (await signIn(served.url, 'admin', password('admin'))).body.token;
      const cities = await json(`${served.url}/api/v1/regions?parent=450000`);
      expect(cities.body.total).toBe(14);
      expect(served.output()).toContain('loaded 18091 regions (first start)');
      expect(served.output()).toContain('loaded the demo organisations');
      expect((await json(`${served.url}/api/v1/staff?pageSize=1`)).body.total).toBe(20_000);
      const nanning = await json(`${served.url}/api/v1/agencies?regionCode=450100&pageSize=1`);
      expect(nanning.body.total).toBeGreaterThan(100);
      // Nanning's supervisor sees Nanning's agencies, all of them and nothing else.
      const supervisor = (await signIn(served.url, 'sup-nanning', password('sup-nanning'))).body.token;
      expect((await json(`${served.url}/api/v1/agencies?pageSize=1`, supervisor)).body.total).toBe(nanning.body.total);
      // The demo API keys work: a business system records a case, the SMS channel rates it.
      const keys = Object.fromEntries(tabFile('demo-api-keys.txt'));
      const staff = (await json(`${served.url}/api/v1/staff?pageSize=1`)).body.items[0];
      const matter = (await json(`${served.url}/api/v1/matters?kind=immediate&pageSize=1`)).body.items[0];
      const applicant = { name: '陆一', idType: 'resident_id', idNumber: '11010519491231002X' };
      const post = (url: string, key: string, body: object) =>
        fetch(`${served.url}${url}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const accepted = await post('/api/v1/cases', keys.business_system, {
        caseNumber: 'E2E-1',
        matterCode: matter.code,
        applicant,
        staffNumber: staff.staffNumber,
        acceptedAt: new Date().toISOString(),
      });
      expect(accepted.status).toBe(201);
      const rated = await post('/api/v1/ratings', keys.sms, {
        caseNumber: 'E2E-1',
        occasion: 'completion',
        rater: applicant,
        level: 'very_satisfied',
        channel: 'sms',
      });
      expect(rated.status).toBe(201);
      expect(served.output()).toContain('job scheduler started');
    } finally {
      served.proc.kill('SIGTERM');
      expect(await served.exited).toEqual({ code: 0, signal: null });
    }
  });

  it('finishes an in-flight request on SIGTERM, then exits 0 and frees the database', async () => {
    const served = await startServe({ ...env, HAOCHAPING_TEST_ROUTES: 'true', JOBS: 'false' });
    const inFlight = fetch(`${served.url}/api/v1/_test/slow?ms=1500`).then(async (r) => ({ status: r.status, body: await r.json() }));
    await new Promise((r) => setTimeout(r, 300));
    served.proc.kill('SIGTERM');
    expect(await inFlight).toEqual({ status: 200, body: { slept: 1500 } });
    expect(await served.exited).toEqual({ code: 0, signal: null });
    expect(served.output()).toContain('stopping (SIGTERM)');
    // The same database starts again at once (and on PGlite, the folder lock was released).
    const again = await startServe({ ...env, JOBS: 'false' });
    expect((await json(`${again.url}/readyz`)).status).toBe(200);
    again.proc.kill('SIGINT');
    expect((await again.exited).code).toBe(0);
  });

  it('on SIGTERM a client sending half a body does not hold the process: it exits 0 within seconds', async () => {
    const served = await startServe({ ...env, JOBS: 'false' });
    const { port, hostname } = new URL(served.url);
    const slow = net.connect(Number(port), hostname);
    await new Promise((resolve) => slow.once('connect', resolve));
    slow.write('POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"username":');
    slow.on('error', () => {});
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    served.proc.kill('SIGTERM');
    expect(await served.exited).toEqual({ code: 0, signal: null });
    // The grace for in-flight requests is 5 s; the default shutdown timeout (10 s) is never reached.
    expect(Date.now() - started).toBeLessThan(9_000);
    slow.destroy();
  });

  it('starts again after kill -9 in the middle of a request', async () => {
    const served = await startServe({ ...env, HAOCHAPING_TEST_ROUTES: 'true', JOBS: 'false' });
    const inFlight = fetch(`${served.url}/api/v1/_test/slow?ms=3000`).catch(() => 'connection lost');
    await new Promise((r) => setTimeout(r, 300));
    served.proc.kill('SIGKILL');
    expect(await served.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await inFlight).toBe('connection lost');
    const again = await startServe({ ...env, JOBS: 'false' });
    expect((await json(`${again.url}/readyz`)).status).toBe(200);
    expect((await json(`${again.url}/api/v1/public/scores/regions/450100?period=2026`, '')).body).toMatchObject({ key: '450100000000', name: '南宁市' });
    again.proc.kill('SIGTERM');
    await again.exited;
  });

  it('kill -9 while an import is being applied: the next start completes it, and the file is there whole', async () => {
    const served = await startServe({ ...env, JOBS: 'false' });
    const agencies = async (url: string) => (await json(`${url}/api/v1/agencies?pageSize=1`)).body.total as number;
    const before = await agencies(served.url);
    const line = (await json(`${served.url}/api/v1/business-lines?pageSize=1`)).body.items[0].code;
    const rows = Array.from({ length: 20_000 }, (_, i) => `${creditCode(700_000 + i, '450103')},青秀区导入机构${i},450103,${line}`);
    const importing = fetch(`${served.url}/api/v1/imports/agencies?commit=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: `code,name,regionCode,businessLineCode\n${rows.join('\n')}\n`,
    }).catch(() => 'connection lost');
    // Every row is checked before the first is applied (the log says when); the kill lands in the apply.
    await waitFor(() => served.output().includes('rows checked; applying'), 120_000);
    served.proc.kill('SIGKILL');
    await served.exited;
    expect(await importing).toBe('connection lost');

    const again = await startServe({ ...env, JOBS: 'false' });
    try {
      // The catalogue opens again once the import is complete (at once on the embedded database; on a server, once it
      // has been idle 15 s, since another process might have been applying it).
      await waitFor(() => again.output().includes('completed 1 import(s) a stop had interrupted'), 90_000);
      expect(await agencies(again.url)).toBe(before + 20_000);
    } finally {
      again.proc.kill('SIGTERM');
      await again.exited;
    }
  });

  it('starts again after kill -9 during start-up, and stops cleanly on SIGTERM during start-up', async () => {
    const killed = spawnServe({ ...env, JOBS: 'false' });
    await waitFor(() => killed.output().includes('opening the'));
    killed.proc.kill('SIGKILL');
    await killed.exited;

    const stopped = spawnServe({ ...env, JOBS: 'false' });
    await waitFor(() => stopped.output().includes('opening the'));
    stopped.proc.kill('SIGTERM');
    expect((await stopped.exited).code).toBe(0);

    const again = await startServe({ ...env, JOBS: 'false' });
    expect((await json(`${again.url}/readyz`)).status).toBe(200);
    again.proc.kill('SIGTERM');
    await again.exited;
  });

  it('users add asks for the password (here on standard input) and refuses a weak one', async () => {
    const weak = runCli(['users', 'add', '--username', 'ops-weak', '--role', 'auditor'], env, 60_000, 'short\n');
    expect(weak.status).toBe(65);
    expect(weak.stderr).toContain('weak_password');
    const added = runCli(['users', 'add', '--username', 'ops-sup', '--role', 'supervisor', '--region', '450102'], env, 60_000, 'Lantern-Orchard-58\n');
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain('user ops-sup (supervisor) created');
    const served = await startServe(env);
    try {
      const signedIn = await signIn(served.url, 'ops-sup', 'Lantern-Orchard-58');
      expect(signedIn.body.user).toMatchObject({ role: 'supervisor', scope: { regionCode: '450102000000' } });
    } finally {
      served.proc.kill('SIGTERM');
      await served.exited;
    }
  });

  it('HCP_ADMIN_PASSWORD makes the first admin on a first start, and nothing else', async () => {
    const fresh = engine === 'server' ? await createServerDatabase('empty') : null;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-admin-'));
    const served = await startServe({ DATA_DIR: dir, ...(fresh ? { DATABASE_URL: fresh.url } : {}), HCP_ADMIN_PASSWORD: 'Harbour-Lights-2026' });
    try {
      const admin = await signIn(served.url, 'admin', 'Harbour-Lights-2026');
      expect(admin.body.user).toMatchObject({ username: 'admin', role: 'admin' });
      expect((await json(`${served.url}/api/v1/users`, admin.body.token)).body.total).toBe(1);
      expect(fs.existsSync(path.join(dir, 'demo-users.txt'))).toBe(false);
    } finally {
      served.proc.kill('SIGTERM');
      await served.exited;
      await fresh?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrate and jobs run work as commands', () => {
    const migrated = runCli(['migrate'], env);
    expect(migrated.status).toBe(0);
    expect(migrated.stdout).toContain('database is up to date');
    const jobs = runCli(['jobs', 'run', '--now', '2026-03-08T00:00:00+08:00'], env);
    expect(jobs.status).toBe(0);
    expect(jobs.stdout).toContain('default-ratings: 0 default rating(s) given as of 2026-03-07T16:00:00.000Z');
    const badNow = runCli(['jobs', 'run', '--now', 'yesterday'], env);
    expect(badNow.status).not.toBe(0);
    expect(badNow.stderr).toContain('expected an ISO 8601 instant');
  });
});

describe('bad settings give one clear line and a non-zero exit', () => {
  // These stop before any database of the run is opened (the last names one that is not there), the same in both
  // projects: they run in one of them.
  it.runIf(engine === 'embedded').each([
    [{ PORT: 'abc' }, 'haochaping: config: PORT must be a whole number from 0 to 65535 (got "abc")'],
    [{ DATABASE_URL: 'mysql://root@127.0.0.1/x' }, 'haochaping: config: DATABASE_URL must start with postgres://'],
    [{ DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/x' }, 'haochaping: cannot connect to the database at postgres://u:***@127.0.0.1:1/x: ECONNREFUSED'],
  ])('%j', (bad, line) => {
    const result = runCli(['serve'], { ...bad, DATA_DIR: os.tmpdir() });
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(line);
    expect(result.stderr).not.toContain('secret');
  });

  it.runIf(engine === 'embedded')('refuses a second process on the same embedded data folder', async () => {
    const first = await startServe({ ...env, JOBS: 'false' });
    try {
      const second = runCli(['serve'], { ...env, PORT: '0' });
      expect(second.status).toBe(69);
      expect(second.stderr.trim()).toMatch(/^haochaping: the embedded database in .* is in use by process \d+; stop it first/);
    } finally {
      first.proc.kill('SIGTERM');
      await first.exited;
    }
  });
});
