// R3, R6, R8, R11, R13 as a property, on both databases: after any mix of
// submissions, default sweeps, voids, revocations and folds,
//   - `scores verify` finds no difference between the totals and the ratings;
//   - every score equals one computed here from the raw rows, with an
//     attribution written independently of the SQL view;
//   - every ranking equals domain rankEntries over those figures;
//   - a ranking taken at an instant is reproduced later with asOf.
import { systemCaller } from '../../src/app/context.ts';
import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { acceptCase, acceptPackage, advancePackage } from '../../src/app/cases.ts';
import { createEntity } from '../../src/app/catalogue.ts';
import { authenticateClient, type ApiClient } from '../../src/app/clients.ts';
import { excludeRating, foldAll, verifyScores } from '../../src/app/scores.ts';
import { submitRating } from '../../src/app/submitRating.ts';
import { LEVEL_NAMES, type Level } from '../../src/domain/ratings.ts';
import { chinaDay } from '../../src/domain/occasions.ts';
import {
  addRating,
  countsFor,
  emptyTotals,
  ORDERS,
  periodRange,
  periodSegments,
  rankEntries,
  type DayRange,
  type RankingOrder,
  type StoredDimension,
  type Totals,
} from '../../src/domain/scores.ts';
import { giveDefaultRatings } from '../../src/storage/cases.ts';
import * as scores from '../../src/storage/scores.ts';
import { useTestDatabase } from '../support/db.ts';
import { buildAgency, buildStaff } from '../support/factories.ts';
import { TestClock, testServices } from '../support/services.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const database = useTestDatabase();
const clock = new TestClock();
let services: ReturnType<typeof testServices>;
let world: Awaited<ReturnType<typeof buildWorld>>;
let client: ApiClient;
let staffNumbers: string[];
let agencyC: string; // a third agency, in another city, of another line
let run = 0;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Each run has its own 20 days, later than the last run's (the clock only
// moves forward, so as-of instants mean what they say): services on its
// first 3 days, ratings, sweeps and voids until day 18, a last sweep on day
// 19. Runs start 20 days apart, so their days fall across month ends.
const FIRST = Date.parse('2026-10-20T16:00:00Z');
let base = FIRST;

/** The ranges each run checks: its month, quarter and year, and 9 days from its start. */
function rangesOf(start: number): DayRange[] {
  const day = chinaDay(new Date(start + 3 * DAY));
  return [
    periodRange(day.slice(0, 7))!,
    periodRange(`${day.slice(0, 4)}-Q${Math.ceil(Number(day.slice(5, 7)) / 3)}`)!,
    periodRange(day.slice(0, 4))!,
    { from: chinaDay(new Date(start)), to: chinaDay(new Date(start + 8 * DAY)) },
  ];
}

const SYSTEM = systemCaller('test');

beforeAll(async () => {
  services = testServices(database(), clock);
  clock.set('2026-10-01T00:00:00Z');
  world = await buildWorld(services, 'Q');
  // A third agency in another city (柳州市城中区), of a second line, with no center.
  const line2 = await createEntity(services, SYSTEM, 'business-lines', { code: 'Q-LINE2', name: '税务', department: '税务局' });
  const third = await createEntity(
    services,
    SYSTEM,
    'agencies',
    buildAgency({ businessLineCode: line2.code, regionCode: '450202', name: '城中区税务局', centralUnit: true }),
  );
  const staffC = await createEntity(services, SYSTEM, 'staff', buildStaff({ staffNumber: 'Q-SC', agencyCode: third.code }));
  staffNumbers = [world.staffA.staffNumber, world.staffB.staffNumber, staffC.staffNumber as string];
  client = await authenticateClient(database().db, world.businessKey);
  agencyC = third.code as string;
});

type Command = { at: number } & (
  | { op: 'rate'; occasion: number; level: Level }
  | { op: 'sweep' }
  | { op: 'exclude'; rating: number; cause: 'voided' | 'revoked' }
  | { op: 'fold' }
  | { op: 'snapshot' }
);

