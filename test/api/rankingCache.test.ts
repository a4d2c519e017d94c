// Issue 15, R13, R14: a ranking read through the cache (src/app/rankingCache.ts)
// is the ranking rankingSql() computes afresh, on both databases, whatever
// happens between two reads: new ratings, defaults, voids, revocations,
// folds, a staff transfer or a renamed agency. Every dimension, with its
// filters and an agency manager's scope, current and as of an instant, page
// by page. The oracle is the same use case with the cache bypassed.
import fc from 'fast-check';
import pg from 'pg';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { acceptCase } from '../../src/app/cases.ts';
import { createEntity } from '../../src/app/catalogue.ts';
import { authenticateClient, type ApiClient } from '../../src/app/clients.ts';
import { systemCaller, type Caller } from '../../src/app/context.ts';
import { rankingCacheSize } from '../../src/app/rankingCache.ts';
import { excludeRating, foldAll, getRanking, type RankingInput } from '../../src/app/scores.ts';
import { submitRating } from '../../src/app/submitRating.ts';
import { chinaDay } from '../../src/domain/occasions.ts';
import { LEVEL_NAMES, type Level } from '../../src/domain/ratings.ts';
import { ORDERS, type RankingOrder } from '../../src/domain/scores.ts';
import { giveDefaultRatings } from '../../src/storage/cases.ts';
import { engine, useTestDatabase } from '../support/db.ts';
import { buildAgency, buildStaff } from '../support/factories.ts';
import { TestClock, testServices } from '../support/services.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const database = useTestDatabase();
const clock = new TestClock();
const SYSTEM = systemCaller('test');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let services: ReturnType<typeof testServices>;
let world: Awaited<ReturnType<typeof buildWorld>>;
let client: ApiClient;
let channel: ApiClient;
let rated = 0;
let staffNumbers: string[];
let staffIds: number[];
let agencies: string[];
let line2: string;
let agencyManager: Caller;
let run = 0;
const FIRST = Date.parse('2026-10-20T16:00:00Z');

beforeAll(async () => {
  services = testServices(database(), clock);
  clock.set('2026-10-01T00:00:00Z');
  world = await buildWorld(services, 'K');
  // A third agency in 柳州市城中区, of a second line, a central unit; two more staff.
  line2 = (await createEntity(services, SYSTEM, 'business-lines', { code: 'K-LINE2', name: '税务', department: '税务局' })).code as string;
  const third = await createEntity(
    services,
    SYSTEM,
    'agencies',
    buildAgency({ businessLineCode: line2, regionCode: '450202', name: '城中区税务局', centralUnit: true }),
  );
  const staffC = await createEntity(services, SYSTEM, 'staff', buildStaff({ staffNumber: 'K-SC', agencyCode: third.code }));
  const staffD = await createEntity(services, SYSTEM, 'staff', buildStaff({ staffNumber: 'K-SD', agencyCode: world.agencyA.code }));
  staffNumbers = [world.staffA.staffNumber, world.staffB.staffNumber, staffC.staffNumber, staffD.staffNumber] as string[];
  agencies = [world.agencyA.code, world.agencyB.code, third.code] as string[];
  staffIds = (await sql<{ id: number }>`select id from staff where staff_number in (${sql.join(staffNumbers)}) order by id`.execute(database().db)).rows.map(
    (r) => r.id,
  );
  client = await authenticateClient(database().db, world.businessKey);
  channel = await authenticateClient(database().db, world.channelKeys.app);
  agencyManager = {
    actor: { type: 'user', id: 1, username: 'k-am', name: 'k-am', role: 'agency_manager', scope: { kind: 'agency', agencyCode: world.agencyA.code as string } },
  };
});

