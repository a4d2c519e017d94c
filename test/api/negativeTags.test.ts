// The dashboard's "what goes wrong, and where": the most frequent tags of the
// negative ratings behind a score, each with the matters behind it, counted
// by hand below on both databases.
//
//   staff A (agency A, 兴宁区): dissatisfied [indifferent, long_wait], very dissatisfied [indifferent],
//                               satisfied (not negative: not counted)
//   staff B (agency B, 青秀区): dissatisfied [long_wait]; a voided one [buck_passing] stops counting
import { describe, expect, it, beforeAll } from 'vitest';
import { excludeRating } from '../../src/app/scores.ts';
import { useTestApp } from '../support/app.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const { app, clock, services } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;
let seq = 0;

async function rate(staffNumber: string, level: string, tags: string[]) {
  const applicant = buildApplicant();
  const caseNumber = `NT-${++seq}`;
  const at = clock.now().toISOString();
  const opened = await app().inject({
    method: 'POST',
    url: '/api/v1/cases',
    payload: { caseNumber, matterCode: world.immediate.code, applicant, staffNumber, acceptedAt: at },
    headers: { authorization: `Bearer ${world.businessKey}` },
  });
  expect(opened.statusCode).toBe(201);
  clock.advance(60_000);
  const rated = await app().inject({
    method: 'POST',
    url: '/api/v1/ratings',
    payload: {
      caseNumber,
      occasion: 'completion',
      rater: { name: applicant.name, idType: applicant.idType, idNumber: applicant.idNumber },
      level,
      channel: 'app',
      tags,
      comment: tags.length ? '办事体验不好' : undefined,
    },
    headers: { authorization: `Bearer ${world.channelKeys.app}` },
  });
  expect(rated.statusCode, rated.body).toBe(201);
  return rated.json().id as number;
}

beforeAll(async () => {
  clock.set('2026-10-01T01:00:00Z');
  world = await buildWorld(services(), 'NT');
  await rate(world.staffA.staffNumber, 'dissatisfied', ['attitude.indifferent', 'efficiency.long_wait']);
  await rate(world.staffA.staffNumber, 'very_dissatisfied', ['attitude.indifferent']);
  await rate(world.staffA.staffNumber, 'satisfied', []);
  await rate(world.staffB.staffNumber, 'dissatisfied', ['efficiency.long_wait']);
  const voided = await rate(world.staffB.staffNumber, 'dissatisfied', ['attitude.buck_passing']);
  await excludeRating(services(), voided, 'voided', 'R10: found faked in review');
  clock.set('2026-10-20T00:00:00Z');
});

const tagsOf = async (path: string) => (await app().inject(`/api/v1/scores/${path}/negative-tags?period=2026-10`)).json();
const matter = () => ({ code: world.immediate.code, name: world.immediate.name });

describe('negative tags behind a score', () => {
  it('of an agency: by count, then by tag; each with its matters', async () => {
    expect(await tagsOf(`agencies/${world.agencyA.code}`)).toEqual({
      negative: 2,
      tags: [
        { tag: 'attitude.indifferent', count: 2, matters: [{ ...matter(), count: 2 }] },
        { tag: 'efficiency.long_wait', count: 1, matters: [{ ...matter(), count: 1 }] },
      ],
    });
  });

  it('of the whole region: both districts; a voided rating does not count', async () => {
    expect(await tagsOf('regions/450000')).toEqual({
      negative: 3,
      tags: [
        { tag: 'attitude.indifferent', count: 2, matters: [{ ...matter(), count: 2 }] },
        { tag: 'efficiency.long_wait', count: 2, matters: [{ ...matter(), count: 2 }] },
      ],
    });
  });

  it('of a staff member; and of a period without any', async () => {
    expect((await tagsOf(`staff/${world.staffB.staffNumber}`)).tags).toEqual([{ tag: 'efficiency.long_wait', count: 1, matters: [{ ...matter(), count: 1 }] }]);
    const none = await app().inject(`/api/v1/scores/regions/450000/negative-tags?period=2026-09`);
    expect(none.json()).toEqual({ negative: 0, tags: [] });
  });
});
