// R6, R7 as a property: whatever sequence of submissions and sweeps happens,
// every occasion ends with exactly one rating — the first valid submission
// made before its deadline, or else the default — and every answer on the
// way is what the rules say.
import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { acceptCase } from '../../src/app/cases.ts';
import { authenticateClient } from '../../src/app/clients.ts';
import { submitRating } from '../../src/app/submitRating.ts';
import { AppError } from '../../src/domain/errors.ts';
import { LEVEL_NAMES, type Level } from '../../src/domain/ratings.ts';
import { giveDefaultRatings } from '../../src/storage/cases.ts';
import { useTestDatabase } from '../support/db.ts';
import { TestClock, testServices } from '../support/services.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const database = useTestDatabase();
const clock = new TestClock();
let services: ReturnType<typeof testServices>;
let world: Awaited<ReturnType<typeof buildWorld>>;
let run = 0;

const HOUR = 3_600_000;
const START = Date.parse('2026-07-01T02:00:00Z'); // 10:00 China time
const DEADLINE = Date.parse('2026-07-08T16:00:00Z'); // 24:00 China time, day D+7

type Command = { at: number } & ({ op: 'submit'; occasion: number; level: Level } | { op: 'sweep' });

const commands = fc.array(
  fc.oneof(
    fc.record({
      op: fc.constant('submit' as const),
      occasion: fc.integer({ min: 0, max: 2 }),
      level: fc.constantFrom(...LEVEL_NAMES),
      at: fc.integer({ min: 0, max: 10 * 24 }),
    }),
    fc.record({ op: fc.constant('sweep' as const), at: fc.integer({ min: 0, max: 10 * 24 }) }),
  ),
  { maxLength: 12 },
);

beforeAll(async () => {
  services = testServices(database(), clock);
  clock.set('2026-06-30T00:00:00Z');
  world = await buildWorld(services, 'P');
});

describe('R6/R7 property: one rating per occasion, whatever happens', () => {
  it('holds for any sequence of submissions and sweeps', async () => {
    const client = await authenticateClient(database().db, world.channelKeys.app);
    const business = await authenticateClient(database().db, world.businessKey);
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        run++;
        // Three immediate cases accepted at START: three occasions with the same deadline.
        clock.set(new Date(START).toISOString());
        const made = [];
        for (let i = 0; i < 3; i++) {
          const applicant = buildApplicant();
          await acceptCase(services, business, {
            caseNumber: `PROP-${run}-${i}`,
            matterCode: world.immediate.code,
            applicant,
            staffNumber: world.staffA.staffNumber,
            acceptedAt: clock.now().toISOString(),
          });
          made.push(applicant);
        }
        const model: (Level | 'default' | null)[] = [null, null, null];
        const ordered = [...cmds].map((c, i) => ({ ...c, i, at: START + c.at * HOUR })).sort((a, b) => a.at - b.at || a.i - b.i) as (Command & { i: number })[];
        for (const cmd of ordered) {
          clock.set(new Date(cmd.at).toISOString());
          if (cmd.op === 'sweep') {
            await giveDefaultRatings(database().db, clock.now());
            if (cmd.at >= DEADLINE) model.forEach((m, i) => (model[i] = m ?? 'default'));
            continue;
          }
          const a = made[cmd.occasion]!;
          const outcome = await submitRating(services, {
            via: 'channel',
            client,
            caseNumber: `PROP-${run}-${cmd.occasion}`,
            occasion: 'completion',
            rater: { name: a.name, idType: a.idType, idNumber: a.idNumber },
            content: { level: cmd.level, channel: 'app' },
          }).then(
            (r) => (r.created ? 'stored' : 'same'),
            (e: AppError) => e.id,
          );
          const current = model[cmd.occasion];
          const expected =
            current === 'default' || (current === null && cmd.at >= DEADLINE)
              ? 'occasion_defaulted'
              : current === null
                ? 'stored'
                : current === cmd.level
                  ? 'same'
                  : 'rating_already_given';
          expect(outcome).toBe(expected);
          if (expected === 'stored') model[cmd.occasion] = cmd.level;
        }
        // In the end every occasion is closed with exactly one rating, the one the model says.
        await giveDefaultRatings(database().db, new Date(DEADLINE + 30 * 24 * HOUR));
        const { rows } = await sql<{ case_number: string; n: number; level: string; is_default: boolean }>`
          select c.case_number, count(r.id)::int as n, min(r.level) as level, bool_and(r.is_default) as is_default
          from service_case c join occasion o on o.case_id = c.id left join rating r on r.occasion_id = o.id
          where c.case_number like ${`PROP-${run}-%`} group by c.case_number order by c.case_number`.execute(database().db);
        expect(rows.map((r) => r.n)).toEqual([1, 1, 1]);
        rows.forEach((r, i) => {
          const m = model[i] ?? 'default';
          expect(m === 'default' ? { level: 'very_satisfied', is_default: true } : { level: m, is_default: false }).toEqual({
            level: r.level,
            is_default: r.is_default,
          });
        });
      }),
      { numRuns: 25, seed: 20191126 },
    );
  });
});
