// R12, R13: the rectification rate (整改率) — rectified on time ÷ due in the
// period — on the score of an agency and a region, as a column of their
// rankings and exports, and in the public API. Rectifications are made
// through the real loop (a case, a negative rating through its link, a
// supervisor confirming it, the agency recording its measures) and the
// deadline job runs on the fake clock. See docs/decisions.md, "Rectification
// rate".
import { beforeAll, describe, expect, it } from 'vitest';
import { runDeadlines } from '../../src/app/supervision.ts';
import { signIn, SourceThrottle } from '../../src/app/users.ts';
import { useTestApp } from '../support/app.ts';
import { signedIn, TEST_PASSWORD } from '../support/auth.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const { app, services, clock } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;
const tokens: Record<string, string> = {};
const USERS: Record<string, string> = {};
let seq = 0;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// The rater, whose identity must appear nowhere (R9, R13).
const RATER = buildApplicant({ name: '韦秀英', phone: '13977001357' });

const call = async (who: string, method: 'GET' | 'POST', url: string, payload?: object) => {
  const res = await app().inject({ method, url, payload, headers: { authorization: `Bearer ${tokens[who]}` } });
  return { status: res.statusCode, text: res.body, body: (String(res.headers['content-type']).includes('json') ? res.json() : null) as Json };
};
const anonymous = async (method: 'GET' | 'POST', url: string, payload?: object) => {
  const res = await app().inject({ method, url, payload, headers: { authorization: '' } });
  return { status: res.statusCode, text: res.body, body: res.json() as Json };
};

/** Moves the fake clock; sessions idle for 8 hours end, so everyone signs in again. */
async function moveClock(to: string) {
  clock.set(to);
  for (const [who, username] of Object.entries(USERS))
    tokens[who] = (
      await signIn(services(), { actor: { type: 'anonymous' }, sourceIp: '127.0.0.1' }, new SourceThrottle(), { username, password: TEST_PASSWORD })
    ).token;
}

/**
 * A negative rating of a case of agency A (兴宁区) or B (青秀区), confirmed in
 * verification now: its rectification is due 24:00 of the 15th natural day
 * (R12). Returns the rating and its rectification item.
 */
