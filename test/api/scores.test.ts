// R3, R6, R8, R11, R13, R14 through the API on both databases: one small
// month of ratings whose every figure is worked out by hand below.
//
// November 2026, two agencies of one line in two districts of Nanning:
//   staff A (agency A, 兴宁区 450102): 10, 8, 3 given on Nov 2
//   staff B (agency B, 青秀区 450103): 6 given on Nov 3; a case of Nov 4 left
//     unrated gets its default 10 at 24:00 of Nov 11 (counts on Nov 11)
//   a package of A and B: its composite rated 0 on Nov 5 — counts for agency
//     A, agency B, 450102, 450103 and, once, for 450100 and 450000 (R8)
//
//                  n  sum  mean
//   staff A        3   21  7
//   staff B        2   16  8      (1 default; active: 1, mean 6)
//   agency A       4   21  5.25   (a mean of staff means would be 3.5)
//   agency B       3   16  5.333…
//   line           5   37  7.4    (composite not counted for lines)
//   center         5   37  7.4
//   450102         4   21  5.25   (subtree and this level)
//   450103         3   16  5.333…
//   450100 tree    6   37  6.166… (composite once); this level only: 0
//   450000 tree    6   37
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { excludeRating, foldAll, rebuildScores, verifyScores } from '../../src/app/scores.ts';
import { runJobsNow } from '../../src/jobs/scheduler.ts';
import { drillDownFromOccasions, ratingsBehind } from '../../src/storage/scores.ts';
import type { StoredDimension } from '../../src/domain/scores.ts';
import { useTestApp } from '../support/app.ts';
import { testServices } from '../support/services.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const { app, database, clock, services } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;
let seq = 0;
const ids: Record<string, number> = {};

