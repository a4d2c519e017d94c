// The audit log: every change a person makes leaves exactly one event naming
// them, written in the changing transaction; the table refuses UPDATE, DELETE
// and TRUNCATE; R9 reveals (and refused attempts) are in it; no personal data.
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { placeOfAgency } from '../../src/storage/findings.ts';
import { createFinding } from '../../src/app/findings.ts';
import { policyAt } from '../../src/app/policy.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { signedIn, TEST_PASSWORD } from '../support/auth.ts';
import { buildAgency, buildBusinessLine, buildCenter, buildMatter, buildStaff, residentId } from '../support/factories.ts';
import { buildWorld } from '../support/world.ts';
import { createClient } from '../../src/app/clients.ts';
import { systemCaller } from '../../src/app/context.ts';
import { createPairingCode } from '../../src/app/devices.ts';
import { DEFAULT_POLICY_NUMBERS } from '../../src/domain/policy.ts';

const { raw, services, clock, database } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;
const tokens: Record<string, string> = {};
const db = () => database().db;
let seq = 0;

async function call(token: string, options: InjectOptions) {
  const res = await raw().inject({ ...options, headers: { authorization: `Bearer ${token}`, ...(options.headers as Record<string, string>) } });
  return { status: res.statusCode, body: res.headers['content-type']?.toString().includes('json') ? res.json() : res.body, headers: res.headers };
}
const lastId = async () => (await sql<{ id: number | null }>`select max(id)::int as id from audit_event`.execute(db())).rows[0]!.id ?? 0;
const eventsAfter = async (id: number) =>
  (
    await sql<{ action: string; actor_name: string; actor_type: string; subject_id: string | null; reason: string | null; changes: unknown }>`
    select action, actor_name, actor_type, subject_id, reason, changes from audit_event where id > ${id} order by id`.execute(db())
  ).rows;

const IDENTITY = { name: '诸葛秘乙', idType: 'resident_id', idNumber: residentId(8801, '450102', '19790909'), phone: '13912348888' };
let ratingId = 0;
const devices = { code: '', second: 0 };
const loop = { review: 0, system: 0, incident: 0, token: '', investigation: 0 };

