// R2, R3, R13 details beyond the matrix: business systems act only on what
// they sent; a device rates only at its window; a supervisor's import stays
// inside the region; staff created back-dated (assignedFrom); the public API
// shows only what R13 publishes.
import type { InjectOptions } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/app/clients.ts';
import { systemCaller } from '../../src/app/context.ts';
import { useTestApp } from '../support/app.ts';
import { signedIn } from '../support/auth.ts';
import { buildStaff } from '../support/factories.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const { app, raw, services, clock } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;
let other = '';
let supervisor = '';

async function call(key: string, options: InjectOptions) {
  const res = await raw().inject({ ...options, headers: { authorization: `Bearer ${key}`, ...(options.headers as Record<string, string>) } });
  return { status: res.statusCode, body: res.json() };
}

beforeAll(async () => {
  clock.set('2026-11-02T02:00:00Z');
  world = await buildWorld(services(), 'K');
  other = (await createClient(services(), systemCaller('test'), { name: 'K 另一个平台', kind: 'business_system' })).key;
  supervisor = await signedIn(services(), 'supervisor', { regionCode: '450102' }, 'k-sup-xingning');
});

describe('a business system acts only on the cases and packages it sent', () => {
  it('another system cannot read, complete, withdraw, advance, invite or read ratings of them (404, as if absent)', async () => {
    const applicant = buildApplicant({ name: '甘一' });
    const at = clock.now().toISOString();
    expect(
      (
        await call(world.businessKey, {
          method: 'POST',
          url: '/api/v1/cases',
          payload: { caseNumber: 'K-1', matterCode: world.promised.code, applicant, staffNumber: world.staffA.staffNumber, acceptedAt: at },
        })
      ).status,
    ).toBe(201);
    const pkg = await call(world.businessKey, {
      method: 'POST',
      url: '/api/v1/packages',
      payload: {
        packageNumber: 'K-P',
        name: '一件事',
        applicant,
        members: [
          { caseNumber: 'K-P-1', matterCode: world.promised.code },
          { caseNumber: 'K-P-2', matterCode: world.promisedB.code },
        ],
        acceptance: { staffNumber: world.staffA.staffNumber, at },
      },
    });
    expect(pkg.status).toBe(201);
    const occasion = (await call(world.businessKey, { method: 'GET', url: '/api/v1/cases/K-1' })).body.occasions[0].id;
    clock.advance(60_000);
    const rating = await call(world.channelKeys.web!, {
      method: 'POST',
      url: '/api/v1/ratings',
      payload: {
        caseNumber: 'K-1',
        occasion: 'acceptance',
        rater: { name: applicant.name, idType: applicant.idType, idNumber: applicant.idNumber },
        level: 'satisfied',
        channel: 'web',
      },
    });
    expect(rating.status).toBe(201);
    const attempts: [InjectOptions, string][] = [
      [{ method: 'GET', url: '/api/v1/cases/K-1' }, 'case_not_found'],
      [
        { method: 'POST', url: '/api/v1/cases/K-1/complete', payload: { completedAt: clock.now().toISOString(), staffNumber: world.staffA.staffNumber } },
        'case_not_found',
      ],
      [{ method: 'POST', url: '/api/v1/cases/K-1/withdraw', payload: { reason: '撤回' } }, 'case_not_found'],
      [{ method: 'GET', url: '/api/v1/packages/K-P' }, 'package_not_found'],
      [
        { method: 'POST', url: '/api/v1/packages/K-P/stages/approval', payload: { staffNumber: world.staffB.staffNumber, at: clock.now().toISOString() } },
        'package_not_found',
      ],
      [{ method: 'POST', url: `/api/v1/occasions/${occasion}/invitations` }, 'occasion_not_found'],
      [{ method: 'GET', url: `/api/v1/ratings/${rating.body.id}` }, 'rating_not_found'],
    ];
    for (const [request, id] of attempts) expect([request.url, (await call(other, request)).body.error?.id]).toEqual([request.url, id]);
    // Nothing changed: the owner still finds the case open and the package at its first stage.
    const mine = await call(world.businessKey, { method: 'GET', url: '/api/v1/cases/K-1' });
    expect(mine.body).toMatchObject({ completedAt: null, withdrawnAt: null });
    expect((await call(world.businessKey, { method: 'GET', url: '/api/v1/packages/K-P' })).body.occasions).toHaveLength(1);
    expect((await call(world.businessKey, { method: 'GET', url: `/api/v1/ratings/${rating.body.id}` })).status).toBe(200);
    // …and a case number another system used is not taken over.
    const taken = await call(other, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { caseNumber: 'K-1', matterCode: world.promised.code, applicant, staffNumber: world.staffA.staffNumber, acceptedAt: at },
    });
    expect([taken.status, taken.body.error.id]).toEqual([409, 'case_already_exists']);
  });
});

