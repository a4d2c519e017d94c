// Bulk import: dry run reports every bad row and changes nothing; a commit
// applies a whole valid file in one transaction or nothing; re-importing is a
// no-op; exports import back unchanged.
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { buildAgency, buildBusinessLine, buildCenter, buildWindow, creditCode, residentId } from '../support/factories.ts';
import { csvFile, sheetFile, xlsxFile } from '../support/sheets.ts';
import { systemCaller } from '../../src/app/context.ts';
import { importSheet, resumeImports } from '../../src/app/imports.ts';

const { app, database, clock, services } = useTestApp();

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
async function upload(kind: string, file: Buffer, commit: boolean, contentType = XLSX) {
  const res = await app().inject({ method: 'POST', url: `/api/v1/imports/${kind}?commit=${commit}`, payload: file, headers: { 'content-type': contentType } });
  return { status: res.statusCode, body: res.json() };
}
const count = async (table: string) => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(database().db)).rows[0]!.n;
const post = async (url: string, payload: object) => {
  const res = await app().inject({ method: 'POST', url, payload });
  if (res.statusCode !== 201) throw new Error(`${url}: ${res.body}`);
  return res.json();
};

const AGENCY_HEADER = ['统一社会信用代码', '机构名称', '所属地区代码', '业务条线代码', '是否中直驻桂单位'];
const line = { code: 'SCJG' };

beforeAll(async () => {
  await post('/api/v1/business-lines', buildBusinessLine({ code: line.code }));
});

function agencyRows(n: number, start: number): string[][] {
  return Array.from({ length: n }, (_, i) => [creditCode(start + i, '450103'), `青秀区第${i + 1}机构`, '450103', line.code, i % 50 === 0 ? '是' : '否']);
}

describe('importing 1,000 agencies with 3 bad rows', () => {
  const rows = agencyRows(1000, 100_000);
  const broken = rows.map((r) => [...r]);
  broken[9]![0] = '91350100M000100Y44'; // bad check character → row 11
  broken[499]![2] = '460100'; // a Hainan city → row 501
  broken[999]![0] = broken[1]![0]!; // repeats row 3 → row 1001

  it('dry run lists exactly those 3 and changes nothing', async () => {
    const before = await count('agency');
    const { status, body } = await upload('agencies', await xlsxFile([AGENCY_HEADER, ...broken]), false);
    expect(status).toBe(200);
    expect(body).toMatchObject({ mode: 'dry-run', committed: false, format: 'xlsx', rows: 1000, errorCount: 3, inserted: 997 });
    expect(body.errors).toEqual([
      { row: 11, column: '统一社会信用代码', reason: expect.stringContaining('not a valid unified social credit code') },
      { row: 501, column: '所属地区代码', reason: 'no region has the code 460100000000' },
      { row: 1001, column: '统一社会信用代码', reason: 'repeats row 3' },
    ]);
    expect(await count('agency')).toBe(before);
  });

  it('commit refuses the file whole (422) and changes nothing', async () => {
    const before = await count('agency');
    const { status, body } = await upload('agencies', await xlsxFile([AGENCY_HEADER, ...broken]), true);
    expect(status).toBe(422);
    expect(body.error.id).toBe('import_has_errors');
    expect(body.report).toMatchObject({ committed: false, errorCount: 3 });
    expect(await count('agency')).toBe(before);
  });

  it('the fixed file imports; importing it again changes nothing', async () => {
    const before = await count('agency');
    const file = await xlsxFile([AGENCY_HEADER, ...rows]);
    const first = await upload('agencies', file, true);
    expect(first.body).toMatchObject({ committed: true, rows: 1000, inserted: 1000, updated: 0, unchanged: 0, errorCount: 0 });
    expect(await count('agency')).toBe(before + 1000);
    const again = await upload('agencies', file, true);
    expect(again.body).toMatchObject({ committed: true, inserted: 0, updated: 0, unchanged: 1000 });
    const stamp = await sql<{ t: Date }>`select max(updated_at) as t from agency`.execute(database().db);
    await upload('agencies', file, true);
    const stampAfter = await sql<{ t: Date }>`select max(updated_at) as t from agency`.execute(database().db);
    expect(stampAfter.rows[0]!.t).toEqual(stamp.rows[0]!.t);
  });

  it('a changed row is updated, the rest left alone', async () => {
    const changed = rows.map((r) => [...r]);
    changed[5]![1] = '青秀区行政审批局';
    const { body } = await upload('agencies', await xlsxFile([AGENCY_HEADER, ...changed]), true);
    expect(body).toMatchObject({ inserted: 0, updated: 1, unchanged: 999 });
  });
});