beforeAll(async () => {
  clock.set('2026-11-02T02:00:00Z');
  world = await buildWorld(services(), 'A');
  tokens.admin = await signedIn(services(), 'admin', undefined, 'a-admin');
  tokens.supervisor = await signedIn(services(), 'supervisor', { regionCode: '450100' }, 'a-sup');
  tokens.agency = await signedIn(services(), 'agency_manager', { agencyCode: world.agencyA.code }, 'a-agency');
  tokens.auditor = await signedIn(services(), 'auditor', undefined, 'a-auditor');
  // Issue 14: an investigation of agency A (R10), as the detection job opens one.
  const place = (await placeOfAgency(db(), world.agencyA.code))!;
  const investigation = await db()
    .transaction()
    .execute(async (trx) =>
      createFinding(
        trx,
        systemCaller('test'),
        {
          workflow: 'investigation',
          subject: { type: 'agency', key: place.code, name: place.name },
          dedupKey: `agency:${place.code}`,
          place: { regionPath: place.path, agencyCode: place.code, businessLineCode: place.business_line_code, staffId: null },
          policyVersionId: (await policyAt(trx, clock.now())).id,
        },
        clock.now(),
      ),
    );
  loop.investigation = investigation!.id;
  // Two evaluation devices at a Nanning window (issue 12): one with a pairing code to pair, one to give a code and revoke.
  const window = { centerCode: world.center.code, number: '1' };
  const first = await createClient(services(), systemCaller('test'), { name: 'A 评价器一', kind: 'device', window });
  devices.code = (await createPairingCode(services(), systemCaller('test'), first.client.id)).code;
  devices.second = (await createClient(services(), systemCaller('test'), { name: 'A 评价器二', kind: 'device', window })).client.id;
  const at = clock.now().toISOString();
  const created = await call(world.businessKey, {
    method: 'POST',
    url: '/api/v1/cases',
    payload: { caseNumber: 'A-1', matterCode: world.immediate.code, applicant: IDENTITY, staffNumber: world.staffA.staffNumber, acceptedAt: at },
  });
  expect(created.status).toBe(201);
  clock.advance(60_000);
  const rated = await call(world.channelKeys.app!, {
    method: 'POST',
    url: '/api/v1/ratings',
    payload: {
      caseNumber: 'A-1',
      occasion: 'completion',
      rater: { name: IDENTITY.name, idType: IDENTITY.idType, idNumber: IDENTITY.idNumber },
      level: 'very_dissatisfied',
      channel: 'app',
      comment: '等了很久，回电 138 0013 8000',
      thirdPartyConsent: true,
    },
  });
  expect(rated.status).toBe(201);
  ratingId = rated.body.id;

  // Issue 13: the rating's review item; a business system and one of its
  // outages (with no rating inside it); and a rating by link whose fix is done.
  loop.review = (await sql<{ id: number }>`select id from supervision_item where rating_id = ${ratingId} and workflow = 'review'`.execute(db())).rows[0]!.id;
  loop.system = (await sql<{ id: number }>`select id from api_client where kind = 'business_system' order by id limit 1`.execute(db())).rows[0]!.id;
  const incident = await call(tokens.supervisor!, {
    method: 'POST',
    url: '/api/v1/incidents',
    payload: { systemId: loop.system, startedAt: '2026-10-02T01:00:00Z', endedAt: '2026-10-02T02:00:00Z', cause: '数据库主备切换' },
  });
  loop.incident = incident.body.id;
  const second = await call(world.businessKey, {
    method: 'POST',
    url: '/api/v1/cases',
    payload: {
      caseNumber: 'A-2',
      matterCode: world.immediate.code,
      applicant: IDENTITY,
      staffNumber: world.staffA.staffNumber,
      acceptedAt: clock.now().toISOString(),
    },
  });
  const invitation = await call(world.businessKey, { method: 'POST', url: `/api/v1/occasions/${second.body.occasions[0].id}/invitations` });
  loop.token = encodeURIComponent(invitation.body.token);
  const byLink = await raw().inject({
    method: 'POST',
    url: '/api/v1/ratings',
    payload: { token: invitation.body.token, level: 'dissatisfied', channel: 'sms' },
  });
  const linkRating = byLink.json().id as number;
  const item = async (workflow: string) =>
    (await sql<{ id: number }>`select id from supervision_item where rating_id = ${linkRating} and workflow = ${workflow}`.execute(db())).rows[0]!.id;
  expect(
    (
      await call(tokens.supervisor!, {
        method: 'POST',
        url: `/api/v1/supervision/items/${await item('verification')}/steps`,
        payload: { event: 'confirm', findings: '属实' },
      })
    ).status,
  ).toBe(200);
  expect(
    (
      await call(tokens.agency!, {
        method: 'POST',
        url: `/api/v1/supervision/items/${await item('rectification')}/steps`,
        payload: { event: 'complete', measures: '已整改' },
      })
    ).status,
  ).toBe(200);
});