/** 12 cases (3 per staff member, a day apart) in the run's own days; each can be rated once. */
async function makeOccasions(base: number) {
  const rate: ((level: Level) => Promise<unknown>)[] = [];
  for (let day = 0; day < 3; day++) {
    for (const [i, staffNumber] of staffNumbers.entries()) {
      const at = new Date(base + day * DAY + (i + 1) * 2 * HOUR).toISOString();
      clock.set(at);
      const applicant = buildApplicant();
      const caseNumber = `KR-${run}-${day}-${i}`;
      await acceptCase(services, client, {
        caseNumber,
        matterCode: world.immediate.code,
        agencyCode: i === 2 ? agencies[2] : undefined,
        applicant,
        staffNumber,
        acceptedAt: at,
      });
      rate.push((level) =>
        submitRating(services, {
          via: 'channel',
          client: channel,
          caseNumber,
          occasion: 'completion',
          rater: applicant,
          content: { level, channel: 'app' },
        }).then(() => rated++),
      );
    }
  }
  return rate;
}

/** Every ranking the API offers, with the filters that change what is ranked. */
const VARIANTS: { caller?: 'agencyManager'; input: Omit<RankingInput, 'period' | 'order' | 'minCount'> }[] = [
  { input: { dimension: 'staff' } },
  { input: { dimension: 'staff', within: '450100' } },
  { input: { dimension: 'staff', line: 'K-LINE2' } },
  { input: { dimension: 'staff', central: false } },
  { caller: 'agencyManager', input: { dimension: 'staff' } },
  { input: { dimension: 'agencies' } },
  { input: { dimension: 'agencies', central: true } },
  { input: { dimension: 'business-lines' } },
  { input: { dimension: 'business-lines', within: '450100' } },
  { input: { dimension: 'regions' } },
  { input: { dimension: 'regions', level: 3 } },
  { input: { dimension: 'regions', within: '450100', scope: 'level' } },
  { input: { dimension: 'centers' } },
];

/** Compares every variant, page by page (2 entries a page, one page past the end) and whole, cached with uncached. */
type Period = Pick<RankingInput, 'period' | 'from' | 'to'>;

async function compareAll(periods: Period[], order: RankingOrder, minCount: number, asOf?: string) {
  let compared = 0;
  for (const period of periods) {
    for (const v of VARIANTS) {
      const caller = v.caller === 'agencyManager' ? agencyManager : SYSTEM;
      const input: RankingInput = { ...v.input, ...period, order, minCount, asOf };
      const whole = await getRanking(services, caller, input, { page: 1, pageSize: 100 });
      expect([input, whole]).toEqual([input, await getRanking(services, caller, input, { page: 1, pageSize: 100 }, { cache: false })]);
      for (let page = 1; page <= Math.ceil(whole.total / 2) + 1; page++) {
        const cached = await getRanking(services, caller, input, { page, pageSize: 2 });
        expect([input, page, cached]).toEqual([input, page, await getRanking(services, caller, input, { page, pageSize: 2 }, { cache: false })]);
      }
      compared += whole.items.length;
    }
  }
  return compared;
}

const at = fc.integer({ min: 0, max: 12 * 24 });
const commands = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('rate' as const), occasion: fc.nat(11), level: fc.constantFrom(...LEVEL_NAMES), at }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('sweep' as const), at }) },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('exclude' as const), rating: fc.nat(40), cause: fc.constantFrom('voided' as const, 'revoked' as const), at }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('fold' as const), at }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('transfer' as const), staff: fc.nat(3), agency: fc.nat(2), at }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('rename' as const), agency: fc.nat(2), at }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('compare' as const), at }) },
  ),
  { minLength: 4, maxLength: 16 },
);

