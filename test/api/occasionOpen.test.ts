// Issue 15 (migration 0013): the queue of open occasions the default sweep
// reads (R6) holds exactly the occasions that are still open — whatever
// opened them (a case, a package's stages and its composite occasion) and
// whatever closed them (a rating, the default, a withdrawal) — and the
// migration queues the occasions a database already has open.
import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { acceptCase, acceptPackage, advancePackage, completeCase, withdrawCase } from '../../src/app/cases.ts';
import { authenticateClient } from '../../src/app/clients.ts';
import { submitRating } from '../../src/app/submitRating.ts';
import { giveDefaultRatings } from '../../src/storage/cases.ts';
import { migrate, readMigrations } from '../../src/storage/migrate.ts';
import type { DB } from '../../src/storage/schema.ts';
import { useEmptyDatabases, useTestDatabase } from '../support/db.ts';
import { TestClock, testServices } from '../support/services.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const database = useTestDatabase();
const clock = new TestClock();
let services: ReturnType<typeof testServices>;
let world: Awaited<ReturnType<typeof buildWorld>>;

const DAY = 86_400_000;
const START = Date.parse('2026-07-01T02:00:00Z'); // 10:00 China time; R6: the deadline is 24:00 of D+7
const at = (days: number) => new Date(START + days * DAY).toISOString();

beforeAll(async () => {
  services = testServices(database(), clock);
  clock.set('2026-06-30T00:00:00Z');
  world = await buildWorld(services, 'Q');
});

/** The queue, and the occasions whose closed_at is null: both as [id, deadline] in id order. */
async function queueAndOpen(db: Kysely<DB>) {
  const queue = await db.selectFrom('occasion_open').select(['occasion_id as id', 'deadline']).orderBy('occasion_id').execute();
  const open = await db.selectFrom('occasion').select(['id', 'deadline']).where('closed_at', 'is', null).orderBy('id').execute();
  return { queue, open };
}

describe('the queue of open occasions', () => {
  it('holds exactly the open occasions after ratings, defaults and withdrawals', async () => {
    const db = database().db;
    const business = await authenticateClient(db, world.businessKey);
    const app = await authenticateClient(db, world.channelKeys.app);
    const staffNumber = world.staffA.staffNumber;
    clock.set(at(0));
    const applicants = Array.from({ length: 5 }, () => buildApplicant());
    // Q-1 rated, Q-2 left to its default, Q-3 withdrawn before its deadline, Q-4 withdrawn after it (R6: owed its default).
    for (const [i, applicant] of applicants.slice(0, 4).entries()) {
      await acceptCase(services, business, { caseNumber: `Q-${i + 1}`, matterCode: world.promised.code, applicant, staffNumber, acceptedAt: at(0) });
    }
    // an immediate case, rated; and a package whose composite occasion stays open until its default.
    await acceptCase(services, business, { caseNumber: 'Q-5', matterCode: world.immediate.code, applicant: applicants[4]!, staffNumber, acceptedAt: at(0) });
    const packager = buildApplicant();
    await acceptPackage(services, business, {
      packageNumber: 'QP-1',
      name: '一件事',
      applicant: packager,
      members: [
        { caseNumber: 'QP-1-1', matterCode: world.promised.code },
        { caseNumber: 'QP-1-2', matterCode: world.promisedB.code },
      ],
      acceptance: { staffNumber, at: at(0) },
    });
    await advancePackage(services, business, 'QP-1', 'approval', { staffNumber: world.staffB.staffNumber, at: at(0) });
    await advancePackage(services, business, 'QP-1', 'delivery', { staffNumber, at: at(0) });
    const opened = await queueAndOpen(db);
    expect(opened.queue).toHaveLength(9); // 4 acceptances, Q-5's completion, the package's 3 stages and its composite
    expect(opened.queue).toEqual(opened.open);

    clock.set(at(1));
    const rate = (caseNumber: string, i: number, occasion: 'acceptance' | 'completion') =>
      submitRating(services, { via: 'channel', client: app, caseNumber, occasion, rater: applicants[i]!, content: { level: 'satisfied', channel: 'app' } });
    await rate('Q-1', 0, 'acceptance');
    await rate('Q-5', 4, 'completion');
    await submitRating(services, {
      via: 'channel',
      client: app,
      packageNumber: 'QP-1',
      occasion: 'delivery',
      rater: packager,
      content: { level: 'satisfied', channel: 'app' },
    });
    await withdrawCase(services, business, 'Q-3', { reason: '申请人撤回' });
    // Q-1 completed: a new occasion opens and is queued.
    await completeCase(services, business, 'Q-1', { completedAt: at(1), staffNumber });
    let now = await queueAndOpen(db);
    expect(now.queue).toHaveLength(6); // Q-1's completion, Q-2, Q-4, the package's acceptance, approval and composite
    expect(now.queue).toEqual(now.open);

    // Past the first deadlines (24:00 of D+7): Q-4's withdrawal leaves its acceptance occasion to the sweep.
    clock.set(at(8));
    await withdrawCase(services, business, 'Q-4', { reason: '申请人撤回' });
    const given = await giveDefaultRatings(db, clock.now());
    expect(given).toBe(5); // Q-2, Q-4 and the package's three; Q-1's completion is not due yet
    now = await queueAndOpen(db);
    expect(now.queue).toEqual(now.open);
    expect(now.queue).toHaveLength(1);

    clock.set(at(20));
    expect(await giveDefaultRatings(db, clock.now())).toBe(1);
    expect(await queueAndOpen(db)).toEqual({ queue: [], open: [] });
    // R7: one rating per occasion, and none for the cancelled one.
    const { rows } = await sql<{ occasions: number; rated: number; cancelled: number; ratings: number }>`
      select (select count(*) from occasion)::int as occasions,
        (select count(distinct occasion_id) from rating)::int as rated,
        (select count(*) from occasion where cancelled_at is not null)::int as cancelled,
        (select count(*) from rating)::int as ratings`.execute(db);
    expect(rows[0]).toEqual({ occasions: 10, rated: 9, cancelled: 1, ratings: 9 });
  });
});

