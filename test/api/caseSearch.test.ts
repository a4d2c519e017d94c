// Finding cases in the console (issue 11): by number, by a staff member who
// served them, by the China days they were accepted on, within the caller's
// scope (R2), each with its occasions, deadlines and rating, applicant masked (R9).
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { signedIn } from '../support/auth.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const { app, clock, services } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;
let qingxiu = '';

async function open(caseNumber: string, staffNumber: string, matterCode: string, at: string, name: string) {
  clock.set(at);
  const applicant = buildApplicant({ name });
  const res = await app().inject({
    method: 'POST',
    url: '/api/v1/cases',
    payload: { caseNumber, matterCode, applicant, staffNumber, acceptedAt: at },
    headers: { authorization: `Bearer ${world.businessKey}` },
  });
  expect(res.statusCode).toBe(201);
  return applicant;
}

beforeAll(async () => {
  clock.set('2026-09-01T00:00:00Z');
  world = await buildWorld(services(), 'CS');
  const a = await open('CS-1', world.staffA.staffNumber, world.immediate.code, '2026-09-01T02:00:00Z', '覃小红');
  await open('CS-2', world.staffB.staffNumber, world.promisedB.code, '2026-09-02T02:00:00Z', '黄大明');
  // 2026-09-02 23:30 China time: the last day of the range below.
  await open('CS-3', world.staffA.staffNumber, world.immediate.code, '2026-09-02T15:30:00Z', '蒙小兰');
  clock.set('2026-09-03T01:00:00Z');
  const rated = await app().inject({
    method: 'POST',
    url: '/api/v1/ratings',
    payload: {
      caseNumber: 'CS-1',
      occasion: 'completion',
      rater: { name: a.name, idType: a.idType, idNumber: a.idNumber },
      level: 'satisfied',
      channel: 'hotline',
    },
    headers: { authorization: `Bearer ${world.channelKeys.hotline ?? world.channelKeys.app}` },
  });
  expect(rated.statusCode, rated.body).toBe(201);
  qingxiu = await signedIn(services(), 'supervisor', { regionCode: '450103' });
});

const find = async (query: string, token?: string) => {
  const res = await app().inject({ url: `/api/v1/case-search?${query}`, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.statusCode, body: res.json() };
};

describe('finding a case: did my rating arrive?', () => {
  it('by number: its occasions, deadline and rating; the applicant masked', async () => {
    const { status, body } = await find('caseNumber=CS-1');
    expect(status).toBe(200);
    expect(body.total).toBe(1);
    const found = body.items[0];
    expect(found).toMatchObject({ caseNumber: 'CS-1', matterCode: world.immediate.code, agencyCode: world.agencyA.code });
    expect(found.applicant.name).toBe('覃**');
    expect(JSON.stringify(body)).not.toContain('覃小红');
    expect(found.occasions).toEqual([
      expect.objectContaining({ kind: 'completion', status: 'rated', deadline: expect.any(String), rating: expect.objectContaining({ level: 'satisfied' }) }),
    ]);
  });

  it('by a staff member, newest first; by the China days of acceptance', async () => {
    expect((await find(`staffNumber=${world.staffA.staffNumber}`)).body.items.map((c: { caseNumber: string }) => c.caseNumber)).toEqual(['CS-3', 'CS-1']);
    // 2026-09-02 in China time holds CS-2 (10:00) and CS-3 (23:30), not CS-1 (Sept 1).
    expect((await find('from=2026-09-02&to=2026-09-02')).body.items.map((c: { caseNumber: string }) => c.caseNumber)).toEqual(['CS-3', 'CS-2']);
  });

  it("within the scope: Qingxiu's supervisor finds Qingxiu's case and not Xingning's", async () => {
    expect((await find('caseNumber=CS-2', qingxiu)).body.total).toBe(1);
    expect((await find('caseNumber=CS-1', qingxiu)).body).toMatchObject({ total: 0, items: [] });
    expect((await find('from=2026-09-01&to=2026-09-30', qingxiu)).body.items.map((c: { caseNumber: string }) => c.caseNumber)).toEqual(['CS-2']);
  });

  it('needs a filter, days as days, and a person signed in', async () => {
    expect(await find('')).toMatchObject({ status: 400, body: { error: { id: 'validation_failed' } } });
    expect(await find('from=2026-9-1')).toMatchObject({ status: 400, body: { error: { fields: [{ field: '/querystring/from' }] } } });
    const anonymous = await app().inject({ url: '/api/v1/case-search?caseNumber=CS-1', headers: { authorization: '' } });
    expect(anonymous.statusCode).toBe(401);
    const system = await app().inject({ url: '/api/v1/case-search?caseNumber=CS-1', headers: { authorization: `Bearer ${world.businessKey}` } });
    expect(system.statusCode).toBe(403);
  });

  it('R9: a staff member reading the ratings behind their own score sees what was said, not which case or whom', async () => {
    const own = await signedIn(services(), 'staff', { staffNumber: world.staffA.staffNumber });
    const behind = async (token?: string) =>
      (
        await app().inject({
          url: `/api/v1/scores/staff/${world.staffA.staffNumber}/ratings?period=2026-09`,
          headers: token ? { authorization: `Bearer ${token}` } : {},
        })
      ).json().items as { caseNumber: string | null; rater: string | null; level: string }[];
    expect((await behind(own)).map((r) => [r.level, r.caseNumber, r.rater])).toEqual([['satisfied', null, null]]);
    // A supervisor following a rating up sees the case, the rater still masked.
    expect((await behind()).map((r) => [r.caseNumber, r.rater])).toEqual([['CS-1', '覃**']]);
  });
});