async function call(method: 'GET' | 'POST', url: string, payload?: object, key?: string) {
  const res = await app().inject({ method, url, payload, headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.statusCode, body: String(res.headers['content-type']).includes('json') ? res.json() : res.rawPayload, headers: res.headers };
}
const get = async (url: string) => (await call('GET', url)).body;

/** A case served by a staff member at `at`, rated `level` an hour later (or left unrated). */
async function serve(staffNumber: string, matterCode: string, at: string, level: string | null, name: string) {
  clock.set(at);
  const applicant = buildApplicant({ name });
  const caseNumber = `S-${++seq}`;
  const res = await call('POST', '/api/v1/cases', { caseNumber, matterCode, applicant, staffNumber, acceptedAt: at }, world.businessKey);
  expect(res.status).toBe(201);
  if (!level) return;
  clock.advance(3_600_000);
  const rating = await call(
    'POST',
    '/api/v1/ratings',
    { caseNumber, occasion: 'completion', rater: { name: applicant.name, idType: applicant.idType, idNumber: applicant.idNumber }, level, channel: 'app' },
    world.channelKeys.app,
  );
  expect(rating.status).toBe(201);
  ids[`${staffNumber}:${level}`] = rating.body.id;
}

beforeAll(async () => {
  clock.set('2026-11-01T00:00:00Z');
  world = await buildWorld(services());
  // The same agency A serves B's matter as well: immediate for both.
  await serve(world.staffA.staffNumber, world.immediate.code, '2026-11-02T01:00:00Z', 'very_satisfied', '李雷');
  await serve(world.staffA.staffNumber, world.immediate.code, '2026-11-02T02:00:00Z', 'satisfied', '韩梅梅');
  await serve(world.staffA.staffNumber, world.immediate.code, '2026-11-02T03:00:00Z', 'dissatisfied', '王小明');
  await serve(world.staffB.staffNumber, world.immediate.code, '2026-11-03T01:00:00Z', 'basically_satisfied', '赵四');
  await serve(world.staffB.staffNumber, world.immediate.code, '2026-11-04T01:00:00Z', null, '钱五');

  clock.set('2026-11-05T01:00:00Z');
  const applicant = buildApplicant({ name: '韦小宝' });
  const at = () => clock.now().toISOString();
  expect(
    (
      await call(
        'POST',
        '/api/v1/packages',
        {
          packageNumber: 'PKG-S',
          name: '开办餐饮店一件事',
          applicant,
          members: [
            { caseNumber: 'PKG-S-A', matterCode: world.promised.code },
            { caseNumber: 'PKG-S-B', matterCode: world.promisedB.code },
          ],
          acceptance: { staffNumber: world.staffA.staffNumber, at: at() },
        },
        world.businessKey,
      )
    ).status,
  ).toBe(201);
  await call('POST', '/api/v1/packages/PKG-S/stages/approval', { staffNumber: world.staffA.staffNumber, at: at() }, world.businessKey);
  expect((await call('POST', '/api/v1/packages/PKG-S/stages/delivery', { staffNumber: world.staffA.staffNumber, at: at() }, world.businessKey)).status).toBe(
    200,
  );
  clock.advance(3_600_000);
  const composite = await call(
    'POST',
    '/api/v1/ratings',
    {
      packageNumber: 'PKG-S',
      occasion: 'composite',
      rater: { name: applicant.name, idType: applicant.idType, idNumber: applicant.idNumber },
      level: 'very_dissatisfied',
      channel: 'app',
    },
    world.channelKeys.app,
  );
  expect(composite.status).toBe(201);
  ids.composite = composite.body.id;
  // 00:30 of Nov 12 China time: the Nov 4 case is due (the package's stages, of Nov 5, are not).
  clock.set('2026-11-11T16:30:00Z');
  await runJobsNow(testServices(database()), clock.now(), { info() {}, warn() {}, error() {} }, ['default-ratings']);
  clock.set('2026-11-20T00:00:00Z');
});

const score = (path: string, query = 'period=2026-11') => get(`/api/v1/scores/${path}?${query}`);

describe('R3 scores, worked out by hand', () => {
  it('staff, agencies, line, center: a mean over ratings, the composite only for agencies', async () => {
    expect(await score(`staff/${world.staffA.staffNumber}`)).toMatchObject({ count: 3, scoreSum: 21, mean: 7, defaults: 0, negative: 1 });
    expect(await score(`staff/${world.staffB.staffNumber}`)).toMatchObject({
      count: 2,
      scoreSum: 16,
      mean: 8,
      defaults: 1,
      active: { count: 1, mean: 6, rate: 0.5 },
    });
    // Mean over the 4 ratings of agency A (10, 8, 3, 0), not the mean of 7 and 0.
    expect(await score(`agencies/${world.agencyA.code}`)).toMatchObject({ count: 4, scoreSum: 21, mean: 5.25, negative: 2, negativeShare: 0.5 });
    const b = await score(`agencies/${world.agencyB.code}`);
    expect(b).toMatchObject({ count: 3, scoreSum: 16 });
    expect(b.mean).toBeCloseTo(16 / 3, 12);
    expect(await score(`business-lines/${world.line.code}`)).toMatchObject({ count: 5, scoreSum: 37, mean: 7.4 });
    expect(await score(`centers/${world.center.code}`)).toMatchObject({ count: 5, scoreSum: 37 });
  });

  it('regions: the subtree counts a composite once; this level only is offered beside it', async () => {
    expect(await score('regions/450102')).toMatchObject({ count: 4, scoreSum: 21, scope: 'subtree' });
    expect(await score('regions/450102', 'period=2026-11&scope=level')).toMatchObject({ count: 4, scoreSum: 21, scope: 'level' });
    expect(await score('regions/450103')).toMatchObject({ count: 3, scoreSum: 16 });
    expect(await score('regions/450100')).toMatchObject({
      count: 6,
      scoreSum: 37,
      levels: { very_satisfied: 2, satisfied: 1, basically_satisfied: 1, dissatisfied: 1, very_dissatisfied: 1 },
    });
    expect(await score('regions/450100', 'period=2026-11&scope=level')).toMatchObject({ count: 0, mean: null });
    expect(await score('regions/450000000000')).toMatchObject({ count: 6, scoreSum: 37 });
  });

  it('any range of China days: the default counts on Nov 11, the last day of its period', async () => {
    expect(await score(`staff/${world.staffB.staffNumber}`, 'from=2026-11-01&to=2026-11-10')).toMatchObject({ count: 1, scoreSum: 6 });
    expect(await score(`staff/${world.staffB.staffNumber}`, 'from=2026-11-11&to=2026-11-11')).toMatchObject({ count: 1, defaults: 1 });
    expect(await score(`staff/${world.staffA.staffNumber}`, 'period=2026-10')).toMatchObject({ count: 0 });
    expect(await score(`staff/${world.staffA.staffNumber}`, 'period=2026-Q4')).toMatchObject({ count: 3 });
    expect(await score(`staff/${world.staffA.staffNumber}`, 'period=2026')).toMatchObject({ count: 3 });
    expect(await score(`staff/${world.staffA.staffNumber}`, 'from=2026-10-15&to=2027-01-03')).toMatchObject({ count: 3 });
  });

  it('the same figures before and after the fold job', async () => {
    const before = await score('regions/450100');
    const pending = async () => (await sql<{ n: number }>`select count(*)::int as n from score_pending`.execute(database().db)).rows[0]!.n;
    expect(await pending()).toBeGreaterThan(0);
    await foldAll(database().db);
    expect(await pending()).toBe(0);
    expect(await score('regions/450100')).toEqual(before);
    // `scores rebuild` recomputes the same totals from the ratings.
    const staffBefore = await get(`/api/v1/rankings/staff?period=2026-11&minCount=1`);
    await rebuildScores(database().db);
    expect(await score('regions/450100')).toEqual(before);
    expect(await get(`/api/v1/rankings/staff?period=2026-11&minCount=1`)).toEqual(staffBefore);
    expect((await verifyScores(database().db)).ok).toBe(true);
  });
});

describe('R13/R14 rankings', () => {
  const ranking = (path: string) => get(`/api/v1/rankings/${path}`);
  const ranks = (r: { items: { key: string; rank: number | null }[] }) => r.items.map((i) => [i.key, i.rank]);

  it('agencies by mean; below the minimum count listed but not ranked', async () => {
    const r = await ranking('agencies?period=2026-11&minCount=1');
    expect(ranks(r)).toEqual([
      [world.agencyB.code, 1],
      [world.agencyA.code, 2],
    ]);
    expect(r).toMatchObject({ total: 2, ranked: 2, order: 'mean', minCount: 1 });
    const min4 = await ranking('agencies?period=2026-11&minCount=4');
    expect(ranks(min4)).toEqual([
      [world.agencyA.code, 1],
      [world.agencyB.code, null],
    ]);
    expect(min4).toMatchObject({ total: 2, ranked: 1 });
    // The default minimum (10) ranks nobody here.
    expect((await ranking('agencies?period=2026-11')).ranked).toBe(0);
  });

  it('staff by mean, by active mean, by negative share', async () => {
    const a = world.staffA.staffNumber;
    const b = world.staffB.staffNumber;
    expect(ranks(await ranking('staff?period=2026-11&minCount=1'))).toEqual([
      [b, 1],
      [a, 2],
    ]);
    expect(ranks(await ranking('staff?period=2026-11&minCount=1&order=active_mean'))).toEqual([
      [a, 1],
      [b, 2],
    ]);
    expect(ranks(await ranking('staff?period=2026-11&minCount=1&order=negative_share'))).toEqual([
      [b, 1],
      [a, 2],
    ]);
    const staff = await ranking(`staff?period=2026-11&minCount=1&line=${world.line.code}&within=450102`);
    expect(staff.items).toEqual([
      expect.objectContaining({ key: a, name: world.staffA.name, parent: world.agencyA.name, region: { code: '450102000000', name: '兴宁区' } }),
    ]);
    expect((await ranking('staff?period=2026-11&minCount=1&central=true')).items).toEqual([]);
  });

  it('regions: the level below `within` by default; subtree or this level only', async () => {
    const counties = await ranking('regions?period=2026-11&within=450100&minCount=1');
    expect(counties).toMatchObject({ level: 3, within: { code: '450100000000', name: '南宁市' } });
    expect(ranks(counties)).toEqual([
      ['450103000000', 1],
      ['450102000000', 2],
    ]);
    const cities = await ranking('regions?period=2026-11&minCount=1');
    expect(cities.items).toEqual([expect.objectContaining({ key: '450100000000', count: 6, rank: 1, parent: '广西壮族自治区' })]);
    expect((await ranking('regions?period=2026-11&minCount=1&scope=level&level=2')).items).toEqual([]);
  });

  it('business lines within a region count the ratings there', async () => {
    const r = await ranking(`business-lines?period=2026-11&minCount=1&within=450103`);
    expect(r.items).toEqual([expect.objectContaining({ key: world.line.code, count: 2, scoreSum: 16 })]);
    expect((await ranking('business-lines?period=2026-11&minCount=1')).items[0]).toMatchObject({ count: 5 });
  });

  it('pages', async () => {
    const first = await ranking('agencies?period=2026-11&minCount=1&pageSize=1');
    const second = await ranking('agencies?period=2026-11&minCount=1&pageSize=1&page=2');
    const past = await ranking('agencies?period=2026-11&minCount=1&pageSize=1&page=3');
    expect([ranks(first), ranks(second), ranks(past)]).toEqual([[[world.agencyB.code, 1]], [[world.agencyA.code, 2]], []]);
    expect(past.total).toBe(2);
  });

  it('exports the whole ranking as CSV (with BOM) and .xlsx, with no rater in it', async () => {
    const csv = await call('GET', '/api/v1/rankings/agencies/export.csv?period=2026-11&minCount=4');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toContain('attachment');
    const text = (csv.body as Buffer).toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const rows = parse(text.slice(1)) as string[][];
    expect(rows[0]!.slice(0, 7)).toEqual(['名次', '代码', '名称', '所属地区', '上级', '评价数', '平均分']);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[5], r[6]])).toEqual([
      ['1', world.agencyA.code, '4', '5.25'],
      ['不参与排名', world.agencyB.code, '3', '5.3333'],
    ]);
    expect(text).not.toMatch(/韦小宝|李雷|王小明/);

    const xlsx = await call('GET', '/api/v1/rankings/regions/export.xlsx?period=2026-11&within=450100&minCount=1');
    expect(xlsx.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.body as never);
    const sheet = book.worksheets[0]!;
    expect(sheet.getRow(2).values).toEqual(expect.arrayContaining([1, '450103000000', '青秀区', 3]));
    expect(sheet.rowCount).toBe(3);
  });
});

