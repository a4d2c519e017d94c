// R4-R9 through the API on both databases: cases from business systems,
// ratings from every channel, every refusal, concurrency and retries.
import { systemCaller } from '../../src/app/context.ts';
import { sql } from 'kysely';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runJobsNow } from '../../src/jobs/scheduler.ts';
import { RATER_CHANNELS } from '../../src/domain/ratings.ts';
import { useTestApp } from '../support/app.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const { app, database, clock, services } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;
let caseSeq = 0;

type Method = 'GET' | 'POST';
async function call(method: Method, url: string, payload?: object, key?: string, headers: Record<string, string> = {}) {
  const res = await app().inject({ method, url, payload, headers: { authorization: key ? `Bearer ${key}` : '', ...headers } });
  return { status: res.statusCode, body: res.json() };
}
const business = (method: Method, url: string, payload?: object) => call(method, url, payload, world.businessKey);
const ratingCount = async () => (await sql<{ n: number }>`select count(*)::int as n from rating`.execute(database().db)).rows[0]!.n;

async function newCase(kind: 'immediate' | 'promised', o: Record<string, unknown> = {}) {
  const applicant = buildApplicant();
  const res = await business('POST', '/api/v1/cases', {
    caseNumber: `CASE-${++caseSeq}`,
    matterCode: kind === 'immediate' ? world.immediate.code : world.promised.code,
    applicant,
    staffNumber: world.staffA.staffNumber,
    acceptedAt: clock.now().toISOString(),
    ...o,
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return { ...res.body, applicantIdentity: applicant };
}
const rater = (c: { applicantIdentity: { name: string; idType: string; idNumber: string } }) => ({
  name: c.applicantIdentity.name,
  idType: c.applicantIdentity.idType,
  idNumber: c.applicantIdentity.idNumber,
});

beforeAll(async () => {
  clock.set('2026-03-02T02:00:00Z');
  world = await buildWorld(services());
});
beforeEach(() => clock.set('2026-03-02T02:00:00Z'));

describe('cases and their occasions (R7)', () => {
  it('an immediate case has one occasion, at completion, until 24:00 of day D+7', async () => {
    const c = await newCase('immediate');
    expect(c.kind).toBe('immediate');
    expect(c.completedAt).toBe(c.acceptedAt);
    expect(c.occasions).toEqual([
      expect.objectContaining({
        kind: 'completion',
        status: 'open',
        staffNumber: world.staffA.staffNumber,
        agencyCode: world.agencyA.code,
        deadline: '2026-03-09T16:00:00.000Z',
      }),
    ]);
    expect(c.applicant).toEqual({ name: '张**', idType: 'resident_id', idNumber: expect.stringMatching(/^4501\*{10}\d{3}[\dX]$/), phone: '138****1234' });
  });

  it('a promised case has acceptance now and completion when completed — by whoever completes it', async () => {
    const c = await newCase('promised');
    expect(c.occasions.map((o: { kind: string }) => o.kind)).toEqual(['acceptance']);
    clock.set('2026-03-05T03:00:00Z');
    const done = await business('POST', `/api/v1/cases/${c.caseNumber}/complete`, {
      completedAt: clock.now().toISOString(),
      staffNumber: world.staffB.staffNumber,
    });
    expect(done.status).toBe(200);
    expect(done.body.occasions.map((o: { kind: string; agencyCode: string }) => [o.kind, o.agencyCode])).toEqual([
      ['acceptance', world.agencyA.code],
      ['completion', world.agencyB.code],
    ]);
    const again = await business('POST', `/api/v1/cases/${c.caseNumber}/complete`, {
      completedAt: clock.now().toISOString(),
      staffNumber: world.staffB.staffNumber,
    });
    expect(again.status).toBe(200);
    const other = await business('POST', `/api/v1/cases/${c.caseNumber}/complete`, {
      completedAt: '2026-03-05T02:30:00Z',
      staffNumber: world.staffB.staffNumber,
    });
    expect(other.body.error.id).toBe('case_already_completed');
  });

  it('the same case sent again is answered with the stored one; other details are refused', async () => {
    const c = await newCase('promised');
    const body = {
      caseNumber: c.caseNumber,
      matterCode: world.promised.code,
      applicant: c.applicantIdentity,
      staffNumber: world.staffA.staffNumber,
      acceptedAt: c.acceptedAt,
    };
    expect((await business('POST', '/api/v1/cases', body)).status).toBe(200);
    const changed = await business('POST', '/api/v1/cases', { ...body, staffNumber: world.staffB.staffNumber });
    expect(changed.body.error.id).toBe('case_already_exists');
  });

  it.each([
    [{ matterCode: 'NOPE-0000001' }, 400, 'invalid_reference', '/body/matterCode'],
    [{ staffNumber: 'NOBODY' }, 400, 'invalid_reference', '/body/staffNumber'],
    [{ applicant: { name: '张三', idType: 'resident_id', idNumber: '450103198506120000' } }, 400, 'validation_failed', '/body/applicant/idNumber'],
    [{ acceptedAt: '2026-03-03T02:00:00Z' }, 400, 'validation_failed', '/body/acceptedAt'],
  ])('refuses %j', async (change, status, id, field) => {
    const res = await business('POST', '/api/v1/cases', {
      caseNumber: `BAD-${++caseSeq}`,
      matterCode: world.promised.code,
      applicant: buildApplicant(),
      staffNumber: world.staffA.staffNumber,
      acceptedAt: clock.now().toISOString(),
      ...change,
    });
    expect(res.status).toBe(status);
    expect(res.body.error.id).toBe(id);
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('needs a business-system key', async () => {
    expect((await call('GET', '/api/v1/cases/CASE-1')).body.error.id).toBe('authentication_required');
    expect((await call('GET', '/api/v1/cases/CASE-1', undefined, 'hcp_wrong')).body.error.id).toBe('authentication_required');
    expect((await call('GET', '/api/v1/cases/CASE-1', undefined, world.channelKeys.sms)).body.error.id).toBe('forbidden');
  });

  it('keeps the applicant encrypted: no plaintext name, ID number or phone in the table', async () => {
    const applicant = buildApplicant({ name: '覃秘密', phone: '13900009999' });
    await business('POST', '/api/v1/cases', {
      caseNumber: 'SECRET-1',
      matterCode: world.immediate.code,
      applicant,
      staffNumber: world.staffA.staffNumber,
      acceptedAt: clock.now().toISOString(),
    });
    const { rows } = await sql`select * from service_case where case_number = 'SECRET-1'`.execute(database().db);
    const raw = JSON.stringify(rows);
    for (const secret of ['覃秘密', applicant.idNumber, applicant.idNumber.slice(6, 14), '13900009999']) expect(raw).not.toContain(secret);
    const shown = await business('GET', '/api/v1/cases/SECRET-1');
    expect(JSON.stringify(shown.body)).not.toContain(applicant.idNumber);
    expect(shown.body.applicant.name).toBe('覃**');
  });
});

describe('rating by invitation token', () => {
  async function invitation() {
    const c = await newCase('immediate');
    const inv = await business('POST', `/api/v1/occasions/${c.occasions[0].id}/invitations`);
    expect(inv.status).toBe(201);
    return { c, token: inv.body.token as string, expiresAt: inv.body.expiresAt as string };
  }

  it('stores a rating; the same again is answered with it (200); the token then cannot rate anew', async () => {
    const { c, token, expiresAt } = await invitation();
    expect(expiresAt).toBe(c.occasions[0].deadline);
    const body = {
      token,
      level: 'dissatisfied',
      aspects: { efficiency: 'very_dissatisfied' },
      tags: ['efficiency.long_wait'],
      comment: '排队两个小时',
      channel: 'sms',
    };
    const first = await call('POST', '/api/v1/ratings', body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ level: 'dissatisfied', score: 3, negative: true, channel: 'sms', isDefault: false, givenAt: clock.now().toISOString() });
    expect(JSON.stringify(first.body)).not.toMatch(/idNumber|rater|name/);
    const retry = await call('POST', '/api/v1/ratings', body);
    expect(retry).toEqual({ status: 200, body: first.body });
    const before = await ratingCount();
    const reuse = await call('POST', '/api/v1/ratings', { ...body, level: 'very_satisfied' });
    expect(reuse).toMatchObject({ status: 409, body: { error: { id: 'token_already_used' } } });
    expect(await ratingCount()).toBe(before);
    const shown = await business('GET', `/api/v1/cases/${c.caseNumber}`);
    expect(shown.body.occasions[0]).toMatchObject({ status: 'rated', rating: { level: 'dissatisfied', channel: 'sms' } });
  });

  it('refuses an expired token (410) and a tampered one (401), storing nothing', async () => {
    const { token } = await invitation();
    const before = await ratingCount();
    const [body, mac] = token.split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const forged = `${Buffer.from(JSON.stringify({ ...payload, o: payload.o + 1 })).toString('base64url')}.${mac}`;
    expect((await call('POST', '/api/v1/ratings', { token: forged, level: 'satisfied', channel: 'web' })).body.error.id).toBe('invalid_token');
    expect((await call('POST', '/api/v1/ratings', { token: 'garbage', level: 'satisfied', channel: 'web' })).body.error.id).toBe('invalid_token');
    clock.set('2026-03-09T16:00:00Z'); // 24:00 China time of day D+7
    const expired = await call('POST', '/api/v1/ratings', { token, level: 'satisfied', channel: 'web' });
    expect(expired).toMatchObject({ status: 410, body: { error: { id: 'token_expired' } } });
    expect(await ratingCount()).toBe(before);
  });

  it('rates until the last instant before the deadline', async () => {
    const { token } = await invitation();
    clock.set('2026-03-09T15:59:59.999Z');
    expect((await call('POST', '/api/v1/ratings', { token, level: 'satisfied', channel: 'sms' })).status).toBe(201);
  });
});

describe('rating through a channel client (API key + rater identity)', () => {
  it.each(RATER_CHANNELS)('%s', async (channel) => {
    const c = await newCase('immediate');
    const res = await call(
      'POST',
      '/api/v1/ratings',
      { caseNumber: c.caseNumber, occasion: 'completion', rater: rater(c), level: 'very_satisfied', channel },
      world.channelKeys[channel],
    );
    expect(res.status).toBe(201);
    expect(res.body.channel).toBe(channel);
  });

  it('refuses every bad submission with a stable id and stores nothing', async () => {
    const promised = await newCase('promised');
    const immediate = await newCase('immediate');
    const withdrawn = await newCase('promised');
    await business('POST', `/api/v1/cases/${withdrawn.caseNumber}/withdraw`, { reason: '申请人撤回' });
    const ok = { caseNumber: immediate.caseNumber, occasion: 'completion', rater: rater(immediate), level: 'satisfied', channel: 'app' };
    const cases: [string, object, string | undefined, number, string][] = [
      ['unknown case', { ...ok, caseNumber: 'NO-SUCH-CASE' }, world.channelKeys.app, 404, 'case_not_found'],
      [
        'occasion not yet open',
        { ...ok, caseNumber: promised.caseNumber, occasion: 'completion', rater: rater(promised) },
        world.channelKeys.app,
        409,
        'occasion_not_open',
      ],
      ['an occasion the case never has', { ...ok, occasion: 'acceptance' }, world.channelKeys.app, 404, 'occasion_not_found'],
      [
        'withdrawn case',
        { ...ok, caseNumber: withdrawn.caseNumber, occasion: 'acceptance', rater: rater(withdrawn) },
        world.channelKeys.app,
        409,
        'occasion_cancelled',
      ],
      ['level out of range', { ...ok, level: 'excellent' }, world.channelKeys.app, 400, 'validation_failed'],
      ['unknown tag', { ...ok, tags: ['attitude.grumpy'] }, world.channelKeys.app, 400, 'validation_failed'],
      [
        'rater not the applicant',
        { ...ok, rater: { ...rater(immediate), idNumber: rater(promised).idNumber } },
        world.channelKeys.app,
        403,
        'rater_not_applicant',
      ],
      ['right ID, wrong name', { ...ok, rater: { ...rater(immediate), name: '李四' } }, world.channelKeys.app, 403, 'rater_not_applicant'],
      ['anonymous (no rater)', { ...ok, rater: undefined }, world.channelKeys.app, 400, 'validation_failed'],
      ['wrong channel key', ok, 'hcp_not_a_key', 401, 'authentication_required'],
      ['no key and no token', ok, undefined, 401, 'authentication_required'],
      ['key of another channel', ok, world.channelKeys.sms, 403, 'channel_not_allowed'],
      ['business-system key', ok, world.businessKey, 403, 'forbidden'],
      ['channel system', { ...ok, channel: 'system' }, world.channelKeys.app, 400, 'validation_failed'],
    ];
    const before = await ratingCount();
    for (const [what, body, key, status, id] of cases) {
      const res = await call('POST', '/api/v1/ratings', body, key);
      expect({ what, status: res.status, id: res.body.error?.id }).toEqual({ what, status, id });
    }
    expect(await ratingCount()).toBe(before);
  });

  it('refuses a second, different rating (409 rating_already_given); an Idempotency-Key retry gets the first', async () => {
    const c = await newCase('immediate');
    const body = { caseNumber: c.caseNumber, occasion: 'completion', rater: rater(c), level: 'satisfied', channel: 'hotline' };
    const first = await call('POST', '/api/v1/ratings', body, world.channelKeys.hotline, { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(201);
    const second = await call('POST', '/api/v1/ratings', { ...body, level: 'very_dissatisfied' }, world.channelKeys.hotline);
    expect(second).toMatchObject({ status: 409, body: { error: { id: 'rating_already_given' } } });
    const retried = await call('POST', '/api/v1/ratings', { ...body, comment: '补充' }, world.channelKeys.hotline, { 'idempotency-key': 'k-1' });
    expect(retried).toEqual({ status: 200, body: first.body });
  });

  it('50 parallel submissions for one occasion store exactly one', async () => {
    const c = await newCase('immediate');
    const levels = ['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied'];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(
          'POST',
          '/api/v1/ratings',
          { caseNumber: c.caseNumber, occasion: 'completion', rater: rater(c), level: levels[i % 5], comment: `第${i}次`, channel: 'app' },
          world.channelKeys.app,
        ),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.error.id === 'rating_already_given')).toHaveLength(49);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from rating r join occasion o on o.id = r.occasion_id join service_case c on c.id = o.case_id where c.case_number = ${c.caseNumber}`.execute(
      database().db,
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('50 parallel copies of the same rating: one stored, every answer is that rating', async () => {
    const c = await newCase('immediate');
    const body = { caseNumber: c.caseNumber, occasion: 'completion', rater: rater(c), level: 'very_satisfied', channel: 'miniprogram' };
    const results = await Promise.all(Array.from({ length: 50 }, () => call('POST', '/api/v1/ratings', body, world.channelKeys.miniprogram)));
    expect(results.map((r) => r.status).sort()).toEqual([...Array(49).fill(200), 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });
});

describe('R6 default ratings', () => {
  it('are given at the deadline, once, even with two sweepers at the same time', async () => {
    clock.set('2026-04-01T01:00:00Z');
    const made = await Promise.all([newCase('immediate'), newCase('immediate'), newCase('promised')]);
    const rated = made[0]!;
    await call(
      'POST',
      '/api/v1/ratings',
      { caseNumber: rated.caseNumber, occasion: 'completion', rater: rater(rated), level: 'satisfied', channel: 'web' },
      world.channelKeys.web,
    );
    const log = { info() {}, warn() {}, error() {} };
    const db = services();
    const deadline = new Date('2026-04-08T16:00:00Z');
    // A sweep just before the deadline (it may default older occasions of other tests) leaves these open.
    await runJobsNow(db, new Date(deadline.getTime() - 1), log, ['default-ratings']);
    for (const c of made.slice(1)) expect((await business('GET', `/api/v1/cases/${c.caseNumber}`)).body.occasions[0].status).toBe('open');
    clock.set('2026-04-09T01:00:00Z');
    const [a, b] = await Promise.all([runJobsNow(db, deadline, log, ['default-ratings']), runJobsNow(db, deadline, log, ['default-ratings'])]);
    const given = Number(a[0]!.summary.split(' ')[0]) + Number(b[0]!.summary.split(' ')[0]);
    expect(given).toBeGreaterThanOrEqual(2); // the two unrated cases made above (and any older open occasion)
    const again = await runJobsNow(db, deadline, log, ['default-ratings']);
    expect(again[0]!.summary).toMatch(/^0 default/);
    for (const c of made.slice(1)) {
      const shown = await business('GET', `/api/v1/cases/${c.caseNumber}`);
      expect(shown.body.occasions[0]).toMatchObject({
        status: 'defaulted',
        rating: { level: 'very_satisfied', channel: 'system', isDefault: true, givenAt: deadline.toISOString() },
      });
    }
    // …and the defaulted occasion cannot be rated any more.
    const late = await call(
      'POST',
      '/api/v1/ratings',
      { caseNumber: made[1]!.caseNumber, occasion: 'completion', rater: rater(made[1]!), level: 'satisfied', channel: 'web' },
      world.channelKeys.web,
    );
    expect(late).toMatchObject({ status: 409, body: { error: { id: 'occasion_defaulted' } } });
    const { rows } = await sql<{
      dup: number;
    }>`select count(*)::int as dup from (select occasion_id from rating group by occasion_id having count(*) > 1) d`.execute(database().db);
    expect(rows[0]!.dup).toBe(0);
  });
});

describe('R3 attribution is a snapshot', () => {
  it('after a staff transfer, earlier ratings still count for the old agency', async () => {
    clock.set('2026-05-01T01:00:00Z');
    const before = await newCase('immediate', { staffNumber: world.staffA.staffNumber });
    await call(
      'POST',
      '/api/v1/ratings',
      { caseNumber: before.caseNumber, occasion: 'completion', rater: rater(before), level: 'satisfied', channel: 'web' },
      world.channelKeys.web,
    );
    clock.set('2026-05-02T01:00:00Z');
    const t = await app().inject({ method: 'POST', url: `/api/v1/staff/${world.staffA.staffNumber}/transfer`, payload: { agencyCode: world.agencyB.code } });
    expect(t.statusCode).toBe(200);
    clock.set('2026-05-03T01:00:00Z');
    const after = await newCase('immediate', { staffNumber: world.staffA.staffNumber });
    const { rows } = await sql<{ case_number: string; agency_code: string; region_code: string }>`
      select c.case_number, o.agency_code, o.region_code from rating r join occasion o on o.id = r.occasion_id join service_case c on c.id = o.case_id
      where c.case_number = ${before.caseNumber}`.execute(database().db);
    expect(rows).toEqual([{ case_number: before.caseNumber, agency_code: world.agencyA.code, region_code: '450102000000' }]);
    expect(after.occasions[0]).toMatchObject({ agencyCode: world.agencyB.code, regionCode: '450103000000' });
    // Back where they were, for the tests after this one.
    clock.set('2026-05-04T01:00:00Z');
    await app().inject({
      method: 'POST',
      url: `/api/v1/staff/${world.staffA.staffNumber}/transfer`,
      payload: { agencyCode: world.agencyA.code, centerCode: world.center.code, windowNumber: '1' },
    });
  });
});

describe('R8 package services', () => {
  it('rate acceptance, approval, delivery for their staff, and a composite for every agency and region', async () => {
    clock.set('2026-06-01T01:00:00Z');
    const applicant = buildApplicant({ name: '韦小宝' });
    const created = await business('POST', '/api/v1/packages', {
      packageNumber: 'PKG-1',
      name: '开办餐饮店一件事',
      applicant,
      members: [
        { caseNumber: 'PKG-1-A', matterCode: world.promised.code },
        { caseNumber: 'PKG-1-B', matterCode: world.promisedB.code },
      ],
      acceptance: { staffNumber: world.staffA.staffNumber, at: clock.now().toISOString() },
    });
    expect(created.status).toBe(201);
    expect(
      (await business('POST', '/api/v1/packages/PKG-1/stages/delivery', { staffNumber: world.staffB.staffNumber, at: clock.now().toISOString() })).body.error
        .id,
    ).toBe('package_stage_out_of_order');
    clock.set('2026-06-03T01:00:00Z');
    await business('POST', '/api/v1/packages/PKG-1/stages/approval', { staffNumber: world.staffB.staffNumber, at: clock.now().toISOString() });
    clock.set('2026-06-05T01:00:00Z');
    const delivered = await business('POST', '/api/v1/packages/PKG-1/stages/delivery', {
      staffNumber: world.staffA.staffNumber,
      at: clock.now().toISOString(),
    });
    expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
    expect(delivered.body.occasions.map((o: { kind: string; staffNumber: string | null }) => [o.kind, o.staffNumber])).toEqual([
      ['acceptance', world.staffA.staffNumber],
      ['approval', world.staffB.staffNumber],
      ['delivery', world.staffA.staffNumber],
      ['composite', null],
    ]);
    expect(delivered.body.compositeParties).toEqual(
      [
        { agencyCode: world.agencyA.code, regionCode: '450102000000' },
        { agencyCode: world.agencyB.code, regionCode: '450103000000' },
      ].sort((x, y) => x.agencyCode.localeCompare(y.agencyCode)),
    );
    const who = { name: '韦小宝', idType: applicant.idType, idNumber: applicant.idNumber };
    for (const occasion of ['acceptance', 'approval', 'delivery', 'composite']) {
      const res = await call(
        'POST',
        '/api/v1/ratings',
        { packageNumber: 'PKG-1', occasion, rater: who, level: 'very_satisfied', channel: 'app' },
        world.channelKeys.app,
      );
      expect({ occasion, status: res.status }).toEqual({ occasion, status: 201 });
    }
    const member = await call(
      'POST',
      '/api/v1/ratings',
      { caseNumber: 'PKG-1-A', occasion: 'completion', rater: who, level: 'satisfied', channel: 'app' },
      world.channelKeys.app,
    );
    expect(member.body.error.id).toBe('case_in_package');
  });
});

describe('edges found in review', () => {
  it('a token retry that arrives after the deadline still gets the stored rating (R7)', async () => {
    const c = await newCase('immediate');
    const { token } = (await business('POST', `/api/v1/occasions/${c.occasions[0].id}/invitations`)).body;
    clock.set('2026-03-09T15:59:59Z');
    const body = { token, level: 'satisfied', channel: 'sms' };
    const first = await call('POST', '/api/v1/ratings', body);
    clock.set('2026-03-09T16:00:01Z');
    expect(await call('POST', '/api/v1/ratings', body)).toEqual({ status: 200, body: first.body });
    expect((await call('POST', '/api/v1/ratings', { ...body, level: 'dissatisfied' })).body.error.id).toBe('token_already_used');
  });

  it('only the business system that sent a case may invite its applicant', async () => {
    const c = await newCase('immediate');
    const { createClient } = await import('../../src/app/clients.ts');
    const other = await createClient(services(), systemCaller('test'), { name: `other-${caseSeq}`, kind: 'business_system' });
    const res = await call('POST', `/api/v1/occasions/${c.occasions[0].id}/invitations`, undefined, other.key);
    expect(res).toMatchObject({ status: 404, body: { error: { id: 'occasion_not_found' } } });
  });

  it('withdrawing after a deadline passed leaves the owed default to the sweep; package members cannot be withdrawn alone', async () => {
    const c = await newCase('promised');
    clock.set('2026-03-12T00:00:00Z'); // past the acceptance occasion's deadline, before any sweep
    const w = await business('POST', `/api/v1/cases/${c.caseNumber}/withdraw`, { reason: '撤回' });
    expect(w.status).toBe(200);
    await runJobsNow(services(), clock.now(), { info() {}, warn() {}, error() {} }, ['default-ratings']);
    expect((await business('GET', `/api/v1/cases/${c.caseNumber}`)).body.occasions[0]).toMatchObject({ status: 'defaulted' });
    const before = await business('POST', `/api/v1/cases/${c.caseNumber}/withdraw`, { reason: 'again' });
    expect(before.body.error.id).toBe('case_withdrawn');
    expect((await business('POST', '/api/v1/cases/PKG-1-A/withdraw', { reason: 'x' })).body.error.id).toBe('case_in_package');
  });

  it('two copies of one case sent at once: one stored (201), the other answered with it (200)', async () => {
    const body = {
      caseNumber: `TWIN-${++caseSeq}`,
      matterCode: world.promised.code,
      applicant: buildApplicant(),
      staffNumber: world.staffA.staffNumber,
      acceptedAt: clock.now().toISOString(),
    };
    const results = await Promise.all([business('POST', '/api/v1/cases', body), business('POST', '/api/v1/cases', body)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 201]);
  });

  it('a retry is recognised even after the accepting staff member retired', async () => {
    const { createEntity, setEntityStatus } = await import('../../src/app/catalogue.ts');
    const temp = await createEntity(services(), systemCaller('test'), 'staff', {
      staffNumber: `TEMP-${++caseSeq}`,
      name: '临时',
      agencyCode: world.agencyA.code,
    });
    const body = {
      caseNumber: `RETIRED-${caseSeq}`,
      matterCode: world.promised.code,
      applicant: buildApplicant(),
      staffNumber: temp.staffNumber,
      acceptedAt: clock.now().toISOString(),
    };
    expect((await business('POST', '/api/v1/cases', body)).status).toBe(201);
    await setEntityStatus(services(), systemCaller('test'), 'staff', { staffNumber: String(temp.staffNumber) }, 'retired');
    expect((await business('POST', '/api/v1/cases', body)).status).toBe(200);
    const fresh = await business('POST', '/api/v1/cases', { ...body, caseNumber: `RETIRED-NEW-${caseSeq}` });
    expect(fresh.body.error).toMatchObject({ id: 'invalid_reference', fields: [{ field: '/body/staffNumber' }] });
  });

  it('refuses a malformed case number with 400, not a database error', async () => {
    const res = await business('POST', '/api/v1/cases', {
      caseNumber: 'has space',
      matterCode: world.promised.code,
      applicant: buildApplicant(),
      staffNumber: world.staffA.staffNumber,
      acceptedAt: clock.now().toISOString(),
    });
    expect(res).toMatchObject({ status: 400, body: { error: { id: 'validation_failed', fields: [{ field: '/body/caseNumber' }] } } });
  });
});
