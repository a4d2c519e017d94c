// Issue 14, R10: faked good ratings found on their own, through the API on a
// real database: the fraud-detection job's signals (a staff member rating
// with their own identity; cases opened, completed and rated within seconds;
// one link submitted again and again), the investigation queue of the
// supervisory department in scope, confirmation (the ratings voided, a
// violation recorded and shown on the score page and in rankings, the scores
// moved, `scores verify` clean) and dismissal (nothing moves). A run twice,
// or two runs at once, stores nothing twice.
import { beforeAll, describe, expect, it } from 'vitest';
import { runDetection } from '../../src/app/detection.ts';
import { foldAll, verifyScores } from '../../src/app/scores.ts';
import { createEntity } from '../../src/app/catalogue.ts';
import { systemCaller } from '../../src/app/context.ts';
import { signIn, SourceThrottle } from '../../src/app/users.ts';
import { useTestApp } from '../support/app.ts';
import { signedIn, TEST_PASSWORD } from '../support/auth.ts';
import { buildStaff, residentId } from '../support/factories.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const { app, services, clock, database } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;
const tokens: Record<string, string> = {};
const USERS: Record<string, string> = {};
let seq = 0;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const call = async (who: string, method: 'GET' | 'POST', url: string, payload?: object) => {
  const res = await app().inject({ method, url, payload, headers: { authorization: `Bearer ${tokens[who]}` } });
  return { status: res.statusCode, body: (String(res.headers['content-type']).includes('json') ? res.json() : res.body) as Json };
};
const business = (url: string, payload?: object) => app().inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${world.businessKey}` } });
const rate = (token: string, level = 'very_satisfied') =>
  app().inject({ method: 'POST', url: '/api/v1/ratings', payload: { token, level, channel: 'sms' }, headers: { authorization: '' } });

/** A promised case of agency A at window 1 (staff A), accepted now; returns its acceptance occasion's link. */
async function acceptedCase(applicant = buildApplicant({ phone: `1390000${String(++seq).padStart(4, '0')}` })) {
  const caseNumber = `FD-${++seq}`;
  const created = await business('/api/v1/cases', {
    caseNumber,
    matterCode: world.promised.code,
    applicant,
    staffNumber: world.staffA.staffNumber,
    acceptedAt: clock.now().toISOString(),
  });
  expect(created.statusCode).toBe(201);
  const occasion = (created.json() as { occasions: { id: number; kind: string }[] }).occasions.find((x) => x.kind === 'acceptance')!;
  const token = ((await business(`/api/v1/occasions/${occasion.id}/invitations`)).json() as { token: string }).token;
  return { caseNumber, token };
}

const suspicion = async () => (await call('supXingning', 'GET', '/api/v1/findings/suspicion?dimension=window&from=2026-11-01&to=2026-11-30')).body;
const detect = () => runDetection({ ...services(), now: () => clock.now() }, clock.now());
const investigations = async (who = 'supXingning') => (await call(who, 'GET', '/api/v1/findings?workflow=investigation&status=all&pageSize=100')).body;
const agencyScore = async () => (await call('admin', 'GET', `/api/v1/scores/agencies/${world.agencyA.code}?period=2026-11`)).body;
const count = async (table: 'fraud_signal' | 'finding' | 'violation') =>
  Number(
    (
      await database()
        .db.selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

async function moveClock(to: string | number) {
  if (typeof to === 'number') clock.advance(to);
  else clock.set(to);
  for (const [who, username] of Object.entries(USERS))
    tokens[who] = (
      await signIn(services(), { actor: { type: 'anonymous' }, sourceIp: '127.0.0.1' }, new SourceThrottle(), { username, password: TEST_PASSWORD })
    ).token;
}

let ownId: string;

beforeAll(async () => {
  await moveClock('2026-11-09T02:00:00Z');
  world = await buildWorld(services(), 'FD');
  // A staff member of agency A whose identity document the detection must recognise (keyed hashes only, R9).
  ownId = residentId(7001, '450102', '19880808');
  await createEntity(
    services(),
    systemCaller('test'),
    'staff',
    buildStaff({ staffNumber: 'FD-OWN', agencyCode: world.agencyA.code, idNumber: ownId, phone: '13912340000' }),
  );
  tokens.admin = await signedIn(services(), 'admin', undefined, (USERS.admin = 'fd-admin'));
  tokens.supXingning = await signedIn(services(), 'supervisor', { regionCode: '450102000000' }, (USERS.supXingning = 'fd-sup-xingning'));
  tokens.supQingxiu = await signedIn(services(), 'supervisor', { regionCode: '450103000000' }, (USERS.supQingxiu = 'fd-sup-qingxiu'));
  tokens.agencyA = await signedIn(services(), 'agency_manager', { agencyCode: world.agencyA.code }, (USERS.agencyA = 'fd-agency-a'));
  tokens.auditor = await signedIn(services(), 'auditor', undefined, (USERS.auditor = 'fd-auditor'));
  // Honest ratings at the same window the days before: the scores to compare with.
  for (let i = 0; i < 6; i++) {
    const { token } = await acceptedCase();
    expect((await rate(token, i % 2 ? 'satisfied' : 'very_satisfied')).statusCode).toBe(201);
    await moveClock(3 * 3_600_000);
  }
});

describe('R10: a staff member rating with their own identity', () => {
  it('is found by the job, explained, and held in the 兴宁区 department’s queue — not shown to the agency', async () => {
    await moveClock('2026-11-10T03:00:00Z');
    const { token } = await acceptedCase(buildApplicant({ name: '张三', idNumber: ownId, phone: '13912340001' }));
    expect((await rate(token)).statusCode).toBe(201);
    const run = await detect();
    expect(run.newSignals).toBeGreaterThanOrEqual(1);
    const list = await investigations();
    const own = (list.items as Json[]).find((i) => i.subject.type === 'staff');
    expect(own).toMatchObject({ state: 'open', regionCode: '450102000000', agencyCode: world.agencyA.code });
    expect(own!.subject.name).toContain('工号 FD-OWN');
    const detail = (await call('supXingning', 'GET', `/api/v1/findings/${own!.id}`)).body;
    const signal = (detail.investigation.signals as Json[]).find((s) => s.kind === 'staff_identity')!;
    expect(signal.explanation).toMatch(/[\u4e00-\u9fa5]/);
    // Evidence names which identity matched, never a whole hash (R9).
    expect(JSON.stringify(signal.evidence)).not.toMatch(/[0-9a-f]{32}/i);
    expect(detail.investigation.ratings).toHaveLength(1);
    expect(detail.investigation.ratings[0]).toMatchObject({ counts: true, level: 'very_satisfied' });
    expect(detail.allowedSteps).toEqual(['confirm', 'dismiss']);
    // The agency under suspicion does not see investigations; another district does not either.
    expect((await call('agencyA', 'GET', '/api/v1/findings?workflow=investigation')).status).toBe(403);
    expect((await call('agencyA', 'GET', `/api/v1/findings/${own!.id}`)).status).toBe(404);
    expect((await call('supQingxiu', 'GET', `/api/v1/findings/${own!.id}`)).status).toBe(404);
    expect((await investigations('supQingxiu')).items).toEqual([]);
    // The auditor reads it.
    expect((await call('auditor', 'GET', `/api/v1/findings/${own!.id}`)).status).toBe(200);
  });

  it('a run twice, and two runs at once, store nothing twice', async () => {
    const before = { signals: await count('fraud_signal'), findings: await count('finding') };
    await detect();
    await Promise.all([detect(), detect()]);
    expect({ signals: await count('fraud_signal'), findings: await count('finding') }).toEqual(before);
  });

  it('dismissed with a reason: the rating keeps counting; without one, 400 and nothing changes', async () => {
    const own = ((await investigations()).items as Json[]).find((i) => i.subject.type === 'staff')!;
    await foldAll(database().db);
    const before = await agencyScore();
    const bad = await call('supXingning', 'POST', `/api/v1/findings/${own.id}/steps`, { event: 'dismiss' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].field).toBe('/body/reason');
    expect((await call('agencyA', 'POST', `/api/v1/findings/${own.id}/steps`, { event: 'dismiss', reason: 'x' })).status).toBe(404);
    const done = await call('supXingning', 'POST', `/api/v1/findings/${own.id}/steps`, {
      event: 'dismiss',
      reason: '核实为工作人员本人办理个人事项，评价真实',
      version: own.version,
    });
    expect(done.status).toBe(200);
    expect(done.body.state).toBe('dismissed');
    expect((await call('supXingning', 'POST', `/api/v1/findings/${own.id}/steps`, { event: 'confirm', reason: '再次' })).body.error.id).toBe(
      'transition_not_allowed',
    );
    await foldAll(database().db);
    expect((await agencyScore()).count).toBe(before.count);
    const audit = (await call('auditor', 'GET', `/api/v1/audit?subjectType=finding&subjectId=${own.id}`)).body;
    expect((audit.items as Json[]).map((e) => e.action)).toEqual(expect.arrayContaining(['findings.investigation.dismiss', 'findings.investigation.refused']));
  });
});

describe('R10: cases opened, completed and rated within seconds, again and again, at one window', () => {
  let investigationId: number;

  it('fires at the threshold (5 in a day) and not below it', async () => {
    await moveClock('2026-11-11T02:00:00Z');
    const quick = async () => {
      const { caseNumber, token } = await acceptedCase();
      await moveClock(20_000);
      expect(
        (await business(`/api/v1/cases/${caseNumber}/complete`, { completedAt: clock.now().toISOString(), staffNumber: world.staffA.staffNumber })).statusCode,
      ).toBe(200);
      const completion = (
        (await app().inject({ method: 'GET', url: `/api/v1/cases/${caseNumber}`, headers: { authorization: `Bearer ${world.businessKey}` } })).json() as Json
      ).occasions.find((o: Json) => o.kind === 'completion');
      const link = ((await business(`/api/v1/occasions/${completion.id}/invitations`)).json() as { token: string }).token;
      await moveClock(30_000);
      expect((await rate(link)).statusCode).toBe(201);
      await moveClock(10 * 60_000);
      // The acceptance is rated later, as an honest applicant would (it is not a quick case's rating).
      expect((await rate(token)).statusCode).toBe(201);
    };
    for (let i = 0; i < 4; i++) await quick();
    await detect();
    const early = ((await investigations()).items as Json[]).filter((i) => i.subject.type === 'window' && i.state === 'open');
    const kinds = early[0]
      ? ((await call('supXingning', 'GET', `/api/v1/findings/${early[0].id}`)).body.investigation.signals as Json[]).map((s) => s.explanation)
      : [];
    expect(kinds).toEqual([]);
    await quick();
    await detect();
    const window = ((await investigations()).items as Json[]).find((i) => i.subject.type === 'window' && i.state === 'open')!;
    expect(window).toBeDefined();
    investigationId = window.id;
    const detail = (await call('supXingning', 'GET', `/api/v1/findings/${window.id}`)).body;
    expect((detail.investigation.signals as Json[]).map((s) => s.kind)).toContain('quick_cases');
    expect(detail.investigation.peers.length).toBeGreaterThan(0);
  });

  it('each window and agency has a period suspicion score, within the scope', async () => {
    const windows = (await call('supXingning', 'GET', '/api/v1/findings/suspicion?dimension=window&from=2026-11-01&to=2026-11-30')).body;
    const top = (windows.items as Json[])[0]!;
    expect(top.flagged).toBeGreaterThanOrEqual(5);
    expect(top.score).toBeGreaterThan(0);
    expect(top.score).toBeLessThanOrEqual(1);
    expect(top.name).toContain('号窗口');
    const agencies = (await call('supXingning', 'GET', '/api/v1/findings/suspicion?dimension=agency&from=2026-11-01&to=2026-11-30')).body;
    expect((agencies.items as Json[]).map((a) => a.key)).toContain(world.agencyA.code);
    // Another district's department sees none of it; the agency may not read scores of suspicion at all.
    expect((await call('supQingxiu', 'GET', '/api/v1/findings/suspicion?dimension=window&from=2026-11-01&to=2026-11-30')).body.items).toEqual([]);
    expect((await call('agencyA', 'GET', '/api/v1/findings/suspicion?dimension=agency&from=2026-11-01&to=2026-11-30')).status).toBe(403);
  });

  it('confirmed: the flagged ratings are voided, a violation is recorded, the score moves and shows the violation; scores verify clean', async () => {
    await foldAll(database().db);
    const before = await agencyScore();
    expect(before.marks.violations).toBe(0);
    const detail = (await call('supXingning', 'GET', `/api/v1/findings/${investigationId}`)).body;
    const flagged = (detail.investigation.ratings as Json[]).filter((r) => r.counts);
    expect(flagged.length).toBeGreaterThanOrEqual(5);
    const flaggedBefore = ((await suspicion()).items as Json[]).find((w) => w.key === detail.subject.key)!.flagged;
    // A rating the investigation does not flag cannot be voided through it.
    const stray = await call('supXingning', 'POST', `/api/v1/findings/${investigationId}/steps`, { event: 'confirm', reason: '刷好评', ratingIds: [1] });
    expect(stray.status).toBe(400);
    const done = await call('supXingning', 'POST', `/api/v1/findings/${investigationId}/steps`, {
      event: 'confirm',
      reason: '窗口人员代替群众点击"非常满意"，经调取监控核实',
      against: 'agency',
    });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ state: 'confirmed', details: { decision: { kind: 'confirmed', voided: flagged.length, against: 'agency' } } });
    await foldAll(database().db);
    const after = await agencyScore();
    expect(after.count).toBe(before.count - flagged.length);
    expect(after.marks.violations).toBe(1);
    const ranking = (await call('admin', 'GET', '/api/v1/rankings/agencies?period=2026-11&minCount=1')).body;
    expect((ranking.items as Json[]).find((e) => e.key === world.agencyA.code)!.marks.violations).toBe(1);
    expect((ranking.items as Json[]).find((e) => e.key === world.agencyB.code)?.marks.violations ?? 0).toBe(0);
    expect(await count('violation')).toBe(1);
    // The voided ratings no longer weigh in the window's period suspicion score.
    const flaggedAfter = ((await suspicion()).items as Json[]).find((w) => w.key === detail.subject.key)?.flagged ?? 0;
    expect(flaggedAfter).toBe(flaggedBefore - flagged.length);
    const verify = await verifyScores(database().db);
    expect(verify.differences).toEqual([]);
    expect(verify.ledgerMismatches).toBe(0);
  });
});

describe('R10: the thresholds of the detection are told to those who investigate only', () => {
  it('a supervisor and an auditor read them in the policy; the agency does not', async () => {
    expect((await call('supXingning', 'GET', '/api/v1/policy')).body.inForce.numbers.detection.quickCases.count).toBe(5);
    expect((await call('auditor', 'GET', '/api/v1/policy')).body.inForce.numbers.detection).toBeDefined();
    const agency = (await call('agencyA', 'GET', '/api/v1/policy')).body;
    expect(agency.inForce.numbers.detection).toBeUndefined();
    expect(agency.inForce.numbers.replacement.bottomN).toBe(3);
    expect((agency.versions as Json[]).every((v) => v.numbers.detection === undefined)).toBe(true);
  });
});

describe('R10: one link submitted again and again', () => {
  it('is a signal even when every later submission is refused', async () => {
    await moveClock('2026-11-12T02:00:00Z');
    const { token } = await acceptedCase();
    expect((await rate(token)).statusCode).toBe(201);
    for (let i = 0; i < 4; i++) expect((await rate(token, 'satisfied')).statusCode).toBe(409);
    await detect();
    const signals = await database().db.selectFrom('fraud_signal').select(['kind', 'explanation']).where('kind', '=', 'link_repeat').execute();
    expect(signals.length).toBeGreaterThanOrEqual(1);
  });
});
