// Group commit (issue 15) keeps R7's promise through a crash: `serve` takes
// ratings from 32 clients at once and is killed with SIGKILL in the middle;
// every rating it answered 201 (or 200) is in the database afterwards, with
// its level, its score event and its closed occasion. A submission that got
// no answer may or may not be stored; none is stored twice.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { acceptCase } from '../../src/app/cases.ts';
import { authenticateClient } from '../../src/app/clients.ts';
import type { InvitationToken } from '../../src/app/cases.ts';
import { foldAll, verifyScores } from '../../src/app/scores.ts';
import { openDatabase, openEmbedded, type Database } from '../../src/storage/db.ts';
import { inject } from 'vitest';
import { createServerDatabase, engine } from '../support/db.ts';
import { killChildren, startServe } from '../support/process.ts';
import { TEST_KEY, TestClock, testServices } from '../support/services.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

vi.setConfig({ testTimeout: 360_000 });

const OCCASIONS = 600;
let env: Record<string, string>;
let open: () => Promise<Database>;
let cleanup = async () => {};
const tokens: { occasionId: number; token: string }[] = [];

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-crash-'));
  if (engine === 'server') {
    const created = await createServerDatabase();
    env = { DATABASE_URL: created.url, DATA_DIR: dir };
    open = () => openDatabase({ kind: 'server', url: created.url, poolMax: 4 });
    cleanup = async () => {
      await created.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  } else {
    // The prepared template (migrated, regions loaded), on disk where `serve` finds it.
    const template = new Blob([fs.readFileSync(inject('embeddedTemplate'))]);
    await (await openEmbedded(path.join(dir, 'pglite'), true, template)).close();
    env = { DATA_DIR: dir };
    open = () => openEmbedded(path.join(dir, 'pglite'));
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  // Cases accepted a minute ago: each has one occasion, open for a week (R6, R7).
  const database = await open();
  try {
    const clock = new TestClock(new Date(Date.now() - 60_000));
    const services = testServices(database, clock);
    const world = await buildWorld(services, 'K');
    const business = await authenticateClient(database.db, world.businessKey);
    for (let i = 0; i < OCCASIONS; i++) {
      await acceptCase(services, business, {
        caseNumber: `CRASH-${i}`,
        matterCode: world.immediate.code,
        applicant: buildApplicant(),
        staffNumber: world.staffA.staffNumber,
        acceptedAt: clock.now().toISOString(),
      });
    }
    const rows = await sql<{ id: number; case_id: number; staff_id: number; deadline: Date }>`
      select o.id, o.case_id, o.staff_id, o.deadline from occasion o join service_case c on c.id = o.case_id
      where c.case_number like 'CRASH-%' order by o.id`.execute(database.db);
    for (const o of rows.rows) {
      const payload: InvitationToken = { v: 1, o: o.id, c: o.case_id, p: null, s: o.staff_id, e: o.deadline.getTime(), n: randomUUID().slice(0, 8) };
      tokens.push({ occasionId: o.id, token: services.protector.sign(payload) });
    }
  } finally {
    await database.close();
  }
});
afterEach(() => killChildren());
afterAll(() => cleanup());

const LEVELS = ['very_satisfied', 'satisfied', 'basically_satisfied', 'very_satisfied', 'dissatisfied'] as const;

describe(`group commit on the ${engine} database (issue 15, R7)`, () => {
  it('kill -9 under load: every rating answered 201 or 200 is stored, once, with its score event', async () => {
    const served = await startServe({ ...env, JOBS: 'false', PROTECTION_KEY: TEST_KEY.toString('base64'), RATE_LIMIT_TOKEN: '1000' });
    const answered = new Map<number, { status: number; id: number; level: string }>();
    let next = 0;
    let killed = false;
    const client = async () => {
      while (!killed && next < tokens.length) {
        const i = next++;
        const { occasionId, token } = tokens[i]!;
        const level = LEVELS[i % LEVELS.length]!;
        // Half of the links are sent twice, one right after the other (a retry): 201 then 200, or both unanswered.
        for (let send = 0; send < (i % 2 ? 2 : 1); send++) {
          try {
            const res = await fetch(`${served.url}/api/v1/ratings`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ token, level, channel: 'sms' }),
            });
            const body = (await res.json()) as { id: number; level: string };
            if (res.status === 201 || res.status === 200) answered.set(occasionId, { status: res.status, id: body.id, level: body.level });
            else throw new Error(`unexpected ${res.status}: ${JSON.stringify(body)}`);
          } catch (error) {
            if (!killed) throw error;
          }
        }
      }
    };
    const clients = Array.from({ length: 32 }, client);
    // The kill lands while ratings are flowing: after a third of the links have been answered.
    const until = Date.now() + 120_000;
    while (answered.size < OCCASIONS / 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    killed = true;
    served.proc.kill('SIGKILL');
    expect(await served.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await Promise.all(clients);
    expect(answered.size).toBeGreaterThanOrEqual(OCCASIONS / 3);

    // The platform starts again after the kill, and stops cleanly.
    const again = await startServe({ ...env, JOBS: 'false', PROTECTION_KEY: TEST_KEY.toString('base64') });
    again.proc.kill('SIGTERM');
    expect(await again.exited).toEqual({ code: 0, signal: null });

    const database = await open();
    try {
      const ids = [...answered.keys()];
      const stored = await sql<{ id: number; occasion_id: number; level: string; events: number; closed: boolean; open: boolean }>`
        select r.id, r.occasion_id, r.level, (select count(*)::int from score_event e where e.rating_id = r.id) as events,
               o.closed_at is not null as closed, exists (select 1 from occasion_open q where q.occasion_id = o.id) as open
        from rating r join occasion o on o.id = r.occasion_id where r.occasion_id = any(${ids}::int[])`.execute(database.db);
      const byOccasion = new Map(stored.rows.map((r) => [r.occasion_id, r]));
      const lost = ids.filter((id) => !byOccasion.has(id));
      expect(lost, 'answered 201 or 200 but not stored').toEqual([]);
      for (const [occasionId, answer] of answered) {
        const row = byOccasion.get(occasionId)!;
        expect({ id: row.id, level: row.level, events: row.events, closed: row.closed, open: row.open }).toEqual({
          id: answer.id,
          level: answer.level,
          events: 1,
          closed: true,
          open: false,
        });
      }
      // Nothing unanswered was stored twice (one rating per occasion, R7), and the score ledger agrees with the totals.
      const counts = await sql<{ ratings: number; occasions: number }>`
        select count(*)::int as ratings, count(distinct occasion_id)::int as occasions from rating`.execute(database.db);
      expect(counts.rows[0]!.ratings).toBe(counts.rows[0]!.occasions);
      await foldAll(database.db);
      expect((await verifyScores(database.db)).ok).toBe(true);
    } finally {
      await database.close();
    }
  });
});