describe('file formats and headers', () => {
  let start = 200_000;
  const rows = () => agencyRows(3, (start += 10));

  it('reads CSV in UTF-8 (with or without BOM) and in GB18030, as Excel on Chinese Windows saves it', async () => {
    for (const encoding of ['utf8', 'utf8-bom', 'gb18030'] as const) {
      const data = rows();
      const { body } = await upload('agencies', csvFile([AGENCY_HEADER, ...data], encoding), true, 'text/csv');
      expect(body).toMatchObject({ format: 'csv', committed: true, inserted: 3 });
      const stored = await sql<{ name: string }>`select name from agency where code = ${data[0]![0]}`.execute(database().db);
      expect(stored.rows[0]!.name).toBe('青秀区第1机构');
    }
  });

  it('reads a file far larger than the first chunk the format is told from', async () => {
    const data = agencyRows(3000, 300_000);
    const file = csvFile([AGENCY_HEADER, ...data], 'gb18030');
    expect(file.length).toBeGreaterThan(150_000);
    const { body } = await upload('agencies', file, false, 'text/csv');
    expect(body).toMatchObject({ rows: 3000, inserted: 3000, errorCount: 0 });
    const big = await upload('agencies', await xlsxFile([AGENCY_HEADER, ...data]), false);
    expect(big.body).toMatchObject({ rows: 3000, inserted: 3000, errorCount: 0 });
  });

  it('accepts API field names as headers, and application/octet-stream', async () => {
    const { body } = await upload(
      'agencies',
      await xlsxFile([['code', 'name', 'regionCode', 'businessLineCode'], ...rows().map((r) => r.slice(0, 4))]),
      false,
      'application/octet-stream',
    );
    expect(body).toMatchObject({ errorCount: 0, inserted: 3 });
  });

  it('reports unknown and missing columns on row 1 and reads no rows', async () => {
    const { body } = await upload(
      'agencies',
      await xlsxFile([
        ['统一社会信用代码', '机构名', '颜色'],
        ['x', 'y', 'z'],
      ]),
      false,
    );
    expect(body.errors).toEqual([
      { row: 1, column: '机构名', reason: expect.stringContaining('is not a column of 政务服务机构') },
      { row: 1, column: '颜色', reason: expect.stringContaining('is not a column') },
      { row: 1, column: '机构名称', reason: 'required column is missing' },
      { row: 1, column: '所属地区代码', reason: 'required column is missing' },
      { row: 1, column: '业务条线代码', reason: 'required column is missing' },
    ]);
  });

  it('says when Excel turned an 18-digit number into a float', async () => {
    const { body } = await upload(
      'staff',
      await xlsxFile([
        ['工号', '姓名', '所属机构统一社会信用代码', '身份证号'],
        // eslint-disable-next-line no-loss-of-precision -- what Excel does to an 18-digit number typed into a cell
        ['A1', '王五', creditCode(1), 450102199001011234],
      ]),
      false,
    );
    expect(body.errors).toEqual([{ row: 2, column: '身份证号', reason: expect.stringContaining('stored by Excel as a number') }]);
  });

  it('refuses an empty file, a header without rows, and a body that is not a file', async () => {
    expect((await upload('agencies', Buffer.alloc(0), false, 'text/csv')).body.errors[0].reason).toContain('empty');
    expect((await upload('agencies', csvFile([AGENCY_HEADER]), false, 'text/csv')).body.errors[0].reason).toContain('no rows');
    const json = await app().inject({ method: 'POST', url: '/api/v1/imports/agencies', payload: { a: 1 } });
    expect(json.statusCode).toBe(415);
    const kind = await app().inject({ method: 'POST', url: '/api/v1/imports/cats', payload: csvFile([['x']]), headers: { 'content-type': 'text/csv' } });
    expect(kind.json().error.id).toBe('validation_failed');
  });
});

