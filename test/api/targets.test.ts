// R11 (issue 14): key targets (重点测评对象) and staff flagged for
// replacement, through their jobs on the fake clock over constructed months,
// followed up through the findings API, on a real database.
//
// Ratings are written in bulk — a case, an occasion and a rating each, in
// SQL, then recorded in the score ledger as given at their instant, as the
// demo loads them — because the months need hundreds of them (the rating
// path itself is tested in ratings.test.ts). Voids and revocations go
// through the ledger's excludeRating, as the supervision loop's do.
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEntity } from '../../src/app/catalogue.ts';
import { systemCaller } from '../../src/app/context.ts';
import { runFindingDeadlines, runKeyTargets, runReplacement } from '../../src/app/targets.ts';
import { signIn, SourceThrottle } from '../../src/app/users.ts';
import { LEVELS, type Level } from '../../src/domain/ratings.ts';
import { keyTargetsJob } from '../../src/jobs/keyTargets.ts';
import { replacementJob } from '../../src/jobs/replacement.ts';
import type { JobContext } from '../../src/jobs/schedule.ts';
import { supervisionDeadlinesJob } from '../../src/jobs/supervisionDeadlines.ts';
import * as scores from '../../src/storage/scores.ts';
import { useTestApp } from '../support/app.ts';
import { signedIn, TEST_PASSWORD } from '../support/auth.ts';
import { buildAgency, buildBusinessLine, buildMatter, buildStaff } from '../support/factories.ts';

const { app, services, clock, database } = useTestApp();
const SYSTEM = systemCaller('test');
const DAY = 86_400_000;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const tokens: Record<string, string> = {};
const USERS: Record<string, string> = {};
const call = async (who: string, method: 'GET' | 'POST', url: string, payload?: object) => {
  const res = await app().inject({ method, url, payload, headers: { authorization: `Bearer ${tokens[who]}` } });
  return { status: res.statusCode, body: res.json() as Json };
};

/** Moves the fake clock; sessions idle for 8 hours end, so everyone signs in again. */
async function moveClock(to: string) {
  clock.set(to);
  for (const [who, username] of Object.entries(USERS))
    tokens[who] = (
      await signIn(services(), { actor: { type: 'anonymous' }, sourceIp: '127.0.0.1' }, new SourceThrottle(), { username, password: TEST_PASSWORD })
    ).token;
}

const jobContext = (): JobContext => ({ db: database().db, services: services(), now: clock.now(), log: { info() {}, warn() {}, error() {} } as never });

// ——— the catalogue and the ratings ———

interface Place {
  code: string;
  line: string;
  region: string;
}
interface Staff extends Place {
  id: number;
  staffNumber: string;
  name: string;
}
const agencies: Record<string, Place> = {};
const staff: Record<string, Staff> = {};
let matterCode = '';
let policyVersionId = 0;
let caseSeq = 0;

async function addAgency(key: string, line: string, region: string, name: string) {
  const a = await createEntity(services(), SYSTEM, 'agencies', buildAgency({ businessLineCode: line, regionCode: region, name }));
  agencies[key] = { code: String(a.code), line, region };
}
async function addStaff(key: string, agency: string, name: string) {
  const a = agencies[agency]!;
  await createEntity(services(), SYSTEM, 'staff', buildStaff({ staffNumber: `KT-${key}`, name, agencyCode: a.code }));
  const row = await database().db.selectFrom('staff').select('id').where('staff_number', '=', `KT-${key}`).executeTakeFirstOrThrow();
  staff[key] = { ...a, id: row.id, staffNumber: `KT-${key}`, name };
}

const V: Level = 'very_satisfied';
const S: Level = 'satisfied';
const B: Level = 'basically_satisfied';
const D: Level = 'dissatisfied';
const X: Level = 'very_dissatisfied';
/** [3, D, 7, V] → D, D, D, V × 7. */
const levels = (...runs: (number | Level)[]): Level[] => {
  const out: Level[] = [];
  for (let i = 0; i < runs.length; i += 2) for (let k = 0; k < (runs[i] as number); k++) out.push(runs[i + 1] as Level);
  return out;
};

/**
 * Ratings of a staff member's services, given at `at` (a China day means
 * 10:00 of it). A default (R6) is timed at 24:00 of the 7th day after its
 * service: pass that instant. Returns the ratings' ids.
 */
