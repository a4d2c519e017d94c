// Group commit (issue 15) as a property: submissions sent all at once, which
// the intake settles in shared batches, get exactly the answers they would
// get sent one after another in the same order — 201, 200 for the same
// rating again (same content or Idempotency-Key), 409 for a second rating or
// a used link, 410 for an expired link, 401 for a bad one — and leave the
// same ratings behind (R6, R7). Each run builds two identical sets of
// occasions: one is rated concurrently in small batches (several in flight,
// a bad submission among them), the other one submission at a time (the
// oracle).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { acceptCase, type InvitationToken } from '../../src/app/cases.ts';
import { authenticateClient, type ApiClient } from '../../src/app/clients.ts';
import type { Services } from '../../src/app/context.ts';
import { submitRating, type Submission } from '../../src/app/submitRating.ts';
import { AppError } from '../../src/domain/errors.ts';
import type { Applicant } from '../../src/domain/applicants.ts';
import { LEVEL_NAMES, type Level } from '../../src/domain/ratings.ts';
import { giveDefaultRatings } from '../../src/storage/cases.ts';
import { useTestDatabase } from '../support/db.ts';
import { TestClock, testServices } from '../support/services.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

// Thirty runs of two sets of cases each: minutes when two files share a busy 2-core machine.
vi.setConfig({ testTimeout: 240_000 });

const database = useTestDatabase();
const clock = new TestClock();
let services: ReturnType<typeof testServices>;
let world: Awaited<ReturnType<typeof buildWorld>>;
let business: ApiClient;
let app: ApiClient;
let run = 0;

const DAY = 86_400_000;
const NOW = Date.parse('2026-07-20T04:00:00Z'); // 12:00 China time
// Occasions 0 and 1 open a day before now; 2 and 3 ten days before: their period is over (R6), not yet swept.
const ACCEPTED = [NOW - DAY, NOW - DAY, NOW - 10 * DAY, NOW - 10 * DAY];

type Command =
  | { op: 'token'; occasion: number; link: 0 | 1; level: Level; key: string | null }
  | { op: 'channel'; occasion: number; level: Level; key: string | null }
  | { op: 'bad'; level: Level };

const level = fc.constantFrom<Level>(...LEVEL_NAMES.slice(0, 3), 'very_satisfied', 'dissatisfied');
const key = fc.constantFrom(null, null, 'k1', 'k2');
const occasion = fc.integer({ min: 0, max: 3 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('token' as const), occasion, link: fc.constantFrom(0 as const, 1 as const), level, key }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('channel' as const), occasion, level, key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('bad' as const), level }) },
);
/** Before the batch: occasions 2 and 3 rated in their period (then only a retry gets anything back), or the sweep run. */
const setup = fc.record({ preRated: fc.subarray([2, 3]), preLevel: level, swept: fc.boolean() });

interface OccasionSet {
  caseNumbers: string[];
  applicants: Applicant[];
  links: string[][];
}

async function makeSet(tag: string): Promise<OccasionSet> {
  const set: OccasionSet = { caseNumbers: [], applicants: [], links: [] };
  for (let k = 0; k < 4; k++) {
    clock.set(new Date(ACCEPTED[k]!).toISOString());
    const applicant = buildApplicant();
    const caseNumber = `GC-${run}-${tag}-${k}`;
    await acceptCase(services, business, {
      caseNumber,
      matterCode: world.immediate.code,
      applicant,
      staffNumber: world.staffA.staffNumber,
      acceptedAt: clock.now().toISOString(),
    });
    const o = (
      await sql<{ id: number; case_id: number; staff_id: number; deadline: Date }>`
        select o.id, o.case_id, o.staff_id, o.deadline from occasion o join service_case c on c.id = o.case_id
        where c.case_number = ${caseNumber}`.execute(database().db)
    ).rows[0]!;
    const link = () => {
      const payload: InvitationToken = { v: 1, o: o.id, c: o.case_id, p: null, s: o.staff_id, e: o.deadline.getTime(), n: randomUUID().slice(0, 8) };
      return services.protector.sign(payload);
    };
    set.caseNumbers.push(caseNumber);
    set.applicants.push(applicant);
    set.links.push([link(), link()]);
  }
  return set;
}

function submission(set: OccasionSet, cmd: Command): Submission {
  if (cmd.op === 'bad') return { via: 'token', token: `${set.links[0]![0]!.slice(0, -4)}AAAA`, content: { level: cmd.level, channel: 'sms' } };
  if (cmd.op === 'token') {
    return { via: 'token', token: set.links[cmd.occasion]![cmd.link]!, content: { level: cmd.level, channel: 'sms' }, idempotencyKey: cmd.key ?? undefined };
  }
  const a = set.applicants[cmd.occasion]!;
  return {
    via: 'channel',
    client: app,
    caseNumber: set.caseNumbers[cmd.occasion],
    occasion: 'completion',
    rater: { name: a.name, idType: a.idType, idNumber: a.idNumber },
    content: { level: cmd.level, channel: 'app' },
    idempotencyKey: cmd.key ?? undefined,
  };
}