describe('Issue 15: the ranking cache', () => {
  it('answers every ranking exactly as rankingSql() does, after any mix of events, folds and entity changes', async () => {
    const db = database().db;
    const before = rankingCacheSize(db);
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(commands, fc.constantFrom(...ORDERS), fc.integer({ min: 0, max: 2 }), async (cmds, order, minCount) => {
        run++;
        const base = FIRST + (run - 1) * 15 * DAY;
        const rate = await makeOccasions(base);
        // The run's month and year, and the days of the last run (a ranking the run's events do not change).
        const last = { from: chinaDay(new Date(base - 15 * DAY)), to: chinaDay(new Date(base - DAY)) };
        const periods: Period[] = [{ period: chinaDay(new Date(base + 4 * DAY)).slice(0, 7) }, { period: chinaDay(new Date(base)).slice(0, 4) }, last];
        const ordered = cmds.map((c, i) => ({ ...c, i, at: base + 3 * DAY + c.at * HOUR })).sort((a, b) => a.at - b.at || a.i - b.i);
        const instants: string[] = [];
        for (const cmd of ordered) {
          clock.set(new Date(cmd.at).toISOString());
          if (cmd.op === 'rate') await rate[cmd.occasion]!(cmd.level).catch(() => null);
          else if (cmd.op === 'sweep') await giveDefaultRatings(db, clock.now());
          else if (cmd.op === 'fold') await foldAll(db, 5);
          else if (cmd.op === 'exclude') {
            const ratings = (await sql<{ id: number }>`select id from rating order by id`.execute(db)).rows;
            if (ratings.length) await excludeRating(services, ratings[cmd.rating % ratings.length]!.id, cmd.cause, 'cache test').catch(() => null);
          } else if (cmd.op === 'transfer') {
            // Where a staff member is now decides the agency and line filters (R2), not the figures.
            await sql`update staff set agency_code = ${agencies[cmd.agency]!} where id = ${staffIds[cmd.staff]!}`.execute(db);
          } else if (cmd.op === 'rename') await sql`update agency set name = name || '·' where code = ${agencies[cmd.agency]!}`.execute(db);
          else {
            compared += await compareAll(periods, order, minCount);
            instants.push(clock.now().toISOString());
          }
        }
        clock.set(new Date(base + 14 * DAY).toISOString());
        await giveDefaultRatings(db, clock.now());
        compared += await compareAll(periods, order, minCount);
        // Twice in a row: the second reads only from the cache.
        compared += await compareAll(periods, order, minCount);
        // As of an instant of the run: events recorded since then must not show, folded or not.
        if (instants.length) {
          await foldAll(db);
          compared += await compareAll(periods.slice(0, 1), order, minCount, instants[0]);
        }
      }),
      { numRuns: 5, seed: 20261127 },
    );
    expect(compared).toBeGreaterThan(100);
    expect(rated).toBeGreaterThan(10);
    const after = rankingCacheSize(db);
    // The cached path was taken (and mostly hit), not the uncached one throughout.
    expect(after.entries).toBeGreaterThan(0);
    expect(after.hits - before.hits).toBeGreaterThan(after.misses - before.misses);
  }, 600_000);

  // Two sessions: an event with a smaller id committed after a larger one. The
  // newest id is the same before and after; the answer is not.
  it.skipIf(engine !== 'server')('is not fooled by an event committed after a newer one (out-of-order commits)', async () => {
    const db = database().db;
    run++;
    const base = FIRST + 20 * 15 * DAY;
    await (
      await makeOccasions(base)
    )[0]!('satisfied');
    const rating = (await sql<{ id: number }>`select max(id) as id from rating`.execute(db)).rows[0]!;
    const input: RankingInput = { dimension: 'staff', period: chinaDay(new Date(base)).slice(0, 4), order: 'mean', minCount: 0 };
    const [late, early] = [new pg.Client({ connectionString: database().url }), new pg.Client({ connectionString: database().url })];
    await late.connect();
    await early.connect();
    try {
      const event = (rating: number) =>
        `with e as (insert into score_event (rating_id, sign, cause, recorded_at) values (${rating}, 1, 'given', now()) returning id)
         insert into score_pending (event_id) select id from e`;
      await late.query('begin');
      await late.query(event(rating.id)); // draws the smaller id, commits last
      await early.query(event(rating.id)); // the larger id, committed now
      const whileOpen = await getRanking(services, SYSTEM, input, { page: 1, pageSize: 100 });
      expect(whileOpen).toEqual(await getRanking(services, SYSTEM, input, { page: 1, pageSize: 100 }, { cache: false }));
      await late.query('commit');
      const after = await getRanking(services, SYSTEM, input, { page: 1, pageSize: 100 }, { cache: false });
      expect(after).not.toEqual(whileOpen);
      expect(await getRanking(services, SYSTEM, input, { page: 1, pageSize: 100 })).toEqual(after);
    } finally {
      await late.end();
      await early.end();
    }
  });
});