describe('importing every kind, in order, and exports that import back unchanged', () => {
  it('centers may list a sub-center after its center in the same file', async () => {
    const header = ['中心代码', '中心名称', '所属地区代码', '上级中心代码'];
    const { body } = await upload(
      'centers',
      await xlsxFile([
        header,
        ['QX-C', '青秀区政务服务中心', '450103', ''],
        ['QX-SUB', '青秀区不动产分中心', '450103', 'QX-C'],
        ['QX-BAD', '错误分中心', '450103', 'QX-LATER'],
      ]),
      true,
    );
    expect(body.report.errors).toEqual([{ row: 4, column: '上级中心代码', reason: 'no center has the code QX-LATER' }]);
    const fixed = await upload(
      'centers',
      await xlsxFile([header, ['QX-C', '青秀区政务服务中心', '450103', ''], ['QX-SUB', '青秀区不动产分中心', '450103', 'QX-C']]),
      true,
    );
    expect(fixed.body).toMatchObject({ committed: true, inserted: 2 });
  });

  it('staff: new numbers get a first assignment; a changed agency is a transfer (R3); ID numbers stay protected', async () => {
    const a1 = await post('/api/v1/agencies', buildAgency({ businessLineCode: line.code }));
    const a2 = await post('/api/v1/agencies', buildAgency({ businessLineCode: line.code }));
    const center = await post('/api/v1/centers', buildCenter());
    await post('/api/v1/windows', buildWindow({ centerCode: center.code, agencyCode: a1.code, number: '7' }));
    const header = ['工号', '姓名', '所属机构统一社会信用代码', '所在中心代码', '窗口号', '身份证号', '手机号'];
    const id = residentId(42);
    const people = [
      ['GX001', '黄一', a1.code, center.code, '7', id, '13900000001'],
      ['GX002', '韦二', a1.code, '', '', '', ''],
    ];
    clock.set('2026-04-01T00:00:00Z');
    expect((await upload('staff', await xlsxFile([header, ...people]), true)).body).toMatchObject({ inserted: 2, updated: 0 });
    expect((await upload('staff', await xlsxFile([header, ...people]), true)).body).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
    clock.set('2026-05-01T00:00:00Z');
    people[0]![2] = a2.code;
    people[0]![3] = '';
    people[0]![4] = '';
    expect((await upload('staff', await xlsxFile([header, ...people]), true)).body).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
    const history = (await app().inject('/api/v1/staff/GX001/assignments')).json();
    expect(
      history.assignments.map((a: { agencyCode: string; windowNumber: string | null; validFrom: string; reason: string }) => [
        a.agencyCode,
        a.windowNumber,
        a.validFrom,
        a.reason,
      ]),
    ).toEqual([
      [a1.code, '7', '2026-04-01T00:00:00.000Z', 'import'],
      [a2.code, null, '2026-05-01T00:00:00.000Z', 'import'],
    ]);
    const raw = await sql`select * from staff where staff_number = 'GX001'`.execute(database().db);
    expect(JSON.stringify(raw.rows)).not.toContain(id);
    expect(JSON.stringify(raw.rows)).not.toContain('13900000001');
  });

  it.each(['business-lines', 'agencies', 'centers', 'windows', 'staff', 'matters'])('%s: the export imports back with nothing to change', async (kind) => {
    if (kind === 'matters') {
      const a = await post('/api/v1/agencies', buildAgency({ businessLineCode: line.code }));
      await post('/api/v1/matters', {
        code: 'MAT-EXPORT-1',
        name: '食品经营许可',
        kind: 'promised',
        businessLineCode: line.code,
        agencyCode: a.code,
        timeLimitDays: 20,
      });
    }
    const exported = await app().inject(`/api/v1/${kind}/export.xlsx`);
    const { body } = await upload(kind, exported.rawPayload, true);
    expect(body.errorCount).toBe(0);
    expect(body.rows).toBeGreaterThan(0);
    expect(body).toMatchObject({ inserted: 0, updated: 0, unchanged: body.rows });
  });
});