async function rate(key: string, at: string, given: Level[], o: { isDefault?: boolean } = {}): Promise<number[]> {
  const s = staff[key]!;
  const givenAt = new Date(at.length === 10 ? `${at}T10:00:00+08:00` : at);
  const occurredAt = o.isDefault ? new Date(givenAt.getTime() - 7 * DAY) : givenAt;
  const db = database().db;
  const ids = await db.transaction().execute(async (trx) => {
    const cases = await trx
      .insertInto('service_case')
      .values(
        given.map(() => ({
          case_number: `KT-${++caseSeq}`,
          matter_code: matterCode,
          kind: 'immediate' as const,
          agency_code: s.code,
          applicant_id_hash: 'kt-applicant',
          accepted_at: occurredAt,
          accepted_by: s.id,
          completed_at: occurredAt,
          completed_by: s.id,
        })),
      )
      .returning('id')
      .execute();
    const occasions = await trx
      .insertInto('occasion')
      .values(
        cases.map((c) => ({
          case_id: c.id,
          kind: 'completion' as const,
          occurred_at: occurredAt,
          deadline: new Date(occurredAt.getTime() + 7 * DAY),
          staff_id: s.id,
          agency_code: s.code,
          business_line_code: s.line,
          region_code: s.region,
          closed_at: givenAt,
          policy_version_id: policyVersionId,
        })),
      )
      .returning('id')
      .execute();
    const rows = await trx
      .insertInto('rating')
      .values(
        occasions.map((occasion, i) => ({
          occasion_id: occasion.id,
          level: given[i]!,
          score: LEVELS[given[i]!].score,
          tags: [],
          comment: null,
          channel: o.isDefault ? ('system' as const) : ('sms' as const),
          is_default: !!o.isDefault,
          given_at: givenAt,
          rater_id_hash: o.isDefault ? null : 'kt-rater',
          fingerprint: o.isDefault ? 'default' : `${given[i]}|kt`,
        })),
      )
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  });
  await scores.recordUnrecordedRatings(db, null);
  return ids;
}

/** R6, R11: the rating stops counting (as a rejected review or an approved revocation does). */
async function exclude(ratingId: number, cause: 'voided' | 'revoked', at: string) {
  await database()
    .db.transaction()
    .execute(async (trx) => {
      await scores.lockRating(trx, ratingId);
      await scores.excludeRating(trx, ratingId, cause, '测试：不计分', new Date(at));
    });
}

// ——— reading findings ———

const findings = async (who: string, query: string) => {
  const res = await call(who, 'GET', `/api/v1/findings?${query}&status=all&pageSize=500`);
  expect(res.status).toBe(200);
  return res.body.items as Json[];
};
const keyTargets = async (period: string, who = 'admin') => (await findings(who, 'workflow=key_target')).filter((f) => f.periodStart === `${period}-01`);
const subjects = (items: Json[]) => items.map((f) => `${f.subject.type}:${f.subject.key}`).sort();
const subjectOf = (items: Json[], type: string, key: string | number) => items.find((f) => f.subject.type === type && f.subject.key === String(key))!;
const finding = async (id: number, who = 'admin') => {
  const res = await call(who, 'GET', `/api/v1/findings/${id}`);
  expect(res.status).toBe(200);
  return res.body;
};
const replacements = async (who = 'admin') => findings(who, 'workflow=replacement');
const step = (who: string, id: number, body: object) => call(who, 'POST', `/api/v1/findings/${id}/steps`, body);