/** An answer as comparable across the two sets: the status or error, and which command's rating it carries (-1: rated before). */
type Answer = { status: 201 | 200; level: string; from: number } | { error: string };

/** Both sets alike: the ratings given in the period, then (the sweep covers every set) the defaults. */
async function prepare(sets: OccasionSet[], s: { preRated: number[]; preLevel: Level; swept: boolean }) {
  for (const set of sets) {
    for (const k of s.preRated) {
      clock.set(new Date(ACCEPTED[k]! + 3_600_000).toISOString());
      await submitRating(services, { via: 'token', token: set.links[k]![0]!, content: { level: s.preLevel, channel: 'sms' } });
    }
  }
  clock.set(new Date(NOW).toISOString());
  if (s.swept) await giveDefaultRatings(database().db, clock.now());
}

function answers(settled: PromiseSettledResult<Awaited<ReturnType<typeof submitRating>>>[], creators: Map<number, number>): Answer[] {
  return settled.map((r, i) => {
    if (r.status === 'rejected') {
      if (!(r.reason instanceof AppError)) throw r.reason;
      return { error: r.reason.id };
    }
    if (r.value.created) creators.set(r.value.rating.id, i);
    return { status: r.value.created ? 201 : 200, level: r.value.rating.level, from: -2 - r.value.rating.id };
  });
}
const resolveFrom = (list: Answer[], creators: Map<number, number>) => list.map((a) => ('from' in a ? { ...a, from: creators.get(-2 - a.from) ?? -1 } : a));

async function stored(set: OccasionSet) {
  const { rows } = await sql<{ case_number: string; n: number; level: string; is_default: boolean; open: boolean }>`
    select c.case_number, count(r.id)::int as n, min(r.level) as level, bool_and(r.is_default) as is_default,
           exists (select 1 from occasion_open q where q.occasion_id = o.id) as open
    from service_case c join occasion o on o.case_id = c.id left join rating r on r.occasion_id = o.id
    where c.case_number = any(${set.caseNumbers}::text[]) group by c.case_number, o.id order by c.case_number`.execute(database().db);
  return rows.map(({ n, level, is_default, open }) => ({ n, level, is_default, open }));
}

beforeAll(async () => {
  services = testServices(database(), clock);
  clock.set('2026-06-01T00:00:00Z');
  world = await buildWorld(services, 'GC');
  business = await authenticateClient(database().db, world.businessKey);
  app = await authenticateClient(database().db, world.channelKeys.app!);
});

describe('group commit: batched answers are the answers one at a time (issue 15, R6, R7)', () => {
  it('holds for any mix of good ratings, duplicates, retries, conflicts, expired and bad links', async () => {
    // Small batches, two in flight: a run of up to 14 submissions spans several batches settled side by side.
    const batched: Services = { ...services, ratingBatch: { windowMs: 1, maxSize: 3, maxInFlight: 2 } };
    await fc.assert(
      fc.asyncProperty(setup, fc.array(command, { minLength: 1, maxLength: 14 }), async (s, cmds) => {
        run++;
        const together = await makeSet('B');
        const oneByOne = await makeSet('S');
        await prepare([together, oneByOne], s);

        const creatorsB = new Map<number, number>();
        const all = await Promise.allSettled(cmds.map((c) => submitRating(batched, submission(together, c))));
        const got = resolveFrom(answers(all, creatorsB), creatorsB);

        const creatorsS = new Map<number, number>();
        const serial: PromiseSettledResult<Awaited<ReturnType<typeof submitRating>>>[] = [];
        for (const c of cmds) serial.push(...(await Promise.allSettled([submitRating(services, submission(oneByOne, c))])));
        const expected = resolveFrom(answers(serial, creatorsS), creatorsS);

        expect(got).toEqual(expected);
        // The bad link is refused alone: every other submission got its own answer.
        cmds.forEach((c, i) => {
          if (c.op === 'bad') expect(got[i]).toEqual({ error: 'invalid_token' });
          else expect(got[i]).not.toEqual({ error: 'invalid_token' });
        });
        // The same ratings are left behind, one per occasion at most, and a rated occasion is out of the sweep's queue.
        const left = await stored(together);
        expect(left).toEqual(await stored(oneByOne));
        for (const o of left) expect(o.n <= 1 && o.open === (o.n === 0)).toBe(true);
      }),
      { numRuns: 30, seed: 20261127 },
    );
  });
});