describe('an evaluation device (评价器) rates what was served at its window', () => {
  it('rates a case of its window; refuses one served at another window', async () => {
    const device = (
      await createClient(services(), systemCaller('test'), { name: 'K 1号窗评价器', kind: 'device', window: { centerCode: world.center.code, number: '1' } })
    ).key;
    const at = clock.now().toISOString();
    for (const [caseNumber, staff] of [
      ['K-D1', world.staffA],
      ['K-D2', world.staffB],
    ] as const) {
      const applicant = buildApplicant({ name: '韦二' });
      await call(world.businessKey, {
        method: 'POST',
        url: '/api/v1/cases',
        payload: { caseNumber, matterCode: world.immediate.code, applicant, staffNumber: staff.staffNumber, acceptedAt: at },
      });
      const res = await call(device, {
        method: 'POST',
        url: '/api/v1/ratings',
        payload: {
          caseNumber,
          occasion: 'completion',
          rater: { name: applicant.name, idType: applicant.idType, idNumber: applicant.idNumber },
          level: 'very_satisfied',
          channel: 'device',
        },
      });
      if (staff === world.staffA) expect(res.status).toBe(201);
      else expect([res.status, res.body.error.id]).toEqual([403, 'device_window_mismatch']);
    }
  });

  it('is created only with a window; a channel client only with a channel', async () => {
    const noWindow = await app().inject({ method: 'POST', url: '/api/v1/clients', payload: { name: 'K 无窗', kind: 'device' } });
    expect(noWindow.json().error.fields).toEqual([{ field: '/body/window', message: 'is required for a device: the window it stands at' }]);
    const noChannel = await app().inject({ method: 'POST', url: '/api/v1/clients', payload: { name: 'K 无渠道', kind: 'channel' } });
    expect(noChannel.json().error.fields[0].field).toBe('/body/channel');
  });
});