const commands = fc.array(
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        op: fc.constant('rate' as const),
        occasion: fc.nat(40),
        level: fc.constantFrom(...LEVEL_NAMES),
        at: fc.integer({ min: 0, max: 14 * 24 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('sweep' as const), at: fc.integer({ min: 0, max: 14 * 24 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('exclude' as const),
        rating: fc.nat(40),
        cause: fc.constantFrom('voided' as const, 'revoked' as const),
        at: fc.integer({ min: 0, max: 14 * 24 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('fold' as const), at: fc.integer({ min: 0, max: 14 * 24 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('snapshot' as const), at: fc.integer({ min: 0, max: 14 * 24 }) }) },
  ),
  { maxLength: 25 },
);

interface Made {
  rate: (level: Level) => Promise<unknown>;
}

/** 9 cases (3 per staff member, a day apart) and 2 packages across regions, all at run-specific numbers. */
async function makeOccasions(): Promise<Made[]> {
  const made: Made[] = [];
  for (let day = 0; day < 3; day++) {
    for (const [i, staffNumber] of staffNumbers.entries()) {
      const at = new Date(base + day * DAY + (i + 1) * 3 * HOUR).toISOString();
      clock.set(at);
      const applicant = buildApplicant();
      const caseNumber = `QP-${run}-${day}-${i}`;
      await acceptCase(services, client, {
        caseNumber,
        matterCode: world.immediate.code,
        agencyCode: i === 2 ? agencyC : undefined,
        applicant,
        staffNumber,
        acceptedAt: at,
      });
      made.push({
        rate: (level) =>
          submitRating(services, { via: 'channel', client, caseNumber, occasion: 'completion', rater: applicant, content: { level, channel: 'app' } }),
      });
    }
  }
  for (const [p, members] of [
    [world.promised.code, world.promisedB.code],
    [world.promised.code, world.promised.code],
  ].entries()) {
    const at = new Date(base + (p + 1) * 30 * HOUR).toISOString();
    clock.set(at);
    const applicant = buildApplicant();
    const packageNumber = `QPK-${run}-${p}`;
    await acceptPackage(services, client, {
      packageNumber,
      name: '一件事',
      applicant,
      members: [
        { caseNumber: `${packageNumber}-1`, matterCode: members[0]! },
        { caseNumber: `${packageNumber}-2`, matterCode: members[1]!, agencyCode: p === 1 ? agencyC : undefined },
      ],
      acceptance: { staffNumber: world.staffA.staffNumber, at },
    });
    await advancePackage(services, client, packageNumber, 'approval', { staffNumber: world.staffB.staffNumber, at });
    await advancePackage(services, client, packageNumber, 'delivery', { staffNumber: world.staffA.staffNumber, at });
    for (const occasion of ['acceptance', 'delivery', 'composite'] as const) {
      made.push({
        rate: (level) => submitRating(services, { via: 'channel', client, packageNumber, occasion, rater: applicant, content: { level, channel: 'app' } }),
      });
    }
  }
  return made;
}

// ——— the oracle: attribution and sums from the raw rows, in TypeScript ———

interface RawRating {
  id: number;
  level: Level;
  is_default: boolean;
  score_day: string;
  kind: string;
  staff_id: number | null;
  agency_code: string | null;
  business_line_code: string | null;
  region_code: string | null;
  center_code: string | null;
  parties: { agency: string; region: string }[] | null;
  /** Sum of its events recorded up to the instant asked (1 = counted). */
  counted: number;
}

async function rawRatings(asOf: Date | null): Promise<RawRating[]> {
  const { rows } = await sql<RawRating>`
    select r.id, r.level, r.is_default, r.score_day::text as score_day, o.kind, o.staff_id, o.agency_code, o.business_line_code, o.region_code, o.center_code,
      (select json_agg(json_build_object('agency', p.agency_code, 'region', p.region_code)) from occasion_party p where p.occasion_id = o.id) as parties,
      (select coalesce(sum(e.sign), 0)::int from score_event e where e.rating_id = r.id and (${asOf}::timestamptz is null or e.recorded_at <= ${asOf}::timestamptz)) as counted
    from rating r join occasion o on o.id = r.occasion_id`.execute(database().db);
  return rows;
}

let paths: Map<string, string>;
const ancestors = (region: string) => paths.get(region)!.split('.');

function expectedTotals(ratings: RawRating[], range: DayRange): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const r of ratings) {
    if (r.counted !== 1 || r.score_day < range.from || r.score_day > range.to) continue;
    const occasion = {
      kind: r.kind,
      staffId: r.staff_id,
      agency: r.agency_code,
      line: r.business_line_code,
      region: r.region_code,
      center: r.center_code,
      parties: r.parties ?? [],
    };
    for (const [dimension, key] of countsFor(occasion, ancestors)) {
      const id = `${dimension}|${key}`;
      out.set(id, addRating(out.get(id) ?? emptyTotals(), r.level, r.is_default));
    }
  }
  return out;
}

const toTotals = (row: scores.TotalsRow): Totals => ({
  n: row.n,
  scoreSum: row.score_sum,
  levels: {
    very_satisfied: row.n_very_satisfied,
    satisfied: row.n_satisfied,
    basically_satisfied: row.n_basically_satisfied,
    dissatisfied: row.n_dissatisfied,
    very_dissatisfied: row.n_very_dissatisfied,
  },
  nDefault: row.n_default,
  activeSum: row.active_sum,
});

const RANKED: [scores.RankedDimension, StoredDimension][] = [
  ['staff', 'staff'],
  ['agencies', 'agency'],
  ['business-lines', 'line'],
  ['regions', 'region_tree'],
  ['centers', 'center'],
];

async function ranking(dimension: scores.RankedDimension, range: DayRange, order: RankingOrder, minCount: number, asOf: Date | null) {
  // Regions: every level at once is not a ranking the API offers; compare the counties (level 3).
  const rows = await scores.rankingPage(database().db, {
    dimension,
    range,
    segments: periodSegments(range),
    asOf,
    regionScope: 'subtree',
    filter: { regionLevel: dimension === 'regions' ? 3 : null },
    order,
    minCount,
    limit: 1000,
    offset: 0,
  });
  return rows.map((r) => ({ key: r.key, rank: r.rank, totals: toTotals(r) }));
}

describe('R3 property: totals equal the ratings, whatever happens', () => {
  it('holds for any mix of submissions, sweeps, voids, revocations and folds', async () => {
    const { rows } = await sql<{
      code: string;
      path: string;
      level: number;
    }>`select code, path, level from region where code like '4501%' or code like '4502%' or code = '450000000000'`.execute(database().db);
    paths = new Map(rows.map((r) => [r.code, r.path]));
    const levelOf = new Map(rows.map((r) => [r.code, r.level]));
    await fc.assert(
      fc.asyncProperty(commands, fc.constantFrom(...ORDERS), fc.integer({ min: 0, max: 3 }), async (cmds, order, minCount) => {
        run++;
        base = FIRST + (run - 1) * 20 * DAY;
        const RANGES = rangesOf(base);
        const made = await makeOccasions();
        // Snapshots are taken half past the hour, so that no change shares their instant.
        const ordered = cmds
          .map((c, i) => ({ ...c, i, at: base + 4 * DAY + c.at * HOUR + (c.op === 'snapshot' ? HOUR / 2 : 0) }))
          .sort((a, b) => a.at - b.at || a.i - b.i) as (Command & { i: number })[];
        const snapshots: { at: Date; rankings: unknown[] }[] = [];
        for (const cmd of ordered) {
          clock.set(new Date(cmd.at).toISOString());
          if (cmd.op === 'rate') await made[cmd.occasion % made.length]!.rate(cmd.level).catch(() => null);
          else if (cmd.op === 'sweep') await giveDefaultRatings(database().db, clock.now());
          else if (cmd.op === 'fold') await foldAll(database().db, 7);
          else if (cmd.op === 'exclude') {
            const ratings = (await sql<{ id: number }>`select id from rating order by id`.execute(database().db)).rows;
            if (ratings.length) await excludeRating(services, ratings[cmd.rating % ratings.length]!.id, cmd.cause, 'property test').catch(() => null);
          } else {
            const rankings = [];
            for (const [dimension] of RANKED) rankings.push(await ranking(dimension, RANGES[0]!, order, minCount, null));
            snapshots.push({ at: clock.now(), rankings });
          }
        }
        // Everything due gets its default in the end, half of the time.
        if (run % 2) {
          clock.set(new Date(base + 19 * DAY).toISOString());
          await giveDefaultRatings(database().db, clock.now());
        }

        const verified = await verifyScores(database().db);
        expect(verified.differences).toEqual([]);
        expect(verified.ledgerMismatches).toBe(0);

        const raw = await rawRatings(null);
        for (const range of RANGES) {
          const expected = expectedTotals(raw, range);
          for (const id of expected.keys()) {
            const [dimension, key, regionCode] = id.split('|') as [StoredDimension, string, string?];
            const row = await scores.totalsOf(database().db, { dimension, key, regionCode, range, segments: periodSegments(range) });
            expect([id, toTotals(row)]).toEqual([id, expected.get(id)]);
          }
          for (const [dimension, stored] of RANKED) {
            const entries = [...expected.entries()]
              .filter(([id, t]) => id.startsWith(`${stored}|`) && t.n > 0)
              .map(([id, totals]) => ({ key: id.slice(stored.length + 1), totals }))
              .filter((e) => dimension !== 'regions' || levelOf.get(e.key) === 3);
            const want = rankEntries(entries, order, minCount).map((e) => ({ key: e.key, rank: e.rank, totals: e.totals }));
            expect([dimension, await ranking(dimension, range, order, minCount, null)]).toEqual([dimension, want]);
          }
        }
        // As of each snapshot's instant, the rankings are what they were then.
        for (const snapshot of snapshots) {
          const again = [];
          for (const [dimension] of RANKED) again.push(await ranking(dimension, RANGES[0]!, order, minCount, snapshot.at));
          expect(again).toEqual(snapshot.rankings);
        }
        // Voids and revocations leave the figures of their instant reproducible (the oracle as of then agrees).
        if (snapshots.length) {
          const then = snapshots[0]!.at;
          const expectedThen = expectedTotals(await rawRatings(then), RANGES[1]!);
          for (const [id, t] of expectedThen) {
            const [dimension, key, regionCode] = id.split('|') as [StoredDimension, string, string?];
            const row = await scores.totalsOf(database().db, {
              dimension,
              key,
              regionCode,
              range: RANGES[1]!,
              segments: periodSegments(RANGES[1]!),
              asOf: then,
            });
            expect([id, toTotals(row)]).toEqual([id, t]);
          }
        }
      }),
      { numRuns: 12, seed: 20191127 },
    );
  }, 600_000);
});
