// Issue 13 through the API on both databases: the policy as versioned data
// and the working-day calendar. Everyone signed in reads them; an admin adds
// a version (never effective before today) and replaces a year of holidays;
// bad input changes nothing; every change is one audit event. Occasions keep
// the version in force when they happened: a new version moves no running
// deadline, and the default-rating sweep gives each occasion its own
// version's level. A working-day count into a year the calendar lacks is
// refused naming the year, and nothing is stored.
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { holidayYear } from '../../scripts/holidays.ts';
import { DEFAULT_POLICY_NUMBERS, type PolicyNumbers } from '../../src/domain/policy.ts';
import { runJobsNow } from '../../src/jobs/scheduler.ts';
import { useTestApp } from '../support/app.ts';
import { signedIn } from '../support/auth.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const { app, services, clock, database } = useTestApp();
const db = () => database().db;
let world: Awaited<ReturnType<typeof buildWorld>>;
let staffToken = '';
let supervisorToken = '';
let seq = 0;

const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, token?: string) => {
  const res = await app().inject({ method, url, payload, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
  return { status: res.statusCode, body: res.json() };
};
const newCase = async (acceptedAt = clock.now().toISOString()) => {
  const caseNumber = `PO-${++seq}`;
  const res = await call(
    'POST',
    '/api/v1/cases',
    { caseNumber, matterCode: world.immediate.code, applicant: buildApplicant(), staffNumber: world.staffA.staffNumber, acceptedAt },
    world.businessKey,
  );
  return { caseNumber, ...res };
};
const occasionOf = async (caseNumber: string) =>
  (
    await sql<{ deadline: Date; policy_version_id: number; level: string | null; score: number | null; is_default: boolean | null; given_at: Date | null }>`
      select o.deadline, o.policy_version_id, r.level, r.score, r.is_default, r.given_at
      from occasion o join service_case c on c.id = o.case_id left join rating r on r.occasion_id = o.id
      where c.case_number = ${caseNumber}`.execute(db())
  ).rows[0]!;
const counts = async () =>
  (
    await sql<{ versions: number; audit: number; cases: number; occasions: number; outbox: number; days: number; years: number }>`
      select (select count(*) from policy_version)::int as versions,
        -- (the test's admin signs in again when the clock jumps: sessions are not what is counted)
        (select count(*) from audit_event where action not like 'session.%')::int as audit,
        (select count(*) from service_case)::int as cases, (select count(*) from occasion)::int as occasions,
        (select count(*) from outbox)::int as outbox, (select count(*) from calendar_day)::int as days,
        (select count(*) from calendar_year)::int as years`.execute(db())
  ).rows[0]!;
const auditAfter = async (id: number) =>
  (
    await sql<{ action: string; actor_name: string; subject_type: string; subject_id: string; changes: Record<string, unknown>; reason: string | null }>`
      select action, actor_name, subject_type, subject_id, changes, reason from audit_event where id > ${id} order by id`.execute(db())
  ).rows;
const lastAudit = async () => (await sql<{ id: number | null }>`select max(id)::int as id from audit_event`.execute(db())).rows[0]!.id ?? 0;
const sweep = (at: string) => runJobsNow(services(), new Date(at), { info() {}, warn() {}, error() {} }, ['default-ratings']);

const numbers = (change: Partial<PolicyNumbers> = {}): PolicyNumbers => ({ ...structuredClone(DEFAULT_POLICY_NUMBERS), ...change });

beforeAll(async () => {
  // Tuesday 30 September 2025, 10:00 in China: the day before the National Day holiday (10-01 to 10-08; Saturday 10-11 worked).
  clock.set('2025-09-30T02:00:00Z');
  world = await buildWorld(services(), 'PO');
  staffToken = await signedIn(services(), 'staff', { staffNumber: world.staffA.staffNumber }, 'po-staff');
  supervisorToken = await signedIn(services(), 'supervisor', { regionCode: '450100' }, 'po-sup');
});

describe('what the platform ships with', () => {
  it('version 1: the Guangxi defaults, in force since 2019, readable by every role', async () => {
    // Issue 14 (R10): the detection's thresholds are told to those who investigate only (admins, auditors, supervisors).
    const { detection: _detection, ...withoutDetection } = DEFAULT_POLICY_NUMBERS;
    for (const [token, investigates] of [
      [undefined, true],
      [staffToken, false],
      [supervisorToken, true],
    ] as const) {
      const res = await call('GET', '/api/v1/policy', undefined, token);
      expect(res.status).toBe(200);
      expect(res.body.today).toBe('2025-09-30');
      expect(res.body.inForce).toMatchObject({ id: 1, effectiveFrom: '2019-01-01', createdBy: null, state: 'in_force' });
      expect(res.body.inForce.numbers).toEqual(investigates ? DEFAULT_POLICY_NUMBERS : withoutDetection);
      expect(res.body.versions).toHaveLength(1);
    }
  });

  it('the holidays of 2019–2026 exactly as scripts/holidays.ts prints them, each year naming the State Council General Office’s notice', async () => {
    const list = await call('GET', '/api/v1/policy/calendar', undefined, staffToken);
    expect(list.body.years.map((y: { year: number }) => y.year)).toEqual([2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026]);
    for (const y of list.body.years as { year: number; source: string; updatedBy: unknown }[]) {
      expect(y.source).toContain(`国务院办公厅关于${y.year}年部分节假日安排的通知`);
      expect(y.source).toBe(holidayYear(y.year).source);
      expect(y.updatedBy).toBeNull();
      const year = await call('GET', `/api/v1/policy/calendar/${y.year}`, undefined, staffToken);
      expect(year.body).toMatchObject({ year: y.year, covered: true, days: holidayYear(y.year).days });
    }
    const national = (await call('GET', '/api/v1/policy/calendar/2025')).body.days.filter(
      (d: { day: string }) => d.day >= '2025-09-28' && d.day <= '2025-10-11',
    );
    expect(national.map((d: { day: string; kind: string }) => `${d.day} ${d.kind}`)).toEqual([
      '2025-09-28 workday',
      ...['01', '02', '03', '04', '05', '06', '07', '08'].map((d) => `2025-10-${d} holiday`),
      '2025-10-11 workday',
    ]);
  });

  it('a year the calendar lacks is shown as such', async () => {
    expect((await call('GET', '/api/v1/policy/calendar/2027', undefined, staffToken)).body).toEqual({
      year: 2027,
      covered: false,
      source: null,
      updatedAt: null,
      updatedBy: null,
      days: [],
    });
  });
});

describe('bad input gets a clear error with a stable id and changes nothing', () => {
  it.each([
    ['a version effective yesterday', { effectiveFrom: '2025-09-29', numbers: numbers(), note: '改期限' }, 400, 'policy_effective_in_past'],
    ['a version effective in 2019', { effectiveFrom: '2019-01-01', numbers: numbers(), note: '改期限' }, 400, 'policy_effective_in_past'],
    [
      '0 days to rate',
      { effectiveFrom: '2025-10-01', numbers: numbers({ ratingDays: { days: 0, unit: 'natural' } }), note: '改期限' },
      400,
      'validation_failed',
    ],
    ['hours', { effectiveFrom: '2025-10-01', numbers: { ...numbers(), reviewDays: { days: 1, unit: 'hours' } }, note: '改期限' }, 400, 'validation_failed'],
    ['a negative default', { effectiveFrom: '2025-10-01', numbers: numbers({ defaultLevel: 'dissatisfied' }), note: '改期限' }, 400, 'validation_failed'],
    ['a share above 1', { effectiveFrom: '2025-10-01', numbers: numbers({ keyTargets: { minShare: 2, minCount: 3 } }), note: '改' }, 400, 'validation_failed'],
    ['a missing number', { effectiveFrom: '2025-10-01', numbers: { ...numbers(), appealDays: undefined }, note: '改期限' }, 400, 'validation_failed'],
    ['no note', { effectiveFrom: '2025-10-01', numbers: numbers(), note: '   ' }, 400, 'validation_failed'],
    ['not a date', { effectiveFrom: '2025-02-30', numbers: numbers(), note: '改期限' }, 400, 'validation_failed'],
  ])('%s → %i %s', async (_, body, status, id) => {
    const before = await counts();
    const res = await call('POST', '/api/v1/policy/versions', body);
    expect([res.status, res.body.error.id]).toEqual([status, id]);
    expect(await counts()).toEqual(before);
  });

  it('the refusal of a past date says which day is today, on the field', async () => {
    const res = await call('POST', '/api/v1/policy/versions', { effectiveFrom: '2025-09-29', numbers: numbers(), note: '改期限' });
    expect(res.body.error).toMatchObject({ fields: [{ field: '/body/effectiveFrom', message: 'is before today (2025-09-30)' }] });
  });

  it('only admins change the policy or the calendar (R2)', async () => {
    const before = await counts();
    for (const token of [staffToken, supervisorToken]) {
      expect((await call('POST', '/api/v1/policy/versions', { effectiveFrom: '2025-10-01', numbers: numbers(), note: '改期限' }, token)).body.error.id).toBe(
        'forbidden',
      );
      expect(
        (await call('PUT', '/api/v1/policy/calendar/2027', { source: '通知', days: [{ day: '2027-01-01', kind: 'holiday', name: '元旦' }] }, token)).status,
      ).toBe(403);
    }
    expect(await counts()).toEqual(before);
  });
});

describe('a new version moves no running deadline (R6, issue 13)', () => {
  const made: Record<string, string> = {};

  it('an occasion opened before the new version keeps its deadline and its version', async () => {
    const before = await newCase();
    expect(before.status).toBe(201);
    made.before = before.caseNumber;
    expect(await occasionOf(before.caseNumber)).toMatchObject({ policy_version_id: 1, deadline: new Date('2025-10-08T00:00:00+08:00') });

    // Effective today: 5 working days to rate, "satisfied" by default.
    const first = await lastAudit();
    const created = await call('POST', '/api/v1/policy/versions', {
      effectiveFrom: '2025-09-30',
      numbers: numbers({ ratingDays: { days: 5, unit: 'working' }, defaultLevel: 'satisfied' }),
      note: '试行工作日计算评价期限',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 2, effectiveFrom: '2025-09-30', state: 'in_force', createdBy: { username: 'test-admin' } });
    expect(await auditAfter(first)).toEqual([
      {
        action: 'policy.create_version',
        actor_name: 'test-admin',
        subject_type: 'policy_version',
        subject_id: '2',
        changes: {
          follows: 1,
          effectiveFrom: ['2019-01-01', '2025-09-30'],
          ratingDays: ['7 natural', '5 working'],
          defaultLevel: ['very_satisfied', 'satisfied'],
        },
        reason: '试行工作日计算评价期限',
      },
    ]);
    expect((await call('GET', '/api/v1/policy', undefined, staffToken)).body.inForce.id).toBe(2);
    // The occasion opened before it is as it was.
    expect(await occasionOf(before.caseNumber)).toMatchObject({ policy_version_id: 1, deadline: new Date('2025-10-08T00:00:00+08:00') });
  });

  it('an occasion after it: 5 working days across the National Day holiday, with Saturday 10-11 worked', async () => {
    clock.advance(30 * 60_000);
    const after = await newCase();
    made.after = after.caseNumber;
    // 10-01 to 10-08 off; 10-09, 10-10, 10-11 (Saturday worked), 10-13, 10-14.
    expect(await occasionOf(after.caseNumber)).toMatchObject({ policy_version_id: 2, deadline: new Date('2025-10-15T00:00:00+08:00') });
    expect((await call('GET', `/api/v1/cases/${after.caseNumber}`, undefined, world.businessKey)).body.occasions[0].deadline).toBe('2025-10-14T16:00:00.000Z');
  });

  it('an occasion that happened on a day before the version keeps the version of its own day', async () => {
    const earlier = await newCase('2025-09-29T03:00:00Z');
    made.earlier = earlier.caseNumber;
    expect(await occasionOf(earlier.caseNumber)).toMatchObject({ policy_version_id: 1, deadline: new Date('2025-10-07T00:00:00+08:00') });
  });

  it('the sweep gives each occasion the default level of its own version, at its own deadline', async () => {
    await sweep('2025-10-08T00:00:00+08:00');
    expect(await occasionOf(made.before!)).toMatchObject({
      level: 'very_satisfied',
      score: 10,
      is_default: true,
      given_at: new Date('2025-10-08T00:00:00+08:00'),
    });
    expect(await occasionOf(made.earlier!)).toMatchObject({
      level: 'very_satisfied',
      score: 10,
      is_default: true,
      given_at: new Date('2025-10-07T00:00:00+08:00'),
    });
    expect(await occasionOf(made.after!)).toMatchObject({ level: null });
    await sweep('2025-10-14T23:59:59+08:00');
    expect(await occasionOf(made.after!)).toMatchObject({ level: null });
    await sweep('2025-10-15T00:00:00+08:00');
    expect(await occasionOf(made.after!)).toMatchObject({ level: 'satisfied', score: 8, is_default: true, given_at: new Date('2025-10-15T00:00:00+08:00') });
    // Run twice: nothing more.
    expect((await sweep('2025-10-16T00:00:00+08:00'))[0]!.summary).toMatch(/^0 default/);
  });
});

describe('versions of the same day, and later ones', () => {
  it('a later version of the same day replaces one not yet in force; the list says which applies', async () => {
    const a = await call('POST', '/api/v1/policy/versions', {
      effectiveFrom: '2025-12-01',
      numbers: numbers({ reviewDays: { days: 10, unit: 'working' } }),
      note: '甲',
    });
    const b = await call('POST', '/api/v1/policy/versions', {
      effectiveFrom: '2025-12-01',
      numbers: numbers({ ratingDays: { days: 5, unit: 'working' }, reviewDays: { days: 12, unit: 'working' } }),
      note: '乙',
    });
    expect([a.status, b.status]).toEqual([201, 201]);
    const listed = (await call('GET', '/api/v1/policy', undefined, staffToken)).body.versions.map((v: { id: number; state: string; effectiveFrom: string }) => [
      v.id,
      v.effectiveFrom,
      v.state,
    ]);
    expect(listed).toEqual([
      [b.body.id, '2025-12-01', 'scheduled'],
      [a.body.id, '2025-12-01', 'superseded'],
      [2, '2025-09-30', 'in_force'],
      [1, '2019-01-01', 'superseded'],
    ]);
    // The second one is audited against the version it follows on its day: the first of 12-01.
    const [event] = (await auditAfter((await lastAudit()) - 1)) as { changes: Record<string, unknown> }[];
    expect(event!.changes).toEqual({
      follows: a.body.id,
      effectiveFrom: ['2025-12-01', '2025-12-01'],
      ratingDays: ['7 natural', '5 working'],
      reviewDays: ['10 working', '12 working'],
    });
  });

  it('versions are append-only in the database too', async () => {
    await expect(sql`update policy_version set note = 'x'`.execute(db())).rejects.toThrow(/never changed or deleted/);
    await expect(sql`delete from policy_version`.execute(db())).rejects.toThrow(/never changed or deleted/);
  });
});

describe('a year the calendar lacks (2027) is an error naming it, never natural days', () => {
  it('an occasion whose working-day deadline reaches into 2027 is refused, and nothing is stored', async () => {
    // Monday 28 December 2026: 12-29, 12-30, 12-31, then 2027.
    clock.set('2026-12-28T02:00:00Z');
    const before = await counts();
    const refused = await newCase();
    expect(refused.status).toBe(409);
    expect(refused.body.error.id).toBe('calendar_year_missing');
    expect(refused.body.error.message).toContain('2027');
    expect(await counts()).toEqual(before);
    expect((await call('GET', `/api/v1/cases/${refused.caseNumber}`, undefined, world.businessKey)).status).toBe(404);
  });

  it('once an admin adds 2027 with its source, the same occasion is counted with it; the change is audited', async () => {
    const first = await lastAudit();
    const days = [
      { day: '2027-01-01', kind: 'holiday', name: '元旦' },
      { day: '2027-01-02', kind: 'holiday', name: '元旦' },
      { day: '2027-01-03', kind: 'holiday', name: '元旦' },
    ];
    const put = await call('PUT', '/api/v1/policy/calendar/2027', { source: '国务院办公厅关于2027年部分节假日安排的通知（测试）', days });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ year: 2027, covered: true, days, updatedBy: { username: 'test-admin' } });
    expect(await auditAfter(first)).toEqual([
      {
        action: 'calendar.replace_year',
        actor_name: 'test-admin',
        subject_type: 'calendar_year',
        subject_id: '2027',
        changes: {
          source: [null, '国务院办公厅关于2027年部分节假日安排的通知（测试）'],
          added: ['2027-01-01 holiday 元旦', '2027-01-02 holiday 元旦', '2027-01-03 holiday 元旦'],
          removed: [],
        },
        reason: null,
      },
    ]);
    const accepted = await newCase();
    expect(accepted.status).toBe(201);
    // 12-29, 12-30, 12-31, (01-01 to 01-03 off), 01-04, 01-05.
    expect(await occasionOf(accepted.caseNumber)).toMatchObject({ deadline: new Date('2027-01-06T00:00:00+08:00') });
  });

  it('a day already past keeps its kind: 2025’s National Day cannot be undone', async () => {
    const before = await counts();
    const days = holidayYear(2025).days.filter((d) => d.day !== '2025-10-01');
    const res = await call('PUT', '/api/v1/policy/calendar/2025', { source: '改', days });
    expect([res.status, res.body.error.id]).toEqual([409, 'calendar_past_day_changed']);
    expect(res.body.error.message).toContain('2025-10-01');
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['a weekday as a 调休 working day', 2027, { source: '通知', days: [{ day: '2027-01-05', kind: 'workday', name: '元旦' }] }, 'validation_failed'],
    ['a day of another year', 2027, { source: '通知', days: [{ day: '2028-01-01', kind: 'holiday', name: '元旦' }] }, 'validation_failed'],
    ['no source', 2027, { source: ' ', days: [{ day: '2027-01-01', kind: 'holiday', name: '元旦' }] }, 'validation_failed'],
    ['no days', 2027, { source: '通知', days: [] }, 'validation_failed'],
    ['another kind', 2027, { source: '通知', days: [{ day: '2027-01-01', kind: 'half', name: '元旦' }] }, 'validation_failed'],
    ['year 1999', 1999, { source: '通知', days: [{ day: '1999-01-01', kind: 'holiday', name: '元旦' }] }, 'validation_failed'],
  ])('%s → 400 %s, nothing changes', async (_, year, body, id) => {
    const before = await counts();
    const res = await call('PUT', `/api/v1/policy/calendar/${year}`, body);
    expect([res.status, res.body.error.id]).toEqual([400, id]);
    expect(await counts()).toEqual(before);
  });

  it('today and later days may be corrected, and a past day renamed; the audit names what changed', async () => {
    const first = await lastAudit();
    const days = [
      { day: '2026-12-31', kind: 'holiday', name: '元旦' },
      ...holidayYear(2026).days.map((d) => (d.day === '2026-10-01' ? { ...d, name: '国庆' } : d)),
    ];
    const res = await call('PUT', '/api/v1/policy/calendar/2026', { source: holidayYear(2026).source, days });
    expect(res.status).toBe(200);
    const [event] = await auditAfter(first);
    expect(event!.changes).toEqual({ added: ['2026-10-01 holiday 国庆', '2026-12-31 holiday 元旦'], removed: ['2026-10-01 holiday 国庆节'] });
  });
});