async function rectification(agency: 'A' | 'B') {
  const business = (url: string, payload?: object) => app().inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${world.businessKey}` } });
  const created = await business('/api/v1/cases', {
    caseNumber: `RR-${++seq}`,
    matterCode: agency === 'A' ? world.promised.code : world.promisedB.code,
    applicant: RATER,
    staffNumber: agency === 'A' ? world.staffA.staffNumber : world.staffB.staffNumber,
    acceptedAt: clock.now().toISOString(),
  });
  expect(created.statusCode).toBe(201);
  const occasion = (created.json() as { occasions: { id: number; kind: string }[] }).occasions.find((x) => x.kind === 'acceptance')!;
  const invitation = (await business(`/api/v1/occasions/${occasion.id}/invitations`)).json() as { token: string };
  // No tags and no text: no review (R6), straight to verification (R12).
  const rated = await anonymous('POST', '/api/v1/ratings', { token: invitation.token, level: 'very_dissatisfied', channel: 'sms', tags: [], comment: null });
  expect(rated.status).toBe(201);
  const ratingId = rated.body.id as number;
  const supervisor = agency === 'A' ? 'supXingning' : 'supQingxiu';
  const verification = await itemOf(ratingId, 'verification', supervisor);
  expect((await step(supervisor, verification.id, { event: 'confirm', findings: '经调取录像，情况属实' })).status).toBe(200);
  return { ratingId, item: await itemOf(ratingId, 'rectification', supervisor) };
}

const itemOf = async (ratingId: number, workflow: string, who: string) =>
  ((await call(who, 'GET', `/api/v1/supervision/items?rating=${ratingId}&status=all`)).body.items as Json[]).filter((i) => i.workflow === workflow).at(-1)!;
const step = (who: string, itemId: number, body: object) => call(who, 'POST', `/api/v1/supervision/items/${itemId}/steps`, body);
const complete = async (who: 'agencyA' | 'agencyB', itemId: number) => {
  const done = await step(who, itemId, { event: 'complete', measures: '已对窗口人员批评教育，优化办理流程' });
  expect(done.status).toBe(200);
  return done.body;
};
const score = async (path: string, query = 'period=2026-11') => {
  const res = await call('admin', 'GET', `/api/v1/scores/${path}?${query}`);
  expect(res.status).toBe(200);
  return res.body;
};
const rateOf = async (path: string, query?: string) => (await score(path, query)).rectification;
const figures = (due: number, onTime: number) => ({ due, onTime, rate: due ? onTime / due : null });

const items: Record<string, { ratingId: number; item: Json }> = {};

beforeAll(async () => {
  await moveClock('2026-10-16T02:00:00Z');
  world = await buildWorld(services(), 'RR');
  tokens.admin = await signedIn(services(), 'admin', undefined, (USERS.admin = 'rr-admin'));
  tokens.supXingning = await signedIn(services(), 'supervisor', { regionCode: '450102000000' }, (USERS.supXingning = 'rr-sup-xingning'));
  tokens.supQingxiu = await signedIn(services(), 'supervisor', { regionCode: '450103000000' }, (USERS.supQingxiu = 'rr-sup-qingxiu'));
  tokens.agencyA = await signedIn(services(), 'agency_manager', { agencyCode: world.agencyA.code }, (USERS.agencyA = 'rr-agency-a'));
  tokens.agencyB = await signedIn(services(), 'agency_manager', { agencyCode: world.agencyB.code }, (USERS.agencyB = 'rr-agency-b'));

  // October 16 (China): due 24:00 of October 31, i.e. 2026-11-01 00:00 China time; done on time.
  items.october = await rectification('A');
  expect(items.october.item.dueAt).toBe('2026-10-31T16:00:00.000Z');
  await moveClock('2026-10-20T02:00:00Z');
  await complete('agencyA', items.october.item.id);

  // November 2: five rectifications of A and B, all due 24:00 of November 17.
  await moveClock('2026-11-02T02:00:00Z');
  for (const name of ['onTime', 'late', 'neverDone', 'cancelled']) items[name] = await rectification('A');
  items.otherAgency = await rectification('B');
  expect(items.late!.item.dueAt).toBe('2026-11-17T16:00:00.000Z');
  // Cancelled: the agency's appeal is upheld, the rating voided, its open items cancelled.
  const appeal = await call('agencyA', 'POST', `/api/v1/ratings/${items.cancelled!.ratingId}/appeals`, { reason: '评价人系恶意报复，已有录像为证' });
  expect(appeal.status).toBe(201);
  expect((await step('supXingning', appeal.body.id, { event: 'uphold', reason: '经复核，评价与事实明显不符' })).status).toBe(200);
  expect((await itemOf(items.cancelled!.ratingId, 'rectification', 'supXingning')).state).toBe('cancelled');

  // November 4: due November 19, extended into December (R12: the reason is recorded).
  await moveClock('2026-11-04T02:00:00Z');
  items.extended = await rectification('A');
  const extended = await step('supXingning', items.extended.item.id, { event: 'extend', reason: '涉及跨部门协调，延期办理', newDueAt: '2026-12-05' });
  expect(extended.body.dueAt).toBe('2026-12-05T16:00:00.000Z');

  await moveClock('2026-11-05T02:00:00Z');
  await complete('agencyA', items.onTime!.item.id);
  await complete('agencyB', items.otherAgency!.item.id);
});

describe('R12: what is due in a period, and what was done on time', () => {
  it('before their deadline, open rectifications are not due yet; one done early already counts, on time', async () => {
    await moveClock('2026-11-10T02:00:00Z');
    expect(await rateOf(`agencies/${world.agencyA.code}`)).toEqual(figures(1, 1));
    expect(await rateOf(`agencies/${world.agencyB.code}`)).toEqual(figures(1, 1));
  });

  it('once the deadline passes: on time, late and never done all count as due; cancelled and extended ones do not', async () => {
    await moveClock('2026-11-15T02:00:00Z');
    // Due 24:00 of November 30: the last instant of the month.
    items.lastDay = await rectification('A');
    expect(items.lastDay.item.dueAt).toBe('2026-11-30T16:00:00.000Z');

    await moveClock('2026-11-18T02:00:00Z');
    const run = await runDeadlines(services(), clock.now());
    expect(run.flagged).toBe(2); // late and neverDone (onTime is done, cancelled is closed, extended moved)
    const late = await complete('agencyA', items.late!.item.id);
    expect(late.details.onTime).toBe(false);
    // onTime, late and neverDone; lastDay is still open before its deadline.
    expect(await rateOf(`agencies/${world.agencyA.code}`)).toEqual(figures(3, 1));

    // Recorded at 24:00 itself: late.
    await moveClock('2026-11-30T16:00:00Z');
    expect((await complete('agencyA', items.lastDay.item.id)).details.onTime).toBe(false);

    await moveClock('2026-12-10T02:00:00Z');
    await runDeadlines(services(), clock.now());
    expect(await rateOf(`agencies/${world.agencyA.code}`)).toEqual(figures(4, 1));
    expect((await rateOf(`agencies/${world.agencyA.code}`)).rate).toBe(0.25);
  });

  it('a deadline of 24:00 of a period’s last day is due in that period, not the next', async () => {
    const a = `agencies/${world.agencyA.code}`;
    expect(await rateOf(a, 'period=2026-10')).toEqual(figures(1, 1)); // due 24:00 October 31
    expect(await rateOf(a, 'from=2026-11-01&to=2026-11-30')).toEqual(figures(4, 1));
    expect(await rateOf(a, 'from=2026-11-01&to=2026-11-29')).toEqual(figures(3, 1)); // without lastDay
    // December: only the extended one (due 24:00 December 5, past and not done); lastDay is November's.
    expect(await rateOf(a, 'period=2026-12')).toEqual(figures(1, 0));
    expect(await rateOf(a, 'from=2026-12-01&to=2026-12-04')).toEqual(figures(0, 0));
    expect(await rateOf(a, 'period=2026-Q4')).toEqual(figures(6, 2));
    expect(await rateOf(a, 'period=2026')).toEqual(figures(6, 2));
    expect(await rateOf(a, 'period=2026-09')).toEqual({ due: 0, onTime: 0, rate: null });
  });
});

describe('R3, R13: agencies and regions', () => {
  it('a region counts its whole subtree; scope=level only its own agencies; the other dimensions have none', async () => {
    expect(await rateOf('regions/450102')).toEqual(figures(4, 1)); // 兴宁区: agency A
    expect(await rateOf('regions/450103')).toEqual(figures(1, 1)); // 青秀区: agency B
    expect(await rateOf('regions/450100')).toEqual(figures(5, 2)); // 南宁市: both
    expect(await rateOf('regions/450000')).toEqual(figures(5, 2));
    expect(await rateOf('regions/450100', 'period=2026-11&scope=level')).toEqual({ due: 0, onTime: 0, rate: null });
    expect(await rateOf('regions/450102', 'period=2026-11&scope=level')).toEqual(figures(4, 1));
    expect(await rateOf('regions/450202')).toEqual({ due: 0, onTime: 0, rate: null }); // 柳州市城中区: nothing
    expect(await rateOf(`staff/${world.staffA.staffNumber}`)).toBeNull();
    expect(await rateOf(`business-lines/${world.line.code}`)).toBeNull();
    expect(await rateOf(`centers/${world.center.code}`)).toBeNull();
  });

  it('as of a past instant there is no rate (the items cannot say what it was then)', async () => {
    const then = await score(`agencies/${world.agencyA.code}`, 'period=2026-11&asOf=2026-12-01T00:00:00Z');
    expect(then).toMatchObject({ asOf: '2026-12-01T00:00:00.000Z', rectification: null });
  });

  it('the rankings carry the same figures as the scores, for every entry of the page', async () => {
    const agencies = (await call('admin', 'GET', '/api/v1/rankings/agencies?period=2026-11&minCount=0')).body;
    const byKey = (ranking: Json) => Object.fromEntries((ranking.items as Json[]).map((e) => [e.key, e.rectification]));
    expect(byKey(agencies)).toEqual({
      [world.agencyA.code]: await rateOf(`agencies/${world.agencyA.code}`),
      [world.agencyB.code]: await rateOf(`agencies/${world.agencyB.code}`),
    });
    expect(byKey(agencies)[world.agencyA.code]).toEqual(figures(4, 1));

    const regions = byKey((await call('admin', 'GET', '/api/v1/rankings/regions?period=2026-11&within=450100&minCount=0')).body);
    expect(regions['450102000000']).toEqual(await rateOf('regions/450102'));
    expect(regions['450103000000']).toEqual(await rateOf('regions/450103'));
    const cities = byKey((await call('admin', 'GET', '/api/v1/rankings/regions?period=2026-11&minCount=0')).body);
    expect(cities['450100000000']).toEqual(figures(5, 2));
    const level = byKey((await call('admin', 'GET', '/api/v1/rankings/regions?period=2026-11&within=450100&minCount=0&scope=level')).body);
    expect(level['450102000000']).toEqual(await rateOf('regions/450102', 'period=2026-11&scope=level'));

    const staff = (await call('admin', 'GET', '/api/v1/rankings/staff?period=2026-11&minCount=0')).body.items as Json[];
    expect(staff.length).toBeGreaterThan(0);
    expect(staff.every((e) => e.rectification === null)).toBe(true);
    const then = (await call('admin', 'GET', '/api/v1/rankings/agencies?period=2026-11&minCount=0&asOf=2026-12-01T00:00:00Z')).body.items as Json[];
    expect(then.every((e) => e.rectification === null)).toBe(true);
  });

  it('the ranking’s export has the rate columns for agencies and regions, not for staff', async () => {
    const csv = (await call('admin', 'GET', '/api/v1/rankings/agencies/export.csv?period=2026-11&minCount=0')).text.replace(/^\uFEFF/, '');
    const [header, ...rows] = csv
      .trim()
      .split('\n')
      .map((line) => line.split(','));
    // Issue 14: the marks' two columns (violations, key target) follow the rate's three.
    expect(header!.slice(-5, -2)).toEqual(['应整改数', '按期整改数', '整改率']);
    expect(header!.slice(-2)).toEqual(['刷好评违规数', '重点测评对象']);
    expect(rows.find((r) => r[1] === world.agencyA.code)!.slice(-5, -2)).toEqual(['4', '1', '0.25']);
    expect(rows.find((r) => r[1] === world.agencyB.code)!.slice(-5, -2)).toEqual(['1', '1', '1']);
    const staff = (await call('admin', 'GET', '/api/v1/rankings/staff/export.csv?period=2026-11&minCount=0')).text;
    expect(staff).not.toContain('整改率');
  });

  it('a supervisor reads the rate of what is in their region only', async () => {
    const own = await call('supQingxiu', 'GET', '/api/v1/scores/regions/450103?period=2026-11');
    expect(own.body.rectification).toEqual(figures(1, 1));
    expect((await call('supQingxiu', 'GET', '/api/v1/scores/regions/450102?period=2026-11')).status).toBe(404);
    const ranking = (await call('supQingxiu', 'GET', '/api/v1/rankings/agencies?period=2026-11&minCount=0')).body.items as Json[];
    expect(ranking.map((e) => [e.key, e.rectification])).toEqual([[world.agencyB.code, figures(1, 1)]]);
  });
});

describe('R13: the public API', () => {
  it('publishes the rate of agencies and regions, null for business lines', async () => {
    const agencies = await anonymous('GET', '/api/v1/public/rankings/agencies?period=2026-11');
    expect(agencies.status).toBe(200);
    const a = (agencies.body.items as Json[]).find((e) => e.key === world.agencyA.code)!;
    expect(a.rectification).toEqual(figures(4, 1));
    const regions = await anonymous('GET', '/api/v1/public/rankings/regions?period=2026-11&within=450100');
    expect((regions.body.items as Json[]).find((e) => e.key === '450102000000')!.rectification).toEqual(figures(4, 1));
    const city = await anonymous('GET', '/api/v1/public/scores/regions/450100?period=2026-11');
    expect(city.body.rectification).toEqual(figures(5, 2));
    expect((await anonymous('GET', `/api/v1/public/scores/agencies/${world.agencyB.code}?period=2026-11`)).body.rectification).toEqual(figures(1, 1));
    const lines = await anonymous('GET', '/api/v1/public/rankings/business-lines?period=2026-11');
    expect((lines.body.items as Json[]).every((e) => e.rectification === null)).toBe(true);
  });

  it('no rater identity anywhere the rate is shown (R9, R13)', async () => {
    const answers = [
      await anonymous('GET', '/api/v1/public/rankings/agencies?period=2026'),
      await anonymous('GET', '/api/v1/public/scores/regions/450100?period=2026'),
      await call('admin', 'GET', `/api/v1/scores/agencies/${world.agencyA.code}?period=2026`),
      await call('admin', 'GET', '/api/v1/rankings/regions?period=2026&minCount=0'),
      await call('admin', 'GET', '/api/v1/rankings/agencies/export.csv?period=2026&minCount=0'),
    ];
    for (const { status, text } of answers) {
      expect(status).toBe(200);
      for (const secret of [RATER.name, '韦*', RATER.idNumber, RATER.phone!, '139****1357']) expect(text).not.toContain(secret);
    }
  });
});