describe('migration 0013', () => {
  const emptyDatabase = useEmptyDatabases();

  it('queues the occasions a database has open, and the sweep then gives them their defaults', async () => {
    const { db } = await emptyDatabase();
    const all = readMigrations();
    const before = all.findIndex((m) => m.name === 'occasion_open');
    await migrate(db, { migrations: all.slice(0, before) });
    // Three packages' composite occasions (the fewest rows an occasion needs): open, rated and cancelled.
    await sql`
      insert into service_package (package_number, name, applicant_name_cipher, applicant_id_type, applicant_id_cipher, applicant_id_hash)
      select 'MIG-' || g, '一件事', 'x', 'resident_id', 'x', 'h' || g from generate_series(1, 3) g`.execute(db);
    await sql`
      insert into occasion (package_id, kind, occurred_at, deadline, policy_version_id, closed_at, cancelled_at)
      select p.id, 'composite', ${at(0)}::timestamptz, ${at(7)}::timestamptz + (p.id || ' seconds')::interval, 1,
        case p.package_number when 'MIG-1' then null else ${at(1)}::timestamptz end,
        case p.package_number when 'MIG-3' then ${at(1)}::timestamptz end
      from service_package p`.execute(db);
    await migrate(db);

    const open = await db.selectFrom('occasion').select(['id as occasion_id', 'deadline', 'policy_version_id']).where('closed_at', 'is', null).execute();
    expect(open).toHaveLength(1);
    expect(await db.selectFrom('occasion_open').selectAll().execute()).toEqual(open);
    expect(await giveDefaultRatings(db, new Date(at(10)))).toBe(1);
    expect(await db.selectFrom('occasion_open').selectAll().execute()).toEqual([]);
    const closed = await db.selectFrom('occasion').select(['id', 'closed_at', 'deadline']).where('id', '=', open[0]!.occasion_id).executeTakeFirstOrThrow();
    expect(closed.closed_at).toEqual(closed.deadline); // R6: closed at its deadline, when its default counts
  });
});