describe('drill-down: the ratings behind every figure', () => {
  const behind = (path: string, query = 'period=2026-11') => get(`/api/v1/scores/${path}/ratings?${query}`);

  it('lists exactly the ratings a score counts, rater masked', async () => {
    const a = await behind(`agencies/${world.agencyA.code}`);
    expect(a.total).toBe(4);
    expect(a.items.map((r: { score: number }) => r.score).sort()).toEqual([0, 10, 3, 8].sort());
    expect(a.items[0]).toMatchObject({ packageNumber: 'PKG-S', occasion: { kind: 'composite' }, staff: null, rater: '韦**' });
    expect(JSON.stringify(a)).not.toMatch(/韦小宝|李雷|王小明|4501\d{14}/);
    const tree = await behind('regions/450100');
    expect(tree.total).toBe(6);
    expect(tree.items).toHaveLength(6);
    expect(new Set(tree.items.map((r: { id: number }) => r.id)).size).toBe(6);
    const b = await behind(`staff/${world.staffB.staffNumber}`);
    expect(b.items.map((r: { isDefault: boolean; rater: string | null; scoreDay: string }) => [r.isDefault, r.rater, r.scoreDay])).toEqual([
      [true, null, '2026-11-11'],
      [false, '赵**', '2026-11-03'],
    ]);
    expect((await behind(`business-lines/${world.line.code}`)).items).toHaveLength(5);
    expect((await behind('regions/450100', 'period=2026-11&scope=level')).items).toHaveLength(0);
  });

  it('pages through them', async () => {
    const p1 = await behind('regions/450100', 'period=2026-11&pageSize=4');
    const p2 = await behind('regions/450100', 'period=2026-11&pageSize=4&page=2');
    expect([p1.items.length, p2.items.length]).toEqual([4, 2]);
    expect(new Set([...p1.items, ...p2.items].map((r: { id: number }) => r.id)).size).toBe(6);
  });

  it('finds the same ratings whether it reads newest ratings first or the subject’s occasions first', async () => {
    const path = (code: string) => sql<{ path: string }>`select path from region where code = ${code}`.execute(database().db).then((r) => r.rows[0]!.path);
    const staffId = (number: string) =>
      sql<{ id: number }>`select id from staff where staff_number = ${number}`.execute(database().db).then((r) => String(r.rows[0]!.id));
    const subjects: [StoredDimension, string, string?][] = [
      ['region_tree', '450100000000', await path('450100000000')],
      ['region_tree', '450102000000', await path('450102000000')],
      ['region', '450103000000'],
      ['agency', world.agencyA.code],
      ['staff', await staffId(world.staffB.staffNumber)],
    ];
    const range = { from: '2026-11-01', to: '2026-11-30' };
    for (const [dimension, key, subtree] of subjects) {
      for (const page of [
        { offset: 0, limit: 50 },
        { offset: 1, limit: 2 },
      ]) {
        const q = { dimension, key, path: subtree, range, ...page };
        expect(drillDownFromOccasions({ ...q, count: 1, periodTotal: 1_000_000 })).toBe(true);
        expect(drillDownFromOccasions({ ...q, count: 1_000_000, periodTotal: 1_000_000 })).toBe(false);
        const fromRatings = await ratingsBehind(database().db, { ...q, count: 1_000_000, periodTotal: 1_000_000 });
        const fromOccasions = await ratingsBehind(database().db, { ...q, count: 1, periodTotal: 1_000_000 });
        expect(fromOccasions.map((r) => r.id)).toEqual(fromRatings.map((r) => r.id));
        if (page.offset === 0) expect(fromRatings.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('R6/R11 voided and revoked ratings; as of a past instant', () => {
  it('a void or revocation stops a rating counting; figures as of before it are unchanged', async () => {
    const published = '2026-11-20T00:00:00.000Z';
    const before = await get('/api/v1/rankings/staff?period=2026-11&minCount=1');
    const beforeRegion = await score('regions/450100');

    clock.set('2026-11-21T02:00:00Z');
    await excludeRating(services(), ids[`${world.staffA.staffNumber}:dissatisfied`]!, 'revoked', '系统故障导致超时 (R11)');
    await excludeRating(services(), ids.composite!, 'voided', '与服务无关 (R6)');
    // A later rating of November, given after the publication.
    await serve(world.staffB.staffNumber, world.immediate.code, '2026-11-21T03:00:00Z', 'very_dissatisfied', '孙七');

    expect(await score(`staff/${world.staffA.staffNumber}`)).toMatchObject({ count: 2, scoreSum: 18, mean: 9 });
    expect(await score(`agencies/${world.agencyA.code}`)).toMatchObject({ count: 2, scoreSum: 18 });
    expect(await score('regions/450100')).toMatchObject({ count: 5, scoreSum: 34 });
    expect((await get(`/api/v1/scores/staff/${world.staffA.staffNumber}/ratings?period=2026-11`)).items).toHaveLength(2);

    // As of the publication instant: the same as published.
    const asOf = await get(`/api/v1/rankings/staff?period=2026-11&minCount=1&asOf=${published}`);
    expect(asOf.items).toEqual(before.items);
    // R13: every figure as published; the rectification rate is not given as of an instant (docs/decisions.md, "Rectification rate").
    expect(await score('regions/450100', `period=2026-11&asOf=${published}`)).toEqual({ ...beforeRegion, asOf: published, rectification: null });
    const behindThen = await get(`/api/v1/scores/staff/${world.staffA.staffNumber}/ratings?period=2026-11&asOf=${published}`);
    expect(behindThen.items).toHaveLength(3);
    // Folding changes nothing, as of then or now.
    await foldAll(database().db);
    expect((await get(`/api/v1/rankings/staff?period=2026-11&minCount=1&asOf=${published}`)).items).toEqual(before.items);
    expect(await score('regions/450100')).toMatchObject({ count: 5, scoreSum: 34 });
  });

  it('refuses to exclude a rating twice, or an unknown one, and changes nothing', async () => {
    const id = ids[`${world.staffA.staffNumber}:dissatisfied`]!;
    await expect(excludeRating(services(), id, 'voided', '重复')).rejects.toMatchObject({ id: 'rating_already_excluded' });
    await expect(excludeRating(services(), 999_999, 'voided', 'x')).rejects.toMatchObject({ id: 'rating_not_found' });
    await expect(excludeRating(services(), ids[`${world.staffA.staffNumber}:satisfied`]!, 'voided', ' ')).rejects.toMatchObject({ id: 'validation_failed' });
    expect(await score(`staff/${world.staffA.staffNumber}`)).toMatchObject({ count: 2 });
  });
});

describe('bad requests get a stable error id', () => {
  it.each([
    ['/api/v1/scores/staff/NOBODY?period=2026-11', 404, 'staff_not_found'],
    ['/api/v1/scores/agencies/91450100MA5XXXXXXX?period=2026-11', 404, 'agency_not_found'],
    ['/api/v1/scores/regions/999999?period=2026-11', 404, 'region_not_found'],
    ['/api/v1/scores/windows/1?period=2026-11', 400, 'validation_failed'],
    ['/api/v1/scores/regions/450100?period=2026-13', 400, 'validation_failed'],
    ['/api/v1/scores/regions/450100', 400, 'validation_failed'],
    ['/api/v1/scores/regions/450100?from=2026-11-30&to=2026-11-01', 400, 'validation_failed'],
    ['/api/v1/scores/regions/450100?period=2026-11&asOf=2030-01-01T00:00:00Z', 400, 'as_of_in_future'],
    ['/api/v1/scores/regions/450100?period=2026-11&asOf=yesterday', 400, 'validation_failed'],
    ['/api/v1/scores/agencies/X?period=2026-11&scope=level', 400, 'filter_not_applicable'],
    ['/api/v1/rankings/regions?period=2026-11&line=X', 400, 'filter_not_applicable'],
    ['/api/v1/rankings/business-lines?period=2026-11&central=true', 400, 'filter_not_applicable'],
    ['/api/v1/rankings/agencies?period=2026-11&within=459999', 404, 'region_not_found'],
    ['/api/v1/rankings/agencies?period=2026-11&within=abc', 400, 'invalid_region_code'],
    ['/api/v1/rankings/agencies?period=2026-11&line=NOPE', 404, 'business_line_not_found'],
    ['/api/v1/rankings/agencies?period=2026-11&order=best', 400, 'validation_failed'],
  ])('%s → %i %s', async (url, status, id) => {
    const res = await call('GET', url);
    expect(res.status).toBe(status);
    expect(res.body.error.id).toBe(id);
  });
});