beforeAll(async () => {
  await moveClock('2026-03-02T02:00:00Z');
  const line = await createEntity(services(), SYSTEM, 'business-lines', buildBusinessLine({ code: 'KT-LINE', name: '市场监管' }));
  const lineR = await createEntity(services(), SYSTEM, 'business-lines', buildBusinessLine({ code: 'KT-R', name: '不动产登记' }));
  // Nanning (南宁市): one agency per county, each with one staff member, for the key targets of March and April.
  await addAgency('A', String(line.code), '450102000000', '兴宁区市场监管局');
  await addAgency('B', String(line.code), '450103000000', '青秀区市场监管局');
  await addAgency('C', String(line.code), '450105000000', '江南区市场监管局');
  await addAgency('D', String(line.code), '450107000000', '西乡塘区市场监管局');
  // Liuzhou (柳州市), another line: an agency of six staff for the replacement months, and another to be transferred to.
  await addAgency('R', String(lineR.code), '450202000000', '城中区不动产登记中心');
  await addAgency('Q', String(lineR.code), '450203000000', '鱼峰区不动产登记中心');
  const matter = await createEntity(
    services(),
    SYSTEM,
    'matters',
    buildMatter({ code: 'KT-IMM-0001', businessLineCode: line.code, agencyCode: agencies.A!.code, kind: 'immediate', timeLimitDays: 0 }),
  );
  matterCode = String(matter.code);
  await addStaff('S1', 'A', '黄一');
  await addStaff('S2', 'B', '蓝二');
  await addStaff('S3', 'C', '韦三');
  await addStaff('S4', 'D', '覃四');
  for (const [i, name] of ['陆一', '莫二', '潘三', '梁四', '卢五', '廖六'].entries()) await addStaff(`R${i + 1}`, 'R', name);
  policyVersionId = (await database().db.selectFrom('policy_version').select('id').orderBy('id').executeTakeFirstOrThrow()).id;

  tokens.admin = await signedIn(services(), 'admin', undefined, (USERS.admin = 'kt-admin'));
  tokens.supXingning = await signedIn(services(), 'supervisor', { regionCode: '450102000000' }, (USERS.supXingning = 'kt-sup-xingning'));
  tokens.supNanning = await signedIn(services(), 'supervisor', { regionCode: '450100000000' }, (USERS.supNanning = 'kt-sup-nanning'));
  tokens.supChengzhong = await signedIn(services(), 'supervisor', { regionCode: '450202000000' }, (USERS.supChengzhong = 'kt-sup-chengzhong'));
  tokens.agencyA = await signedIn(services(), 'agency_manager', { agencyCode: agencies.A!.code }, (USERS.agencyA = 'kt-agency-a'));
  tokens.agencyR = await signedIn(services(), 'agency_manager', { agencyCode: agencies.R!.code }, (USERS.agencyR = 'kt-agency-r'));
});

// ——— key targets ———

const ids: Record<string, number> = {};