describe('a commit is staged, then applied in short steps (issue 10)', () => {
  const importing = (kind: 'centers' | 'agencies', file: Buffer, options: { applySlice: number; stopAfterSlices?: number }) =>
    importSheet(services(), systemCaller('test'), kind, sheetFile(file), { commit: true, ...options });

  it('sub-centers listed before their center are applied after it, across steps', async () => {
    const header = ['中心代码', '中心名称', '所属地区代码', '上级中心代码'];
    const rows = [
      ['XX-SUB1', '兴宁区第一分中心', '450102', 'XX-C'],
      ['XX-SUB2', '兴宁区第二分中心', '450102', 'XX-C'],
      ['XX-SUB3', '兴宁区第三分中心', '450102', 'XX-C'],
      ['XX-C', '兴宁区政务服务中心', '450102', ''],
    ];
    const report = await importing('centers', await xlsxFile([header, ...rows]), { applySlice: 1 });
    expect(report).toMatchObject({ committed: true, inserted: 4, errorCount: 0 });
    const parents = await sql<{
      code: string;
      parent_code: string | null;
    }>`select code, parent_code from service_center where code like 'XX-%' order by code`.execute(database().db);
    expect(parents.rows.map((r) => [r.code, r.parent_code])).toEqual([
      ['XX-C', null],
      ['XX-SUB1', 'XX-C'],
      ['XX-SUB2', 'XX-C'],
      ['XX-SUB3', 'XX-C'],
    ]);
  });

  it('a commit a crash interrupted between steps keeps the catalogue shut and is completed at the next start, once', async () => {
    const rows = agencyRows(10, 300_000);
    const file = await xlsxFile([AGENCY_HEADER, ...rows]);
    const before = await count('agency');
    const audits = async () =>
      (
        await sql<{ changes: { inserted: number } }>`select changes from audit_event where action = 'catalogue.import' and changes ->> 'rows' = '10'`.execute(
          database().db,
        )
      ).rows;
    await expect(importing('agencies', file, { applySlice: 3, stopAfterSlices: 2 })).rejects.toThrow(/stopped after 2 step/);
    // Two steps of three rows were applied; the other four wait staged.
    expect(await count('agency')).toBe(before + 6);
    expect(await count('import_row')).toBe(10);

    // Meanwhile the catalogue is shut to other changes (what was checked is what gets applied)…
    const change = await app().inject({ method: 'POST', url: '/api/v1/agencies', payload: buildAgency({ businessLineCode: line.code }) });
    expect(change.statusCode).toBe(409);
    expect(change.json().error.id).toBe('import_in_progress');
    expect(change.headers['retry-after']).toBe('10');
    const another = await upload('agencies', await xlsxFile([AGENCY_HEADER, ...agencyRows(1, 310_000)]), true);
    expect(another).toMatchObject({ status: 409, body: { error: { id: 'import_in_progress' } } });
    // …while reads and dry runs go on.
    expect((await app().inject('/api/v1/agencies?pageSize=1')).statusCode).toBe(200);
    expect((await upload('agencies', await xlsxFile([AGENCY_HEADER, ...agencyRows(1, 310_000)]), false)).status).toBe(200);
    expect(await audits()).toEqual([]);

    // The next start completes it: every row, one audit record, the staging gone, the catalogue open again.
    expect(await resumeImports(services())).toEqual({ completed: 1, discarded: 0, failed: [] });
    expect(await count('agency')).toBe(before + 10);
    expect(await count('import_row')).toBe(0);
    expect((await audits()).map((a) => a.changes.inserted)).toEqual([10]);
    expect(await resumeImports(services())).toEqual({ completed: 0, discarded: 0, failed: [] });
    const after = await app().inject({ method: 'POST', url: '/api/v1/agencies', payload: buildAgency({ businessLineCode: line.code }) });
    expect(after.statusCode).toBe(201);
  });

  it('a check a crash interrupted before applying is dropped at the next start and changed nothing', async () => {
    const before = await count('agency');
    const { beginImport, stageRows } = await import('../../src/storage/imports.ts');
    const id = (await beginImport(database().db, { kind: 'agencies', commit: true, caller: systemCaller('test'), at: new Date(), format: 'csv' }))!;
    await stageRows(database().db, id, [
      { applyOrder: 0, rowNumber: 2, data: { code: creditCode(320_000, '450103'), name: '未完成的导入', region_code: '450103000000' } },
    ]);
    expect((await app().inject({ method: 'POST', url: '/api/v1/agencies', payload: buildAgency({ businessLineCode: line.code }) })).statusCode).toBe(409);
    expect(await resumeImports(services())).toEqual({ completed: 0, discarded: 1, failed: [] });
    expect(await count('agency')).toBe(before);
    expect(await count('import_row')).toBe(0);
    expect((await app().inject({ method: 'POST', url: '/api/v1/agencies', payload: buildAgency({ businessLineCode: line.code }) })).statusCode).toBe(201);
  });

  it('a step that keeps failing marks the import failed after three attempts and opens the catalogue again', async () => {
    // A fault no check can foresee, planted in the database: the second agency cannot be written.
    const rows = agencyRows(3, 330_000);
    await sql`create function refuse_agency() returns trigger language plpgsql as $$
      begin if new.code = ${sql.lit(rows[1]![0]!)} then raise exception 'disk full (planted)'; end if; return new; end $$`.execute(database().db);
    await sql`create trigger refuse_agency before insert on agency for each row execute function refuse_agency()`.execute(database().db);
    try {
      const before = await count('agency');
      const failure = await importing('agencies', await xlsxFile([AGENCY_HEADER, ...rows]), { applySlice: 1 }).catch((e: unknown) => e);
      expect(failure).toMatchObject({ id: 'import_failed', kind: 'internal' });
      expect(String((failure as Error).message)).toContain('Rows up to 2 (in apply order) were applied');
      expect(await count('agency')).toBe(before + 1);
      const state = await sql<{
        state: string;
        attempts: number;
        last_error: string;
      }>`select state, attempts, last_error from catalogue_import order by id desc limit 1`.execute(database().db);
      expect(state.rows[0]).toMatchObject({ state: 'failed', attempts: 3, last_error: expect.stringContaining('disk full (planted)') });
      const audit = await sql<{ changes: { appliedThroughRow: number } }>`select changes from audit_event where action = 'catalogue.import_failed'`.execute(
        database().db,
      );
      expect(audit.rows.map((a) => a.changes.appliedThroughRow)).toEqual([2]);
      // The catalogue is open again, and a start has nothing to resume.
      expect((await app().inject({ method: 'POST', url: '/api/v1/agencies', payload: buildAgency({ businessLineCode: line.code }) })).statusCode).toBe(201);
      expect(await resumeImports(services())).toEqual({ completed: 0, discarded: 0, failed: [] });
    } finally {
      await sql`drop trigger refuse_agency on agency`.execute(database().db);
      await sql`drop function refuse_agency()`.execute(database().db);
    }
  });

  it('a move within the instant the post began is refused by row (R3: a period ends after it begins)', async () => {
    const a1 = await post('/api/v1/agencies', buildAgency({ businessLineCode: line.code }));
    const a2 = await post('/api/v1/agencies', buildAgency({ businessLineCode: line.code }));
    const header = ['工号', '姓名', '所属机构统一社会信用代码', '到岗时间'];
    clock.set('2026-06-01T08:00:00Z');
    // A clock a few minutes ahead is accepted, and the post begins at the import's instant, not later.
    expect((await upload('staff', await xlsxFile([header, ['GX-INSTANT', '农一', a1.code, '2026-06-01T08:04:00Z']]), true)).body).toMatchObject({
      inserted: 1,
    });
    const moved = await upload('staff', await xlsxFile([header, ['GX-INSTANT', '农一', a2.code, '']]), true);
    expect(moved.status).toBe(422);
    expect(moved.body.report.errors).toEqual([{ row: 2, column: '所属机构统一社会信用代码', reason: expect.stringContaining('after this import started') }]);
    clock.set('2026-06-01T08:01:00Z');
    expect((await upload('staff', await xlsxFile([header, ['GX-INSTANT', '农一', a2.code, '']]), true)).body).toMatchObject({ updated: 1 });
    const history = (await app().inject('/api/v1/staff/GX-INSTANT/assignments')).json();
    expect(history.assignments.map((a: { validFrom: string }) => a.validFrom)).toEqual(['2026-06-01T08:00:00.000Z', '2026-06-01T08:01:00.000Z']);
  });

  it('two evaluation devices of one file cannot share a serial', async () => {
    const a = await post('/api/v1/agencies', buildAgency({ businessLineCode: line.code }));
    const center = await post('/api/v1/centers', buildCenter());
    const header = ['中心代码', '窗口号', '窗口名称', '进驻机构统一社会信用代码', '评价器编号'];
    const { status, body } = await upload(
      'windows',
      await xlsxFile([header, [center.code, '1', '一号窗口', a.code, 'DEV-DUP-1'], [center.code, '2', '二号窗口', a.code, 'DEV-DUP-1']]),
      true,
    );
    expect(status).toBe(422);
    expect(body.report.errors).toEqual([{ row: 3, column: '评价器编号', reason: 'repeats the device of row 2' }]);
  });
});