describe('a supervisor changes only what lies in their region', () => {
  it('an import naming a record elsewhere, or moving one out, is refused row by row and changes nothing', async () => {
    const csv = [
      'code,name,regionCode',
      'K-IN1,兴宁区分中心,450102', // inside
      'K-OUT1,青秀区分中心,450103', // a new record outside
      `${world.center.code},改到青秀,450103`, // moving one out
    ].join('\n');
    const res = await call(supervisor, { method: 'POST', url: '/api/v1/imports/centers?commit=true', payload: csv, headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(422);
    expect(res.body.report.errors).toEqual([
      { row: 3, column: 'code', reason: 'would lie outside your scope' },
      { row: 4, column: 'code', reason: 'would lie outside your scope' },
    ]);
    expect((await app().inject({ method: 'GET', url: '/api/v1/centers/K-IN1' })).statusCode).toBe(404);
    expect((await app().inject({ method: 'GET', url: `/api/v1/centers/${world.center.code}` })).json().regionCode).toBe('450102000000');
  });

  it('a record stored outside is not theirs to overwrite by import', async () => {
    // Agency B is in 青秀区, outside 兴宁区.
    const csv = `code,name,regionCode,businessLineCode\n${world.agencyB.code},兴宁区接管,450102,${world.line.code}\n`;
    const res = await call(supervisor, { method: 'POST', url: '/api/v1/imports/agencies?commit=false', payload: csv, headers: { 'content-type': 'text/csv' } });
    expect(res.body.errors).toEqual([{ row: 2, column: 'code', reason: 'names a record outside your scope' }]);
  });

  it('moving a record out of the region by PATCH is 403 out_of_scope, and nothing changes', async () => {
    const res = await call(supervisor, { method: 'PATCH', url: `/api/v1/agencies/${world.agencyA.code}`, payload: { regionCode: '450103' } });
    expect([res.status, res.body.error.id]).toEqual([403, 'out_of_scope']);
    expect((await app().inject({ method: 'GET', url: `/api/v1/agencies/${world.agencyA.code}` })).json().regionCode).toBe('450102000000');
  });
});

describe('R3: staff created with the day their current assignment began', () => {
  it('attributes a case served before today to the staff member, back-dated (API and import)', async () => {
    const created = await app().inject({
      method: 'POST',
      url: '/api/v1/staff',
      payload: buildStaff({ staffNumber: 'K-BACK', agencyCode: world.agencyA.code, assignedFrom: '2026-01-01' }),
    });
    expect(created.json()).toMatchObject({ staffNumber: 'K-BACK', assignedFrom: '2025-12-31T16:00:00.000Z' });
    const history = await app().inject({ method: 'GET', url: '/api/v1/staff/K-BACK/assignments' });
    expect(history.json().assignments[0]).toMatchObject({ validFrom: '2025-12-31T16:00:00.000Z', validTo: null, reason: 'created' });
    const imported = await app().inject({
      method: 'POST',
      url: '/api/v1/imports/staff?commit=true',
      payload: `staffNumber,name,agencyCode,assignedFrom\nK-BACK2,李四,${world.agencyA.code},2026-03-01\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.json()).toMatchObject({ committed: true, inserted: 1 });
    expect((await app().inject({ method: 'GET', url: '/api/v1/staff/K-BACK2' })).json().assignedFrom).toBe('2026-02-28T16:00:00.000Z');
    // A case of February is attributed to K-BACK, who sat there since January.
    const c = await call(world.businessKey, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: {
        caseNumber: 'K-FEB',
        matterCode: world.promised.code,
        applicant: buildApplicant(),
        staffNumber: 'K-BACK',
        acceptedAt: '2026-02-10T02:00:00Z',
        completedAt: '2026-02-12T02:00:00Z',
      },
    });
    expect(c.body.occasions.map((o: { agencyCode: string }) => o.agencyCode)).toEqual([world.agencyA.code, world.agencyA.code]);
  });

  it('refuses a start in the future, and a change of it later (that is a transfer)', async () => {
    const future = await app().inject({
      method: 'POST',
      url: '/api/v1/staff',
      payload: buildStaff({ agencyCode: world.agencyA.code, assignedFrom: '2027-01-01' }),
    });
    expect(future.json().error).toMatchObject({ id: 'assignment_in_future', fields: [{ field: '/body/assignedFrom' }] });
    const patch = await app().inject({ method: 'PATCH', url: '/api/v1/staff/K-BACK', payload: { assignedFrom: '2026-02-01' } });
    expect(patch.json().error.fields[0].field).toBe('/body/assignedFrom');
  });
});

describe('R13: the public API', () => {
  it('publishes regions, agencies and lines with negative counts, no rater data, no comments; staff only when the setting is on', async () => {
    const ranking = await raw().inject({ method: 'GET', url: '/api/v1/public/rankings/agencies?period=2026' });
    expect(ranking.statusCode).toBe(200);
    expect(ranking.headers['cache-control']).toBe('public, max-age=60');
    expect(Object.keys(ranking.json().items[0]).sort()).toEqual([
      'count',
      'defaults',
      'interval',
      'key',
      'mean',
      'name',
      'negative',
      'negativeShare',
      'rank',
      'rectification',
      'region',
    ]);
    const staff = await raw().inject({ method: 'GET', url: '/api/v1/public/rankings/staff?period=2026' });
    expect([staff.statusCode, staff.json().error.id]).toEqual([404, 'not_published']);
    await app().inject({ method: 'PATCH', url: '/api/v1/settings', payload: { publishStaffScores: true } });
    expect((await raw().inject({ method: 'GET', url: '/api/v1/public/scores/staff/K-BACK?period=2026' })).statusCode).toBe(200);
    await app().inject({ method: 'PATCH', url: '/api/v1/settings', payload: { publishStaffScores: false } });
  });

  it('takes standard periods only: no ranges, no as-of, no filters beyond region and level', async () => {
    for (const query of ['period=2026-13', 'from=2026-01-01&to=2026-01-31', 'period=2026&asOf=2026-06-01T00:00:00Z', 'period=2026&line=K-LINE']) {
      const res = await raw().inject({ method: 'GET', url: `/api/v1/public/rankings/regions?${query}` });
      expect([query, res.statusCode, res.json().error.id]).toEqual([query, 400, 'validation_failed']);
    }
  });
});