describe('R11: the key targets of March (job key-targets, 02:00 on April 1)', () => {
  beforeAll(async () => {
    // 黄一 (兴宁区): 30 ratings given, 5 of them below 基本满意, and 10 defaults (R6: they count) — one timed at
    // 24:00 of March 31, which counts on March 31. 40 counted, 5 bad: 12.5 %.
    await rate('S1', '2026-03-10', levels(25, V, 3, D, 2, X));
    await rate('S1', '2026-03-20T16:00:00Z', levels(9, V), { isDefault: true });
    await rate('S1', '2026-03-31T16:00:00Z', levels(1, V), { isDefault: true });
    // Given at 00:30 of April 1 (China time): April's, not March's.
    await rate('S1', '2026-03-31T16:30:00Z', levels(1, X));
    // 蓝二 (青秀区): 61 counted, 3 bad = 4.9 %, just below 5 %; a fourth bad one was voided (R6) and does not count (4 of 62 would be 6.5 %).
    await rate('S2', '2026-03-12', levels(58, V, 3, D));
    const [voided] = await rate('S2', '2026-03-12', levels(1, D));
    await exclude(voided!, 'voided', '2026-03-20T02:00:00Z');
    // 韦三 (江南区): 20 counted, 2 bad = 10 %, one short of 3; a third was revoked (R11) and does not count.
    await rate('S3', '2026-03-13', levels(18, S, 2, X));
    const [revoked] = await rate('S3', '2026-03-13', levels(1, D));
    await exclude(revoked!, 'revoked', '2026-03-25T02:00:00Z');
    // 覃四 (西乡塘区): 3 bad of 9 (33 %), one rating short of the rankings' minimum sample of 10.
    await rate('S4', '2026-03-14', levels(6, V, 3, D));
  });

  it('two runs at once create each key target once; a third run creates nothing', async () => {
    await moveClock('2026-03-31T18:00:00Z'); // 02:00 of April 1, China time
    const runs = await Promise.all([runKeyTargets(services(), clock.now()), runKeyTargets(services(), clock.now())]);
    expect(runs.map((r) => [r.month, r.targets])).toEqual([
      ['2026-03', 5],
      ['2026-03', 5],
    ]);
    expect(runs[0]!.created + runs[1]!.created).toBe(5);
    expect(await keyTargetsJob.run(jobContext())).toMatch(/^2026-03 \(policy version \d+\): 5 key target\(s\) among \d+ subject\(s\) with ratings, 0 new/);
    expect(await keyTargets('2026-03')).toHaveLength(5);
  });

  it('黄一, her agency, her county, the city and the line are key targets; nobody just below a threshold, nor a small sample', async () => {
    const march = await keyTargets('2026-03');
    expect(subjects(march)).toEqual(
      [
        `staff:${staff.S1!.id}`,
        `agency:${agencies.A!.code}`,
        'region:450102000000', // 兴宁区: 40 counted, 5 bad
        'region:450100000000', // 南宁市 counts its whole subtree: 130 counted, 13 bad (10 %)
        'business_line:KT-LINE', // the line: the same 130 and 13
      ].sort(),
    );
    // Not 广西 (level 1: the rules' key targets are cities and counties), not 蓝二, 韦三, 覃四 nor their agencies or counties.
    const s1 = subjectOf(march, 'staff', staff.S1!.id);
    ids.s1March = s1.id;
    ids.agencyAMarch = subjectOf(march, 'agency', agencies.A!.code).id;
    expect(s1).toMatchObject({
      workflow: 'key_target',
      state: 'open',
      periodStart: '2026-03-01',
      periodEnd: '2026-03-31',
      regionCode: '450102000000',
      agencyCode: agencies.A!.code,
      businessLineCode: 'KT-LINE',
      staffId: staff.S1!.id,
      dueAt: null,
      details: {
        month: '2026-03',
        counted: 40,
        bad: 5,
        share: 0.125,
        thresholds: { minShare: 0.05, minCount: 3, minSample: 10 },
        repeated: false,
        previousId: null,
        streak: 1,
        explanation: '2026年3月 共 40 条计分评价，其中“不满意/非常不满意” 5 条（12.5%），达到重点测评对象标准（≥3 条且 ≥5%，计分评价 ≥10 条）',
      },
    });
    expect(s1.subject.name).toBe('黄一（工号 KT-S1，兴宁区市场监管局）');
    expect(subjectOf(march, 'region', '450102000000').subject.name).toBe('南宁市兴宁区');
    expect(subjectOf(march, 'region', '450100000000')).toMatchObject({ regionCode: '450100000000', agencyCode: null, details: { counted: 130, bad: 13 } });
    // A line is supervised for the whole autonomous region.
    expect(subjectOf(march, 'business_line', 'KT-LINE')).toMatchObject({
      regionCode: '450000000000',
      businessLineCode: 'KT-LINE',
      details: { counted: 130, bad: 13 },
    });
    // Audited by the engine, as the job.
    const audit = await sql<{ action: string; actor_name: string }>`
      select action, actor_name from audit_event where subject_type = 'finding' and subject_id = ${String(s1.id)} order by id`.execute(database().db);
    expect(audit.rows).toEqual([{ action: 'findings.key_target.open', actor_name: 'key-targets job' }]);
  });

  it('is in the queue of the place’s supervisory department and seen by the agency, not beyond the scope', async () => {
    expect(subjects(await keyTargets('2026-03', 'supXingning'))).toEqual([`agency:${agencies.A!.code}`, 'region:450102000000', `staff:${staff.S1!.id}`].sort());
    expect(subjects(await keyTargets('2026-03', 'agencyA'))).toEqual([`agency:${agencies.A!.code}`, `staff:${staff.S1!.id}`].sort());
    expect(subjects(await keyTargets('2026-03', 'supNanning'))).toHaveLength(4); // all but the line's (the autonomous region's)
    expect((await call('agencyR', 'GET', `/api/v1/findings/${ids.s1March}`)).status).toBe(404);
  });
});