describe('every write route, called once, leaves exactly one audit event naming the actor', () => {
  it('declares every write route audited, or says why not', () => {
    const unexplained = raw()
      .accessTable.filter((r) => r.method !== 'GET' && !r.access.audited && !('notAudited' in r.access && r.access.notAudited) && !('public' in r.access))
      .map((r) => `${r.method} ${r.url}`);
    expect(unexplained).toEqual([]);
  });

  it('writes one event per call, in the changing transaction, naming who', async () => {
    const admin = tokens.admin!;
    const n = () => ++seq;
    const steps: { route: string; token: string; actor: string | null; request: () => InjectOptions; action: string; also?: [string, string | null][] }[] = [];
    const kinds = {
      'business-lines': () => buildBusinessLine({ code: `A-BL${n()}` }),
      agencies: () => buildAgency({ businessLineCode: world.line.code }),
      centers: () => buildCenter({ code: `A-C${n()}` }),
      windows: () => ({ centerCode: world.center.code, number: `A${n()}`, agencyCode: world.agencyA.code }),
      staff: () => buildStaff({ staffNumber: `A-S${n()}`, agencyCode: world.agencyA.code, idNumber: residentId(9000 + n(), '450102', '19900101') }),
      matters: () => buildMatter({ code: `A-M-${n()}0000`, businessLineCode: world.line.code, agencyCode: world.agencyA.code }),
    };
    const done = new Set<string>();
    for (const [kind, body] of Object.entries(kinds)) {
      // The supervisor of Nanning changes what lies in Nanning; business lines need the admin.
      const [token, actor] = kind === 'business-lines' ? [admin, 'a-admin'] : [tokens.supervisor!, 'a-sup'];
      const record = body() as Record<string, unknown>;
      const create = await (async () => {
        const before = await lastId();
        const res = await call(token, { method: 'POST', url: `/api/v1/${kind}`, payload: record });
        expect(res.status, `${kind}: ${JSON.stringify(res.body)}`).toBe(201);
        const events = await eventsAfter(before);
        expect(events.map((e) => [e.action, e.actor_name])).toEqual([['catalogue.create', actor]]);
        done.add(`POST /api/v1/${kind}`);
        return res.body;
      })();
      const key = kind === 'windows' ? `${create.centerCode}/${create.number}` : String(create.code ?? create.staffNumber);
      const keyPath = kind === 'windows' ? ':centerCode/:number' : kind === 'staff' ? ':staffNumber' : ':code';
      steps.push(
        {
          route: `PATCH /api/v1/${kind}/${keyPath}`,
          token,
          actor,
          request: () => ({ method: 'PATCH', url: `/api/v1/${kind}/${key}`, payload: { name: '改名后' } }),
          action: 'catalogue.update',
        },
        {
          route: `POST /api/v1/${kind}/${keyPath}/retire`,
          token,
          actor,
          request: () => ({ method: 'POST', url: `/api/v1/${kind}/${key}/retire` }),
          action: 'catalogue.retire',
        },
        {
          route: `POST /api/v1/${kind}/${keyPath}/reinstate`,
          token,
          actor,
          request: () => ({ method: 'POST', url: `/api/v1/${kind}/${key}/reinstate` }),
          action: 'catalogue.reinstate',
        },
      );
    }
    const otherSession = (await raw().inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'a-auditor', password: TEST_PASSWORD } })).json()
      .token;
    steps.push(
      {
        route: 'POST /api/v1/staff/:staffNumber/transfer',
        token: tokens.supervisor!,
        actor: 'a-sup',
        request: () => ({
          method: 'POST',
          url: `/api/v1/staff/${world.staffA.staffNumber}/transfer`,
          payload: { agencyCode: world.agencyA.code, centerCode: world.center.code },
        }),
        action: 'staff.transfer',
      },
      {
        route: 'POST /api/v1/imports/:kind',
        token: tokens.supervisor!,
        actor: 'a-sup',
        request: () => ({
          method: 'POST',
          url: '/api/v1/imports/centers?commit=true',
          payload: `code,name,regionCode\nA-IMP1,兴宁区分中心,450102\n`,
          headers: { 'content-type': 'text/csv' },
        }),
        action: 'catalogue.import',
      },
      {
        route: 'POST /api/v1/sessions',
        token: '',
        actor: 'a-auditor',
        request: () => ({ method: 'POST', url: '/api/v1/sessions', payload: { username: 'a-auditor', password: TEST_PASSWORD } }),
        action: 'session.sign_in',
      },
      {
        route: 'DELETE /api/v1/sessions/current',
        token: otherSession,
        actor: 'a-auditor',
        request: () => ({ method: 'DELETE', url: '/api/v1/sessions/current' }),
        action: 'session.sign_out',
      },
      {
        route: 'POST /api/v1/me/password',
        token: tokens.agency!,
        actor: 'a-agency',
        request: () => ({ method: 'POST', url: '/api/v1/me/password', payload: { currentPassword: TEST_PASSWORD, newPassword: 'Changed-Secret-2026' } }),
        action: 'user.password_change',
      },
      {
        route: 'POST /api/v1/users',
        token: admin,
        actor: 'a-admin',
        request: () => ({
          method: 'POST',
          url: '/api/v1/users',
          payload: { username: 'a-new', displayName: '新人', role: 'supervisor', scope: { regionCode: '450102' }, password: TEST_PASSWORD },
        }),
        action: 'user.create',
      },
      {
        route: 'PATCH /api/v1/users/:username',
        token: admin,
        actor: 'a-admin',
        request: () => ({ method: 'PATCH', url: '/api/v1/users/a-new', payload: { scope: { regionCode: '450103' } } }),
        action: 'user.update',
      },
      {
        route: 'POST /api/v1/clients',
        token: admin,
        actor: 'a-admin',
        request: () => ({ method: 'POST', url: '/api/v1/clients', payload: { name: 'A 短信', kind: 'channel', channel: 'sms' } }),
        action: 'client.create',
      },
      {
        route: 'POST /api/v1/clients/:id/revoke',
        token: admin,
        actor: 'a-admin',
        request: () => ({ method: 'POST', url: `/api/v1/clients/1/revoke` }),
        action: 'client.revoke',
      },
      {
        route: 'POST /api/v1/devices',
        token: tokens.supervisor!,
        actor: 'a-sup',
        request: () => ({ method: 'POST', url: '/api/v1/devices', payload: { name: 'A 评价器三', window: { centerCode: world.center.code, number: '1' } } }),
        action: 'client.create',
      },
      {
        route: 'POST /api/v1/devices/pair',
        token: '',
        actor: 'A 评价器一',
        request: () => ({ method: 'POST', url: '/api/v1/devices/pair', payload: { code: devices.code } }),
        action: 'device.pair',
      },
      {
        route: 'POST /api/v1/clients/:id/pairing-code',
        token: tokens.supervisor!,
        actor: 'a-sup',
        request: () => ({ method: 'POST', url: `/api/v1/clients/${devices.second}/pairing-code` }),
        action: 'device.pairing_code',
      },
      {
        route: 'POST /api/v1/devices/:id/revoke',
        token: tokens.supervisor!,
        actor: 'a-sup',
        request: () => ({ method: 'POST', url: `/api/v1/devices/${devices.second}/revoke` }),
        action: 'client.revoke',
      },
      {
        route: 'PATCH /api/v1/settings',
        token: admin,
        actor: 'a-admin',
        request: () => ({ method: 'PATCH', url: '/api/v1/settings', payload: { publishStaffScores: true } }),
        action: 'settings.update',
      },
      {
        route: 'POST /api/v1/jobs/:name/runs',
        token: admin,
        actor: 'a-admin',
        request: () => ({ method: 'POST', url: '/api/v1/jobs/score-fold/runs' }),
        action: 'job.run',
      },
      {
        route: 'POST /api/v1/ratings/:id/reveal',
        token: tokens.supervisor!,
        actor: 'a-sup',
        request: () => ({ method: 'POST', url: `/api/v1/ratings/${ratingId}/reveal`, payload: { reason: '回访核实：等待时间过长' } }),
        action: 'rating.reveal_identity',
      },
    );
    // ——— Issue 13: the policy versions and the working-day calendar (admins) ———
    steps.push(
      {
        route: 'POST /api/v1/policy/versions',
        token: admin,
        actor: 'a-admin',
        request: () => ({
          method: 'POST',
          url: '/api/v1/policy/versions',
          payload: { effectiveFrom: '2026-11-03', numbers: DEFAULT_POLICY_NUMBERS, note: '审计' },
        }),
        action: 'policy.create_version',
      },
      {
        route: 'PUT /api/v1/policy/calendar/:year',
        token: admin,
        actor: 'a-admin',
        request: () => ({
          method: 'PUT',
          url: '/api/v1/policy/calendar/2027',
          payload: { source: '国务院办公厅关于2027年部分节假日安排的通知', days: [{ day: '2027-01-01', kind: 'holiday', name: '元旦' }] },
        }),
        action: 'calendar.replace_year',
      },
    );
    // ——— Issue 14: a person's step on a finding (R10, R11).
    steps.push({
      route: 'POST /api/v1/findings/:id/steps',
      token: tokens.supervisor!,
      actor: 'a-sup',
      request: () => ({ method: 'POST', url: `/api/v1/findings/${loop.investigation}/steps`, payload: { event: 'dismiss', reason: '经核实评价真实' } }),
      action: 'findings.investigation.dismiss',
    });
    // ——— Issue 13: the supervision loop. A step's consequences (the next
    // workflow's item) are the loop's own events, recorded after the person's.
    steps.push(
      {
        route: 'POST /api/v1/supervision/items/:id/steps',
        token: tokens.supervisor!,
        actor: 'a-sup',
        request: () => ({ method: 'POST', url: `/api/v1/supervision/items/${loop.review}/steps`, payload: { event: 'approve', reason: '内容属实' } }),
        action: 'supervision.review.approve',
        also: [['supervision.verification.open', 'supervision loop']],
      },
      {
        route: 'POST /api/v1/supervision/items/:id/attachments',
        token: tokens.supervisor!,
        actor: 'a-sup',
        request: () => ({
          method: 'POST',
          url: `/api/v1/supervision/items/${loop.review}/attachments?fileName=${encodeURIComponent('现场照片.png')}`,
          payload: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
          headers: { 'content-type': 'image/png' },
        }),
        action: 'supervision.attachment.add',
      },
      {
        route: 'POST /api/v1/ratings/:ratingId/appeals',
        token: tokens.agency!,
        actor: 'a-agency',
        request: () => ({ method: 'POST', url: `/api/v1/ratings/${ratingId}/appeals`, payload: { reason: '评价人所述与录像不符' } }),
        action: 'supervision.appeal.file',
      },
      {
        route: 'POST /api/v1/incidents',
        token: tokens.supervisor!,
        actor: 'a-sup',
        request: () => ({
          method: 'POST',
          url: '/api/v1/incidents',
          payload: { systemId: loop.system, startedAt: '2026-10-01T01:00:00Z', endedAt: '2026-10-01T03:00:00Z', cause: '政务服务网机房断电' },
        }),
        action: 'incident.create',
      },
      {
        route: 'POST /api/v1/incidents/:id/revocations',
        token: tokens.supervisor!,
        actor: 'a-sup',
        request: () => ({ method: 'POST', url: `/api/v1/incidents/${loop.incident}/revocations`, payload: {} }),
        action: 'incident.propose_revocations',
      },
      // The rater, with the link they rated with: a person with no name here (R9).
      {
        route: 'POST /api/v1/invitations/:token/rectification/grade',
        token: '',
        actor: null,
        request: () => ({ method: 'POST', url: `/api/v1/invitations/${loop.token}/rectification/grade`, payload: { grade: 'not_satisfied' } }),
        action: 'supervision.rectification.grade',
      },
      {
        route: 'POST /api/v1/invitations/:token/rectification/reopen',
        token: '',
        actor: null,
        request: () => ({ method: 'POST', url: `/api/v1/invitations/${loop.token}/rectification/reopen` }),
        action: 'supervision.rectification.reopen',
      },
    );
    for (const step of steps) {
      const before = await lastId();
      const res = step.token
        ? await call(step.token, step.request())
        : await raw()
            .inject(step.request())
            .then((r) => ({ status: r.statusCode, body: r.body }));
      expect(res.status, `${step.route}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      expect(
        (await eventsAfter(before)).map((e) => [e.action, e.actor_name]),
        step.route,
      ).toEqual([[step.action, step.actor], ...(step.also ?? [])]);
      done.add(step.route);
    }
    const audited = raw()
      .accessTable.filter((r) => r.access.audited)
      .map((r) => `${r.method} ${r.url}`);
    expect(audited.filter((route) => !done.has(route))).toEqual([]);
  });

  it('keeps no personal data: a staff member’s ID number is recorded as changed, never in clear', async () => {
    const idNumber = residentId(9999, '450102', '19900101');
    const before = await lastId();
    const res = await call(tokens.supervisor!, {
      method: 'POST',
      url: '/api/v1/staff',
      payload: buildStaff({ staffNumber: 'A-PII', agencyCode: world.agencyA.code, idNumber, phone: '13800001111' }),
    });
    expect(res.status).toBe(201);
    const [event] = await eventsAfter(before);
    expect(event!.changes).toMatchObject({ idNumber: 'changed', phone: 'changed' });
    expect(JSON.stringify(event)).not.toContain(idNumber);
    expect(JSON.stringify(event)).not.toContain('13800001111');
  });
});

describe('the audit table is append-only', () => {
  it.each([
    ['UPDATE', sql`update audit_event set action = 'x'`],
    ['DELETE', sql`delete from audit_event`],
    ['TRUNCATE', sql`truncate audit_event`],
  ])('refuses %s', async (_, statement) => {
    const count = await lastId();
    await expect(statement.execute(db())).rejects.toThrow(/never changed or deleted/);
    expect(await lastId()).toBe(count);
  });
});

describe('R9: revealing a rater', () => {
  it('shows the identity and the consent to a supervisor in scope, with the reason in the audit log', async () => {
    const res = await call(tokens.supervisor!, { method: 'POST', url: `/api/v1/ratings/${ratingId}/reveal`, payload: { reason: '回访：核实整改情况' } });
    expect(res.body).toEqual({
      ratingId,
      name: IDENTITY.name,
      idType: 'resident_id',
      idNumber: IDENTITY.idNumber,
      phone: IDENTITY.phone,
      thirdPartyConsent: true,
      comment: '等了很久，回电 138 0013 8000',
    });
    // Everywhere else the number typed into the comment is masked.
    const behind = await call(tokens.supervisor!, { method: 'GET', url: `/api/v1/scores/staff/${world.staffA.staffNumber}/ratings?period=2026` });
    expect(behind.body.items.map((r: { comment: string }) => r.comment)).toContain('等了很久，回电 138****8000');
    const log = await call(tokens.auditor!, { method: 'GET', url: `/api/v1/audit?action=rating.&subjectId=${ratingId}` });
    expect(log.body.items[0]).toMatchObject({
      action: 'rating.reveal_identity',
      actor: { type: 'user', name: 'a-sup', role: 'supervisor' },
      reason: '回访：核实整改情况',
    });
  });

  it.each([
    ['without a reason', 'supervisor', { reason: '看看' }, 400, 'reason_required', 'rating.reveal_refused'],
    ['with no reason at all', 'supervisor', {}, 400, 'reason_required', 'rating.reveal_refused'],
    ['by an agency manager', 'agency', { reason: '我想知道是谁' }, 403, 'forbidden', 'rating.reveal_refused'],
    ['by an auditor', 'auditor', { reason: '我想知道是谁' }, 403, 'forbidden', 'rating.reveal_refused'],
  ])('refuses a reveal %s, and audits the attempt', async (_, who, body, status, id, action) => {
    const before = await lastId();
    const res = await call(tokens[who]!, { method: 'POST', url: `/api/v1/ratings/${ratingId}/reveal`, payload: body });
    expect([res.status, res.body.error.id]).toEqual([status, id]);
    const events = await eventsAfter(before);
    expect(events.map((e) => [e.action, e.subject_id, e.reason])).toEqual([[action, String(ratingId), (body as { reason?: string }).reason ?? null]]);
    expect(JSON.stringify(res.body)).not.toContain(IDENTITY.idNumber);
  });

  it('refuses a supervisor whose scope does not hold the rating (404, audited), like a rating that does not exist', async () => {
    const liuzhou = await signedIn(services(), 'supervisor', { regionCode: '450200' }, 'a-sup-liuzhou');
    const before = await lastId();
    const outside = await call(liuzhou, { method: 'POST', url: `/api/v1/ratings/${ratingId}/reveal`, payload: { reason: '回访核实情况' } });
    const absent = await call(liuzhou, { method: 'POST', url: '/api/v1/ratings/999999/reveal', payload: { reason: '回访核实情况' } });
    expect([outside.status, outside.body.error]).toEqual([absent.status, absent.body.error]);
    expect(outside.body.error.id).toBe('not_found_in_scope');
    expect((await eventsAfter(before)).map((e) => e.action)).toEqual(['rating.reveal_refused', 'rating.reveal_refused']);
  });
});

describe('reading the log', () => {
  it('filters by actor, action (or a prefix) and subject, pages, and exports CSV with a BOM', async () => {
    const byActor = await call(tokens.auditor!, { method: 'GET', url: '/api/v1/audit?actor=a-admin&pageSize=500' });
    expect(byActor.body.items.length).toBeGreaterThan(0);
    expect(byActor.body.items.every((e: { actor: { name: string } }) => e.actor.name === 'a-admin')).toBe(true);
    const byPrefix = await call(tokens.auditor!, { method: 'GET', url: '/api/v1/audit?action=catalogue.&pageSize=2' });
    expect(byPrefix.body.items).toHaveLength(2);
    expect(byPrefix.body.total).toBeGreaterThan(2);
    expect(byPrefix.body.items.every((e: { action: string }) => e.action.startsWith('catalogue.'))).toBe(true);
    const csv = await call(tokens.auditor!, { method: 'GET', url: '/api/v1/audit/export.csv?action=session.' });
    expect(csv.body.startsWith('\uFEFF编号,时间,操作者类型')).toBe(true);
    expect(csv.body).toContain('session.sign_in');
    // A supervisor may not read it.
    expect((await call(tokens.supervisor!, { method: 'GET', url: '/api/v1/audit' })).body.error.id).toBe('forbidden');
  });
});
