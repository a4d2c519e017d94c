// R1-R3: the catalogue through the API, on both databases.
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { buildAgency, buildBusinessLine, buildCenter, buildMatter, buildStaff, buildWindow, creditCode, residentId } from '../support/factories.ts';

const { app, database, clock } = useTestApp();

async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  const res = await app().inject({ method, url, payload: payload as object });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}
const ok = async (method: 'POST' | 'PATCH', url: string, payload?: unknown) => {
  const res = await call(method, url, payload);
  if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

let line: { code: string };
let agency: { code: string };
let center: { code: string };

beforeAll(async () => {
  line = await ok('POST', '/api/v1/business-lines', buildBusinessLine());
  agency = await ok('POST', '/api/v1/agencies', buildAgency({ businessLineCode: line.code }));
  center = await ok('POST', '/api/v1/centers', buildCenter());
});

describe('business lines', () => {
  it('are created, read, listed, updated', async () => {
    const body = buildBusinessLine({ code: 'scjg-x', name: '市场监管条线' });
    const created = await call('POST', '/api/v1/business-lines', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 'SCJG-X', name: '市场监管条线', status: 'active', retiredAt: null });
    expect((await call('GET', '/api/v1/business-lines/scjg-x')).body.code).toBe('SCJG-X');
    const listed = await call('GET', `/api/v1/business-lines?q=${encodeURIComponent('市场监管条线')}`);
    expect(listed.body.items.map((l: { code: string }) => l.code)).toEqual(['SCJG-X']);
    const updated = await call('PATCH', '/api/v1/business-lines/SCJG-X', { department: '自治区市场监管局' });
    expect(updated.body).toMatchObject({ code: 'SCJG-X', name: '市场监管条线', department: '自治区市场监管局' });
  });

  it.each([
    [{ name: '无代码', department: 'x' }, '/body/code', 'validation_failed'],
    [{ code: 'a b', name: 'x', department: 'x' }, '/body/code', 'validation_failed'],
    [{ code: 'OK1', name: '', department: 'x' }, '/body/name', 'validation_failed'],
    [{ code: 'OK2', name: 'x'.repeat(101), department: 'x' }, '/body/name', 'validation_failed'],
    [{ code: 'OK3', name: 'x', department: 'x', color: 'red' }, '/body/color', 'validation_failed'],
  ])('refuses %j naming %s', async (body, field, id) => {
    const res = await call('POST', '/api/v1/business-lines', body);
    expect(res.status).toBe(400);
    expect(res.body.error.id).toBe(id);
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('a list names what its rows name by code: the region, the line, the agency, the center (people read names)', async () => {
    const named = await ok('POST', '/api/v1/business-lines', buildBusinessLine({ code: 'NAMES-L', name: '不动产条线' }));
    const a = await ok('POST', '/api/v1/agencies', buildAgency({ businessLineCode: named.code, regionCode: '450102', name: '兴宁区不动产登记中心' }));
    const listed = await call('GET', `/api/v1/agencies?q=${encodeURIComponent('兴宁区不动产登记中心')}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ code: a.code, names: { regionCode: '兴宁区', businessLineCode: '不动产条线' } })]);
    const w = await ok('POST', '/api/v1/windows', buildWindow({ centerCode: center.code, agencyCode: a.code }));
    const windows = await call('GET', `/api/v1/windows?centerCode=${center.code}&agencyCode=${a.code}`);
    expect(windows.body.items).toEqual([expect.objectContaining({ number: w.number, names: expect.objectContaining({ agencyCode: '兴宁区不动产登记中心' }) })]);
  });

  it('refuses a second one with the same code', async () => {
    const res = await call('POST', '/api/v1/business-lines', buildBusinessLine({ code: line.code }));
    expect(res.status).toBe(409);
    expect(res.body.error.id).toBe('business_line_already_exists');
  });

  it('refuses to change the key', async () => {
    const res = await call('PATCH', `/api/v1/business-lines/${line.code}`, { code: 'OTHER' });
    expect(res.status).toBe(400);
    expect(res.body.error.fields[0].field).toBe('/body/code');
  });
});

describe('agencies', () => {
  it('checks the credit code, the region and the business line, naming each field', async () => {
    const res = await call('POST', '/api/v1/agencies', buildAgency({ businessLineCode: line.code, code: '91350100M000100Y44' }));
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual([{ field: '/body/code', message: expect.stringContaining('unified social credit code') }]);
    const refs = await call('POST', '/api/v1/agencies', buildAgency({ businessLineCode: 'NOPE', regionCode: '460000' }));
    expect(refs.status).toBe(400);
    expect(refs.body.error.id).toBe('invalid_reference');
    expect(refs.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['/body/businessLineCode', '/body/regionCode']);
  });

  it('take 6-digit region codes and filter by region subtree or this level only', async () => {
    const town = await ok('POST', '/api/v1/agencies', buildAgency({ businessLineCode: line.code, regionCode: '450102001', name: '民生街道便民服务站' }));
    const city = await ok(
      'POST',
      '/api/v1/agencies',
      buildAgency({ businessLineCode: line.code, regionCode: '450100', centralUnit: true, name: '国家税务总局南宁市税务局' }),
    );
    expect(town.regionCode).toBe('450102001000');
    const xingning = await call('GET', '/api/v1/agencies?regionCode=450102&pageSize=500');
    const codes = xingning.body.items.map((a: { code: string }) => a.code);
    expect(codes).toContain(town.code);
    expect(codes).not.toContain(city.code);
    const thisLevel = await call('GET', '/api/v1/agencies?regionCode=450102&regionScope=this&pageSize=500');
    expect(thisLevel.body.items.map((a: { code: string }) => a.code)).not.toContain(town.code);
    const nanning = await call('GET', '/api/v1/agencies?regionCode=450100&centralUnit=true');
    expect(nanning.body.items.map((a: { code: string }) => a.code)).toEqual([city.code]);
  });

  it('cannot be retired while staff, windows or matters depend on them; then can, and be reinstated', async () => {
    const a = await ok('POST', '/api/v1/agencies', buildAgency({ businessLineCode: line.code }));
    const s = await ok('POST', '/api/v1/staff', buildStaff({ agencyCode: a.code }));
    const refused = await call('POST', `/api/v1/agencies/${a.code}/retire`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ id: 'agency_in_use', message: expect.stringContaining('1 active staff') });
    await ok('POST', `/api/v1/staff/${s.staffNumber}/retire`);
    const retired = await call('POST', `/api/v1/agencies/${a.code}/retire`);
    expect(retired.body).toMatchObject({ status: 'retired', retiredAt: expect.any(String) });
    expect((await call('GET', `/api/v1/agencies?q=${a.code}`)).body.total).toBe(0);
    expect((await call('GET', `/api/v1/agencies?q=${a.code}&status=all`)).body.total).toBe(1);
    // Nothing new may point at a retired agency.
    const staffThere = await call('POST', '/api/v1/staff', buildStaff({ agencyCode: a.code }));
    expect(staffThere.body.error).toMatchObject({
      id: 'invalid_reference',
      fields: [{ field: '/body/agencyCode', message: expect.stringContaining('retired') }],
    });
    expect((await call('POST', `/api/v1/agencies/${a.code}/reinstate`)).body.status).toBe('active');
  });
});

describe('centers and windows', () => {
  it('a sub-center belongs to a center of the same region, one level deep', async () => {
    const sub = await call('POST', '/api/v1/centers', buildCenter({ parentCode: center.code, name: '不动产登记分中心' }));
    expect(sub.status).toBe(201);
    const deeper = await call('POST', '/api/v1/centers', buildCenter({ parentCode: sub.body.code }));
    expect(deeper.body.error.fields[0]).toMatchObject({ field: '/body/parentCode', message: expect.stringContaining('itself a sub-center') });
    const elsewhere = await call('POST', '/api/v1/centers', buildCenter({ parentCode: center.code, regionCode: '450103' }));
    expect(elsewhere.body.error.fields[0].message).toContain('is in region 450102000000');
    const subs = await call('GET', `/api/v1/centers?parentCode=${center.code}`);
    expect(subs.body.items.map((c: { code: string }) => c.code)).toEqual([sub.body.code]);
    const retire = await call('POST', `/api/v1/centers/${center.code}/retire`);
    expect(retire.body.error.id).toBe('center_in_use');
  });

  it('windows are numbered within their center, with a unique evaluation device', async () => {
    const w = await ok('POST', '/api/v1/windows', buildWindow({ centerCode: center.code, agencyCode: agency.code, number: 'A01', deviceSerial: 'DEV-0001' }));
    expect(w).toMatchObject({ id: expect.any(Number), centerCode: center.code, number: 'A01', deviceSerial: 'DEV-0001' });
    expect((await call('GET', `/api/v1/windows/${center.code}/A01`)).body.id).toBe(w.id);
    const again = await call('POST', '/api/v1/windows', buildWindow({ centerCode: center.code, agencyCode: agency.code, number: 'A01' }));
    expect(again.body.error.id).toBe('window_already_exists');
    const device = await call(
      'POST',
      '/api/v1/windows',
      buildWindow({ centerCode: center.code, agencyCode: agency.code, number: 'A02', deviceSerial: 'DEV-0001' }),
    );
    expect(device.body.error.fields[0]).toMatchObject({ field: '/body/deviceSerial', message: expect.stringContaining(`${center.code}/A01`) });
  });
});

describe('staff', () => {
  it('keeps ID number and phone protected: masked in responses, ciphertext in the table', async () => {
    const id = residentId(7, '450102', '19880315');
    const created = await ok('POST', '/api/v1/staff', buildStaff({ agencyCode: agency.code, name: '李四', idNumber: id, phone: '13812345678' }));
    expect(created).toMatchObject({ name: '李四', idNumberMasked: `4501**********${id.slice(-4)}`, phoneMasked: '138****5678' });
    expect(JSON.stringify(created)).not.toContain(id);
    const { rows } = await sql<Record<string, unknown>>`select * from staff where staff_number = ${created.staffNumber}`.execute(database().db);
    const raw = JSON.stringify(rows[0]);
    expect(raw).not.toContain(id);
    expect(raw).not.toContain('13812345678');
    expect(raw).not.toContain(id.slice(6, 14));
    const bad = await call('POST', '/api/v1/staff', buildStaff({ agencyCode: agency.code, idNumber: '450102198803150000', phone: '12345' }));
    expect(bad.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['/body/idNumber', '/body/phone']);
  });

  it('a window number needs its center, and must be a window of that center', async () => {
    const noCenter = await call('POST', '/api/v1/staff', buildStaff({ agencyCode: agency.code, windowNumber: 'A01' }));
    expect(noCenter.body.error.fields[0].field).toBe('/body/centerCode');
    const wrong = await call('POST', '/api/v1/staff', buildStaff({ agencyCode: agency.code, centerCode: center.code, windowNumber: 'Z99' }));
    expect(wrong.body.error.fields[0]).toMatchObject({ field: '/body/windowNumber', message: `center ${center.code} has no window Z99` });
  });

  it('a transfer keeps both periods in the history (R3)', async () => {
    clock.set('2026-03-02T02:00:00Z');
    const other = await ok('POST', '/api/v1/agencies', buildAgency({ businessLineCode: line.code, name: '青秀区行政审批局', regionCode: '450103' }));
    await ok('POST', '/api/v1/windows', buildWindow({ centerCode: center.code, agencyCode: agency.code, number: 'B01' }));
    const s = await ok('POST', '/api/v1/staff', buildStaff({ agencyCode: agency.code, centerCode: center.code, windowNumber: 'B01' }));
    clock.set('2026-03-10T01:00:00Z');
    const url = `/api/v1/staff/${s.staffNumber}/transfer`;

    const future = await call('POST', url, { agencyCode: other.code, effectiveAt: '2026-03-11T00:00:00+08:00' });
    expect(future.body.error.id).toBe('transfer_in_future');
    const tooEarly = await call('POST', url, { agencyCode: other.code, effectiveAt: '2026-03-01T00:00:00+08:00' });
    expect(tooEarly.body.error.id).toBe('transfer_before_current_assignment');
    const same = await call('POST', url, { agencyCode: agency.code, centerCode: center.code, windowNumber: 'B01' });
    expect(same.body.error.id).toBe('transfer_changes_nothing');

    const history = await ok('POST', url, { agencyCode: other.code, effectiveAt: '2026-03-05T00:00:00+08:00' });
    expect(history.assignments).toEqual([
      {
        agencyCode: agency.code,
        agencyName: expect.any(String),
        centerCode: center.code,
        windowNumber: 'B01',
        validFrom: '2026-03-02T02:00:00.000Z',
        validTo: '2026-03-04T16:00:00.000Z',
        reason: 'created',
      },
      {
        agencyCode: other.code,
        agencyName: '青秀区行政审批局',
        centerCode: null,
        windowNumber: null,
        validFrom: '2026-03-04T16:00:00.000Z',
        validTo: null,
        reason: 'transfer',
      },
    ]);
    expect((await call('GET', `/api/v1/staff/${s.staffNumber}`)).body).toMatchObject({ agencyCode: other.code, centerCode: null, windowNumber: null });

    // Changing the agency by PATCH is a transfer too, effective now.
    clock.set('2026-03-12T01:00:00Z');
    await ok('PATCH', `/api/v1/staff/${s.staffNumber}`, { agencyCode: agency.code, name: '张三丰' });
    const after = (await call('GET', `/api/v1/staff/${s.staffNumber}/assignments`)).body;
    expect(after.name).toBe('张三丰');
    expect(after.assignments.map((a: { agencyCode: string; validFrom: string }) => [a.agencyCode, a.validFrom])).toEqual([
      [agency.code, '2026-03-02T02:00:00.000Z'],
      [other.code, '2026-03-04T16:00:00.000Z'],
      [agency.code, '2026-03-12T01:00:00.000Z'],
    ]);
  });
});

describe('matters', () => {
  it('are immediate or promised, with a statutory time limit', async () => {
    const m = await ok('POST', '/api/v1/matters', buildMatter({ businessLineCode: line.code, agencyCode: agency.code, kind: 'immediate', timeLimitDays: 0 }));
    expect(m).toMatchObject({ kind: 'immediate', timeLimitDays: 0 });
    const bad = await call('POST', '/api/v1/matters', buildMatter({ businessLineCode: line.code, agencyCode: agency.code, kind: 'later', timeLimitDays: -1 }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['/body/kind', '/body/timeLimitDays']);
    expect((await call('GET', '/api/v1/matters?kind=immediate')).body.items.map((x: { code: string }) => x.code)).toContain(m.code);
  });
});

describe('no hard deletes', () => {
  it.each([
    ['business-lines', () => line.code],
    ['agencies', () => agency.code],
    ['centers', () => center.code],
    ['windows', () => `${center.code}/A01`],
    ['matters', () => 'MAT00000001'],
    ['staff', () => 'S1'],
  ])('DELETE /%s/… is 405 hard_delete_not_allowed', async (kind, key) => {
    const res = await call('DELETE', `/api/v1/${kind}/${key()}`);
    expect(res.status).toBe(405);
    expect(res.body.error.id).toBe('hard_delete_not_allowed');
  });

  it.each(['business_line', 'agency', 'service_center', 'service_window', 'staff', 'staff_assignment', 'matter', 'region'])(
    'the database refuses DELETE FROM %s',
    async (table) => {
      await expect(sql`delete from ${sql.table(table)}`.execute(database().db)).rejects.toThrow(/retired, never deleted/);
    },
  );
});

describe('export', () => {
  it('streams any list as .xlsx and CSV with the import headers', async () => {
    const xlsx = await app().inject(`/api/v1/agencies/export.xlsx?regionCode=450102`);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const csv = await app().inject(`/api/v1/agencies/export.csv?regionCode=450102&status=all`);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('统一社会信用代码,机构名称,所属地区代码,业务条线代码,是否中直驻桂单位,状态');
    expect(lines.slice(1).some((l) => l.startsWith(agency.code))).toBe(true);
    const staff = await app().inject(`/api/v1/staff/export.csv`);
    expect(staff.body.split('\n')[0]).not.toMatch(/身份证|手机/);
  });
});

describe('validation errors of every kind name their field', () => {
  it.each([
    ['centers', () => buildCenter({ code: 'bad code!' }), '/body/code'],
    ['centers', () => buildCenter({ regionCode: '45010' }), '/body/regionCode'],
    ['centers', () => buildCenter({ regionCode: '460100' }), '/body/regionCode'],
    ['centers', () => buildCenter({ parentCode: 'NO-SUCH-CENTER' }), '/body/parentCode'],
    ['windows', () => buildWindow({ centerCode: center.code, agencyCode: agency.code, number: 'A 1' }), '/body/number'],
    ['windows', () => buildWindow({ centerCode: 'NOPE', agencyCode: agency.code }), '/body/centerCode'],
    ['windows', () => buildWindow({ centerCode: center.code, agencyCode: creditCode(999_999) }), '/body/agencyCode'],
    ['windows', () => buildWindow({ centerCode: center.code, agencyCode: agency.code, deviceSerial: 'has space' }), '/body/deviceSerial'],
    ['staff', () => buildStaff({ agencyCode: agency.code, staffNumber: '工号1' }), '/body/staffNumber'],
    ['staff', () => buildStaff({ agencyCode: agency.code, name: '' }), '/body/name'],
    ['staff', () => buildStaff({ agencyCode: agency.code, centerCode: 'NOPE' }), '/body/centerCode'],
    ['matters', () => buildMatter({ businessLineCode: line.code, agencyCode: agency.code, code: 'short' }), '/body/code'],
    ['matters', () => buildMatter({ businessLineCode: line.code, agencyCode: agency.code, timeLimitDays: 5000 }), '/body/timeLimitDays'],
    ['matters', () => buildMatter({ businessLineCode: 'NOPE', agencyCode: agency.code }), '/body/businessLineCode'],
    ['matters', () => buildMatter({ businessLineCode: line.code, agencyCode: agency.code, name: undefined }), '/body/name'],
    ['agencies', () => buildAgency({ businessLineCode: line.code, centralUnit: 'maybe' }), '/body/centralUnit'],
  ])('%s: %s', async (kind, body, field) => {
    const before = (await call('GET', `/api/v1/${kind}?status=all&pageSize=1`)).body.total;
    const res = await call('POST', `/api/v1/${kind}`, body());
    expect(res.status).toBe(400);
    expect(['validation_failed', 'invalid_reference']).toContain(res.body.error.id);
    expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect((await call('GET', `/api/v1/${kind}?status=all&pageSize=1`)).body.total).toBe(before);
  });
});