describe('R11: a key target followed up through the API — visits, root cause, measures and a deadline, tracked to closure', () => {
  it('closing before any visit is refused (409 visit_missing) and changes nothing; after a visit it closes', async () => {
    await moveClock('2026-04-02T02:00:00Z');
    const id = ids.s1March!;
    // Closing an open one (no measures yet) is not a step of its table.
    expect((await step('supXingning', id, { event: 'close', reason: '已整改' })).body.error.id).toBe('transition_not_allowed');

    const measured = await step('agencyA', id, {
      event: 'set_measures',
      rootCause: '窗口人员业务不熟，一次性告知不到位',
      measures: '开展业务培训，设置导办岗，每周抽查办件',
      dueAt: '2026-04-30',
    });
    expect(measured.status).toBe(200);
    expect(measured.body).toMatchObject({ state: 'rectifying', dueAt: '2026-04-30T16:00:00.000Z' });
    const before = await finding(id);

    const refused = await step('supXingning', id, { event: 'close', reason: '整改完成' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.id).toBe('visit_missing');
    const unchanged = await finding(id);
    expect([unchanged.state, unchanged.version, unchanged.history.length, unchanged.closedAt]).toEqual([
      before.state,
      before.version,
      before.history.length,
      null,
    ]);

    const visited = await step('supXingning', id, {
      event: 'visit',
      visited: '评价人王女士（电话回访）',
      visitedAt: '2026-04-02',
      said: '窗口已主动联系并补办，表示认可',
    });
    expect(visited.status).toBe(200);
    expect(visited.body.state).toBe('rectifying');
    const closed = await step('supXingning', id, { event: 'close', reason: '回访满意，整改措施已落实' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ state: 'closed', closedAt: '2026-04-02T02:00:00.000Z' });
    const page = await finding(id);
    expect(page.history.map((h: Json) => h.event)).toEqual(['open', 'set_measures', 'visit', 'close']);
    expect(page.details).toMatchObject({ rootCause: '窗口人员业务不熟，一次性告知不到位', visits: [{ visited: '评价人王女士（电话回访）' }] });
    expect((await findings('admin', 'workflow=key_target&state=closed')).map((f) => f.id)).toEqual([id]);
  });

  it('measures past their deadline are flagged overdue by the deadlines job, once', async () => {
    const id = ids.agencyAMarch!;
    expect((await step('agencyA', id, { event: 'set_measures', rootCause: '人手不足', measures: '增设窗口', dueAt: '2026-04-10' })).status).toBe(200);
    await moveClock('2026-04-10T15:59:59Z');
    expect((await runFindingDeadlines(services(), clock.now())).keyTargetsOverdue).toBe(0);
    await moveClock('2026-04-10T16:00:00Z'); // 24:00 of April 10
    expect(await supervisionDeadlinesJob.run(jobContext())).toContain('1 key target(s) flagged overdue');
    expect(await finding(id)).toMatchObject({ state: 'rectifying', overdue: true, overdueAt: '2026-04-10T16:00:00.000Z' });
    expect((await runFindingDeadlines(services(), clock.now())).keyTargetsOverdue).toBe(0);
    expect((await finding(id)).history.map((h: Json) => [h.event, h.actor])).toContainEqual(['flag_overdue', '系统']);
  });
});

describe('R11: a key target again the month after is marked repeated', () => {
  it('黄一 in April repeats March (a streak of 2); 覃四, new in April, does not', async () => {
    // 黄一: the bad rating of 00:30 April 1 and 19 more, 3 of them bad: 20 counted, 4 bad. 覃四: 10 counted, 3 bad.
    await rate('S1', '2026-04-08', levels(16, V, 3, D));
    await rate('S4', '2026-04-09', levels(7, V, 3, D));
    await moveClock('2026-04-30T18:00:00Z');
    const run = await runKeyTargets(services(), clock.now());
    expect(run).toMatchObject({ month: '2026-04', created: run.targets });
    const april = await keyTargets('2026-04');
    expect(subjectOf(april, 'staff', staff.S1!.id).details).toMatchObject({
      counted: 20,
      bad: 4,
      repeated: true,
      previousId: ids.s1March,
      streak: 2,
      explanation:
        '2026年4月 共 20 条计分评价，其中“不满意/非常不满意” 4 条（20%），达到重点测评对象标准（≥3 条且 ≥5%，计分评价 ≥10 条）；已连续 2 个月被列为重点测评对象',
    });
    expect(subjectOf(april, 'agency', agencies.A!.code).details).toMatchObject({ repeated: true, previousId: ids.agencyAMarch, streak: 2 });
    expect(subjectOf(april, 'staff', staff.S4!.id).details).toMatchObject({ counted: 10, bad: 3, repeated: false, previousId: null, streak: 1 });
    expect(run.repeated).toBeGreaterThanOrEqual(2);
  });
});

// ——— replacement ———

/** A month of 城中区's six staff (10 ratings each: ranked), given on `day`. */
async function liuzhouMonth(day: string, month: Record<string, Level[]>) {
  for (const [key, given] of Object.entries(month)) await rate(key, day, given);
}

describe('R11: staff at the bottom for 3 consecutive months after a key target are flagged for replacement', () => {
  const flagOf = async (key: string) => (await replacements()).find((f) => f.subject.key === String(staff[key]!.id));

  it('June: 陆一 and 莫二 are key targets (3 bad of 10 each)', async () => {
    await liuzhouMonth('2026-06-10', { R1: levels(7, V, 3, D), R2: levels(7, V, 3, D) });
    await moveClock('2026-06-30T18:00:00Z');
    await keyTargetsJob.run(jobContext());
    const june = await keyTargets('2026-06');
    ids.r1June = subjectOf(june, 'staff', staff.R1!.id).id;
    expect(subjectOf(june, 'staff', staff.R2!.id)).toBeDefined();
  });

  it('July and August at the bottom of their agency (6 ranked staff, bottom 3): not flagged before the third month', async () => {
    // July: 陆一 6.0, 莫二 6.2, 潘三 7.9 (3 bad of 10: a key target in July), 梁四 8.0, 卢五 9.0, 廖六 10.
    await liuzhouMonth('2026-07-10', {
      R1: levels(10, B),
      R2: levels(9, B, 1, S),
      R3: levels(7, V, 3, D),
      R4: levels(10, S),
      R5: levels(5, V, 5, S),
      R6: levels(10, V),
    });
    await moveClock('2026-07-31T18:00:00Z');
    await keyTargetsJob.run(jobContext());
    expect(subjectOf(await keyTargets('2026-07'), 'staff', staff.R3!.id)).toBeDefined();
    await moveClock('2026-07-31T18:30:00Z');
    expect(await replacementJob.run(jobContext())).toBe(
      '2026-07 (policy version 1): 6 staff ranked, 3 at the bottom; 0 flagged for replacement, 0 recovered, 0 transferred',
    );

    // August: 陆一 6.0, 莫二 6.2, 潘三 6.4, the others as in July.
    const august = { R1: levels(10, B), R2: levels(9, B, 1, S), R3: levels(8, B, 2, S), R4: levels(10, S), R5: levels(5, V, 5, S), R6: levels(10, V) };
    await liuzhouMonth('2026-08-10', august);
    await moveClock('2026-08-31T18:30:00Z');
    // June, July, August: in June only two were ranked (a pooled group of 2 has no bottom 3).
    expect(await runReplacement(services(), clock.now())).toMatchObject({ month: '2026-08', ranked: 6, bottom: 3, flagged: 0 });
    await liuzhouMonth('2026-09-10', august);
  });

  it('September, the third month: 陆一 and 莫二 are flagged (once, though two runs go at once); 潘三 not, a key target only in July', async () => {
    await moveClock('2026-09-30T18:30:00Z'); // 02:30 of October 1
    const runs = await Promise.all([runReplacement(services(), clock.now()), runReplacement(services(), clock.now())]);
    expect(runs[0]!.flagged + runs[1]!.flagged).toBe(2);
    expect((await runReplacement(services(), clock.now())).flagged).toBe(0);
    const flags = await replacements();
    expect(subjects(flags)).toEqual([`staff:${staff.R1!.id}`, `staff:${staff.R2!.id}`].sort());
    const r1 = (await flagOf('R1'))!;
    ids.r1Flag = r1.id;
    ids.r2Flag = (await flagOf('R2'))!.id;
    expect(r1).toMatchObject({
      workflow: 'replacement',
      state: 'open',
      periodStart: '2026-07-01',
      periodEnd: '2026-09-30',
      regionCode: '450202000000',
      agencyCode: agencies.R!.code,
      staffId: staff.R1!.id,
      // 30 natural days from October 1: 24:00 of October 31.
      dueAt: '2026-10-31T16:00:00.000Z',
      details: {
        periods: [
          { month: '2026-07', rank: 6, of: 6, score: 6, group: 'agency' },
          { month: '2026-08', rank: 6, of: 6, score: 6, group: 'agency' },
          { month: '2026-09', rank: 6, of: 6, score: 6, group: 'agency' },
        ],
        keyTargetId: ids.r1June,
        keyTargetMonth: '2026-06',
      },
    });
    expect(r1.details.explanation).toContain('2026年6月 被列为重点测评对象后，2026年7月至2026年9月 连续 3 个月排名所在组后 3 位');
    expect((await flagOf('R2'))!.details.periods.map((p: Json) => p.rank)).toEqual([5, 5, 5]);
    // The agency manager deals with it (the agency's scope sees it); another agency does not.
    expect(subjects(await replacements('agencyR'))).toHaveLength(2);
    expect(await replacements('agencyA')).toEqual([]);
  });

  it('a transfer through the catalogue closes 陆一’s flag at the next deadlines run', async () => {
    await moveClock('2026-10-10T02:00:00Z');
    const moved = await app().inject({ method: 'POST', url: `/api/v1/staff/${staff.R1!.staffNumber}/transfer`, payload: { agencyCode: agencies.Q!.code } });
    expect(moved.statusCode).toBe(200);
    expect(await supervisionDeadlinesJob.run(jobContext())).toContain('1 replacement(s) closed on a transfer');
    const r1 = await finding(ids.r1Flag!);
    expect(r1).toMatchObject({
      state: 'closed',
      closedAt: '2026-10-10T02:00:00.000Z',
      details: { transfer: { agencyCode: agencies.Q!.code, reason: 'transfer' } },
    });
    expect(r1.history.map((h: Json) => h.event)).toEqual(['open', 'transfer']);
    expect((await runFindingDeadlines(services(), clock.now())).transferred).toBe(0);
  });

  it('October: 莫二 ranked 2nd of 5 recovers; 潘三, at the bottom August to October after July, is flagged', async () => {
    // 陆一 has left; 莫二 9.4, 潘三 6.4, 梁四 8.0, 卢五 9.0, 廖六 10.
    await liuzhouMonth('2026-10-12', { R2: levels(7, V, 3, S), R3: levels(8, B, 2, S), R4: levels(10, S), R5: levels(5, V, 5, S), R6: levels(10, V) });
    await moveClock('2026-10-31T18:30:00Z');
    expect(await runReplacement(services(), clock.now())).toMatchObject({ month: '2026-10', ranked: 5, recovered: 1, flagged: 1, transferred: 0 });
    const r2 = await finding(ids.r2Flag!);
    expect(r2).toMatchObject({ state: 'closed', details: { recovery: { month: '2026-10', rank: 2, of: 5, score: 9.4, group: 'agency' } } });
    expect(r2.history.map((h: Json) => [h.event, h.actor])).toEqual([
      ['open', '系统'],
      ['recover', '系统'],
    ]);
    const r3 = (await flagOf('R3'))!;
    ids.r3Flag = r3.id;
    expect(r3).toMatchObject({ state: 'open', periodStart: '2026-08-01', periodEnd: '2026-10-31', dueAt: '2026-12-01T16:00:00.000Z' });
    expect(r3.details.periods.map((p: Json) => [p.month, p.rank, p.of])).toEqual([
      ['2026-08', 4, 6],
      ['2026-09', 4, 6],
      ['2026-10', 5, 5],
    ]);
    // 梁四 and 卢五 are at the bottom in October only.
    expect(await flagOf('R4')).toBeUndefined();
  });

  it('not dealt with by its deadline: flagged overdue and escalated to the supervisory department, once', async () => {
    await moveClock('2026-12-01T15:59:59Z');
    expect(await runFindingDeadlines(services(), clock.now())).toEqual({ transferred: 0, keyTargetsOverdue: 0, replacementsOverdue: 0, escalated: 0 });
    await moveClock('2026-12-01T16:00:00Z'); // 24:00 of December 1
    expect(await supervisionDeadlinesJob.run(jobContext())).toContain('1 replacement(s) flagged overdue, 1 escalated');
    const r3 = await finding(ids.r3Flag!);
    expect(r3).toMatchObject({
      state: 'open',
      overdue: true,
      overdueAt: '2026-12-01T16:00:00.000Z',
      escalatedTo: '450202000000',
      names: { escalatedTo: '城中区' },
    });
    expect(r3.history.map((h: Json) => h.event)).toEqual(['open', 'flag_overdue', 'escalate']);
    expect((await findings('supChengzhong', 'workflow=replacement&queue=below')).map((f) => f.id)).toEqual([ids.r3Flag]);
    expect(await runFindingDeadlines(services(), clock.now())).toEqual({ transferred: 0, keyTargetsOverdue: 0, replacementsOverdue: 0, escalated: 0 });
    const audit = await sql<{ action: string }>`
      select action from audit_event where subject_type = 'finding' and subject_id = ${String(ids.r3Flag)} order by id`.execute(database().db);
    expect(audit.rows.map((r) => r.action)).toEqual(['findings.replacement.open', 'findings.replacement.flag_overdue', 'findings.replacement.escalate']);
  });
});
