// R2, R9, R13 through the API on both databases: every route × every role ×
// data in scope and out of scope is allowed or refused exactly as declared;
// out-of-scope records appear in no list, count, ranking, drill-down or
// export; and no response but an audited reveal carries a rater's identity.
import type { InjectOptions } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/app/clients.ts';
import { createEntity } from '../../src/app/catalogue.ts';
import { systemCaller } from '../../src/app/context.ts';
import { PERMISSIONS, type Action, type Role } from '../../src/domain/access.ts';
import { DEFAULT_POLICY_NUMBERS } from '../../src/domain/policy.ts';
import { insertAttachment } from '../../src/storage/supervision.ts';
import { placeOfAgency } from '../../src/storage/findings.ts';
import { createFinding } from '../../src/app/findings.ts';
import { policyAt } from '../../src/app/policy.ts';
import type { RouteAccess } from '../../src/api/plugins/auth.ts';
import { useTestApp } from '../support/app.ts';
import { signedIn, TEST_PASSWORD } from '../support/auth.ts';
import { buildAgency, buildCenter, buildMatter, buildStaff, buildBusinessLine, creditCode, residentId } from '../support/factories.ts';
import { buildWorld } from '../support/world.ts';

const { raw, services, clock } = useTestApp();
const SYSTEM = systemCaller('test');

/** Who calls: the six roles, three kinds of client, and nobody. */
const USERS = ['admin', 'auditor', 'supervisor', 'line_manager', 'agency_manager', 'staff'] as const;
const CLIENTS = ['business', 'other_business', 'channel', 'device'] as const;
type Who = (typeof USERS)[number] | (typeof CLIENTS)[number] | 'anonymous';
const EVERYONE: Who[] = [...USERS, ...CLIENTS, 'anonymous'];

type Outcome = 'allowed' | 'unauthenticated' | 'forbidden' | 'hidden' | 'out_of_scope' | 'any';

interface Sample {
  label: string;
  request: (who: Who) => InjectOptions | Promise<InjectOptions>;
  /** Scoped roles whose scope holds what this request touches (admin and auditor hold everything). */
  holders: readonly Who[] | 'all';
  /** What a caller allowed the action but not holding the data gets. */
  outside?: 'hidden' | 'out_of_scope';
  /** Outcomes that differ from the rule (documented where they are set). */
  overrides?: Partial<Record<Who, Outcome>>;
}

// ——— the world: Nanning (兴宁 450102, 青秀 450103) in scope of the supervisor; Liuzhou (城中 450202) outside ———

const IDENTITY = {
  a: { name: '欧阳秘甲', idType: 'resident_id', idNumber: residentId(7001, '450102', '19800101'), phone: '13912340001' },
  c: { name: '司马秘丙', idType: 'resident_id', idNumber: residentId(7002, '450202', '19810202'), phone: '13912340003' },
};
// …and a phone number and an ID number a rater typed into a comment (R9: masked everywhere, shown only by a reveal).
const PLANTED = ['13700001111', residentId(7003, '450103', '19700303')];
const COMMENT = `态度一般，请回电${PLANTED[0]}，身份证${PLANTED[1]}`;
const SECRETS = [...Object.values(IDENTITY).flatMap((p) => [p.name, p.idNumber, p.phone]), ...PLANTED];

let world: Awaited<ReturnType<typeof buildWorld>>;
const tokens: Partial<Record<Who, string>> = {};
const usernames: Partial<Record<Who, string>> = {};
const keys: Partial<Record<Who, string>> = {};
const d = {} as Record<
  | 'agencyA'
  | 'agencyB'
  | 'agencyC'
  | 'staffC'
  | 'matterC'
  | 'revocable'
  | 'ratingA'
  | 'ratingC'
  | 'occasionA'
  | 'tokenP'
  | 'device'
  | 'deviceC'
  | 'revocableDevice'
  | 'reviewA'
  | 'reviewC'
  | 'attachmentA'
  | 'attachmentC'
  | 'incident'
  | 'system'
  | 'keyTargetA'
  | 'keyTargetC'
  | 'investigationA'
  | 'investigationC',
  string
>;
let seq = 0;
const next = () => ++seq;

function headersOf(who: Who): Record<string, string> {
  if (who === 'anonymous') return { authorization: '' };
  return { authorization: `Bearer ${tokens[who] ?? keys[who]}` };
}

async function inject(who: Who, options: InjectOptions) {
  const res = await raw().inject({ ...options, headers: { ...headersOf(who), ...(options.headers as Record<string, string>) } });
  const text = res.body;
  let id: string | undefined;
  try {
    id = JSON.parse(text)?.error?.id;
  } catch {
    id = undefined;
  }
  return { status: res.statusCode, id, text };
}

beforeAll(async () => {
  const s = services();
  clock.set('2026-11-02T02:00:00Z');
  world = await buildWorld(s, 'M');
  // Liuzhou: another line, agency, center, window, staff member and matter.
  const line2 = await createEntity(s, SYSTEM, 'business-lines', buildBusinessLine({ code: 'M-LINE2', name: '税务' }));
  const agencyC = await createEntity(
    s,
    SYSTEM,
    'agencies',
    buildAgency({ businessLineCode: line2.code, regionCode: '450202', name: '柳州市城中区税务局', code: creditCode(next(), '450202') }),
  );
  const centerC = await createEntity(s, SYSTEM, 'centers', buildCenter({ code: 'M-CL', regionCode: '450202', name: '城中区政务服务中心' }));
  await createEntity(s, SYSTEM, 'windows', { centerCode: centerC.code, number: '1', agencyCode: agencyC.code });
  const staffC = await createEntity(
    s,
    SYSTEM,
    'staff',
    buildStaff({ staffNumber: 'M-SC', agencyCode: agencyC.code, centerCode: centerC.code, windowNumber: '1' }),
  );
  const matterC = await createEntity(
    s,
    SYSTEM,
    'matters',
    buildMatter({ code: 'M-IMM-C001', businessLineCode: line2.code, agencyCode: agencyC.code, kind: 'immediate', timeLimitDays: 0 }),
  );
  Object.assign(d, {
    agencyA: world.agencyA.code,
    agencyB: world.agencyB.code,
    agencyC: agencyC.code,
    staffC: String(staffC.staffNumber),
    matterC: matterC.code,
  });

  // People and clients.
  const scopes = {
    admin: undefined,
    auditor: undefined,
    supervisor: { regionCode: '450100' },
    line_manager: { lineCode: world.line.code },
    agency_manager: { agencyCode: world.agencyA.code },
    staff: { staffNumber: world.staffA.staffNumber },
  } as const;
  for (const role of USERS) {
    usernames[role] = `m-${role.replace('_', '-')}`;
    tokens[role] = await signedIn(s, role as Role, scopes[role], usernames[role]);
  }
  keys.business = world.businessKey;
  keys.other_business = (await createClient(s, SYSTEM, { name: 'M 另一个业务系统', kind: 'business_system' })).key;
  keys.channel = world.channelKeys.app;
  const device = await createClient(s, SYSTEM, { name: 'M 评价器', kind: 'device', window: { centerCode: world.center.code, number: '1' } });
  keys.device = device.key;
  d.device = String(device.client.id);
  d.deviceC = String((await createClient(s, SYSTEM, { name: 'M 柳州评价器', kind: 'device', window: { centerCode: centerC.code, number: '1' } })).client.id);
  d.revocableDevice = String(
    (await createClient(s, SYSTEM, { name: 'M 待吊销评价器', kind: 'device', window: { centerCode: world.center.code, number: '1' } })).client.id,
  );
  d.revocable = String((await createClient(s, SYSTEM, { name: 'M 待吊销', kind: 'channel', channel: 'web' })).client.id);
  await signedIn(s, 'auditor', undefined, 'm-signin');

  // Cases and ratings with the identities above; a case of the other business system.
  const business = (url: string, payload: object, who: Who = 'business') => inject(who, { method: 'POST', url, payload });
  const rate = async (caseNumber: string, rater: typeof IDENTITY.a, level = 'dissatisfied') => {
    const res = await inject('channel', {
      method: 'POST',
      url: '/api/v1/ratings',
      payload: {
        caseNumber,
        occasion: 'completion',
        rater: { name: rater.name, idType: rater.idType, idNumber: rater.idNumber },
        level,
        channel: 'app',
        comment: COMMENT,
      },
    });
    expect(res.status).toBe(201);
    return JSON.parse(res.text).id as number;
  };
  const at = clock.now().toISOString();
  expect(
    (
      await business('/api/v1/cases', {
        caseNumber: 'M-A1',
        matterCode: world.immediate.code,
        applicant: IDENTITY.a,
        staffNumber: world.staffA.staffNumber,
        acceptedAt: at,
      })
    ).status,
  ).toBe(201);
  expect(
    (await business('/api/v1/cases', { caseNumber: 'M-C1', matterCode: d.matterC, applicant: IDENTITY.c, staffNumber: d.staffC, acceptedAt: at })).status,
  ).toBe(201);
  for (const n of ['M-P1', 'M-W1']) {
    expect(
      (
        await business('/api/v1/cases', {
          caseNumber: n,
          matterCode: world.promised.code,
          applicant: IDENTITY.a,
          staffNumber: world.staffA.staffNumber,
          acceptedAt: at,
        })
      ).status,
    ).toBe(201);
  }
  expect(
    (
      await business(
        '/api/v1/cases',
        { caseNumber: 'M-O1', matterCode: world.promised.code, applicant: IDENTITY.a, staffNumber: world.staffA.staffNumber, acceptedAt: at },
        'other_business',
      )
    ).status,
  ).toBe(201);
  const pkg = await business('/api/v1/packages', {
    packageNumber: 'M-PK1',
    name: '开办企业一件事',
    applicant: IDENTITY.a,
    members: [
      { caseNumber: 'M-PK1-1', matterCode: world.promised.code },
      { caseNumber: 'M-PK1-2', matterCode: world.promisedB.code },
    ],
    acceptance: { staffNumber: world.staffA.staffNumber, at },
  });
  expect(pkg.status).toBe(201);
  clock.advance(3_600_000);
  d.ratingA = String(await rate('M-A1', IDENTITY.a));
  d.ratingC = String(await rate('M-C1', IDENTITY.c));
  // Issue 13: both negative ratings (with text) are in review, in Nanning and in Liuzhou; evidence on each; an outage with no rating in it.
  const reviewOf = async (ratingId: string) =>
    String(
      (
        await s.db
          .selectFrom('supervision_item')
          .select('id')
          .where('rating_id', '=', Number(ratingId))
          .where('workflow', '=', 'review')
          .executeTakeFirstOrThrow()
      ).id,
    );
  d.reviewA = await reviewOf(d.ratingA);
  d.reviewC = await reviewOf(d.ratingC);
  const uploader = (await s.db.selectFrom('app_user').select('id').where('username', '=', 'm-supervisor').executeTakeFirstOrThrow()).id;
  for (const [key, item] of [
    ['attachmentA', d.reviewA],
    ['attachmentC', d.reviewC],
  ] as const) {
    const file = {
      file_name: '证据.pdf',
      media_type: 'application/pdf',
      size_bytes: PDF.length,
      sha256: 'x'.repeat(64),
      content: PDF,
      uploaded_by: uploader,
      uploaded_at: clock.now(),
    };
    d[key] = String((await insertAttachment(s.db, { item_id: Number(item), ...file })).id);
  }
  d.system = String((await s.db.selectFrom('api_client').select('id').where('name', '=', 'M 一体化平台').executeTakeFirstOrThrow()).id);
  const incident = await inject('supervisor', {
    method: 'POST',
    url: '/api/v1/incidents',
    payload: { systemId: Number(d.system), startedAt: '2026-10-01T01:00:00Z', endedAt: '2026-10-01T02:00:00Z', cause: '机房断电' },
  });
  d.incident = String(JSON.parse(incident.text).id);
  d.occasionA = JSON.parse((await inject('business', { method: 'GET', url: '/api/v1/cases/M-A1' })).text).occasions[0].id;
  const occasionP = JSON.parse((await inject('business', { method: 'GET', url: '/api/v1/cases/M-P1' })).text).occasions[0].id;
  d.tokenP = JSON.parse((await inject('business', { method: 'POST', url: `/api/v1/occasions/${occasionP}/invitations` })).text).token;
  // Issue 14: a key target and an investigation of agency A (兴宁, in the supervisor's scope) and of agency C (柳州, outside).
  const policy = await policyAt(s.db, clock.now());
  for (const [key, agency, workflow] of [
    ['keyTargetA', d.agencyA, 'key_target'],
    ['keyTargetC', d.agencyC, 'key_target'],
    ['investigationA', d.agencyA, 'investigation'],
    ['investigationC', d.agencyC, 'investigation'],
  ] as const) {
    const place = (await placeOfAgency(s.db, agency))!;
    const finding = await s.db.transaction().execute((trx) =>
      createFinding(
        trx,
        SYSTEM,
        {
          workflow,
          subject: { type: 'agency', key: agency, name: place.name },
          periodStart: '2026-10-01',
          periodEnd: '2026-10-31',
          dedupKey: `agency:${agency}:2026-10`,
          place: { regionPath: place.path, agencyCode: agency, businessLineCode: place.business_line_code, staffId: null },
          policyVersionId: policy.id,
        },
        clock.now(),
      ),
    );
    d[key] = String(finding!.id);
  }
});

// ——— what each route is asked, with what it touches ———

const R = (method: InjectOptions['method'], url: string, payload?: unknown): InjectOptions => ({ method, url, payload: payload as InjectOptions['payload'] });
const PDF = Buffer.from('%PDF-1.4\n%证据\n');
/** Holders of a Nanning item of agency A: its region's supervisor, its line's manager, its agency's manager. */
const ITEM_HOLDERS: Who[] = ['supervisor', 'line_manager', 'agency_manager'];
/** Steps are decisions: only supervisors take them (admins and auditors read). */
const NOT_DECIDERS = { admin: 'forbidden', auditor: 'forbidden' } as const;
const SCOPED_ALL: Who[] = ['supervisor', 'line_manager', 'agency_manager', 'staff'];
const P = '2026';

function catalogueSamples(): Record<string, Sample[]> {
  const kinds = {
    'business-lines': {
      in: () => `M-LINE`,
      out: () => `M-LINE2`,
      // Every region scope reads every line (reference data; a line spans all levels); a line, agency or staff scope its own.
      readHolders: SCOPED_ALL,
      outReadHolders: ['supervisor'] as Who[],
      create: { in: () => ({ code: `M-BL${next()}`, name: '新条线', department: '某厅' }), out: null },
      patch: { name: '市场监管' },
    },
    agencies: {
      in: () => d.agencyA,
      out: () => d.agencyC,
      readHolders: SCOPED_ALL,
      outReadHolders: [] as Who[],
      create: {
        in: () => buildAgency({ businessLineCode: 'M-LINE', code: creditCode(next()) }),
        out: () => buildAgency({ businessLineCode: 'M-LINE2', regionCode: '450202', code: creditCode(next(), '450202') }),
      },
      patch: null as Record<string, unknown> | null,
    },
    centers: {
      in: () => 'M-C',
      out: () => 'M-CL',
      readHolders: SCOPED_ALL,
      outReadHolders: [] as Who[],
      create: { in: () => buildCenter({ code: `M-NC${next()}` }), out: () => buildCenter({ code: `M-NCL${next()}`, regionCode: '450202' }) },
      patch: null as Record<string, unknown> | null,
    },
    windows: {
      in: () => 'M-C/1',
      out: () => 'M-CL/1',
      readHolders: SCOPED_ALL,
      outReadHolders: [] as Who[],
      create: {
        in: () => ({ centerCode: 'M-C', number: `N${next()}`, agencyCode: d.agencyA }),
        out: () => ({ centerCode: 'M-CL', number: `N${next()}`, agencyCode: d.agencyC }),
      },
      patch: { name: '综合窗口' },
    },
    staff: {
      in: () => world.staffA.staffNumber,
      out: () => d.staffC,
      readHolders: SCOPED_ALL,
      outReadHolders: [] as Who[],
      create: {
        in: () => buildStaff({ staffNumber: `M-N${next()}`, agencyCode: d.agencyA }),
        out: () => buildStaff({ staffNumber: `M-NL${next()}`, agencyCode: d.agencyC }),
      },
      patch: { name: '张三' },
    },
    matters: {
      in: () => world.immediate.code,
      out: () => d.matterC,
      readHolders: SCOPED_ALL,
      outReadHolders: [] as Who[],
      create: {
        in: () => buildMatter({ code: `M-NM-${next()}0000`, businessLineCode: 'M-LINE', agencyCode: d.agencyA }),
        out: () => buildMatter({ code: `M-NML-${next()}0000`, businessLineCode: 'M-LINE2', agencyCode: d.agencyC }),
      },
      patch: { timeLimitDays: 0 },
    },
  } as const;
  const out: Record<string, Sample[]> = {};
  for (const [kind, k] of Object.entries(kinds)) {
    const keyPath = kind === 'windows' ? ':centerCode/:number' : `:${kind === 'staff' ? 'staffNumber' : 'code'}`;
    const item = (key: () => unknown) => `/api/v1/${kind}/${String(key())}`;
    // Business lines are changed only by a scope holding the whole autonomous region (R2).
    const writeHolders: Who[] = kind === 'business-lines' ? [] : ['supervisor'];
    const patchBody = k.patch ?? { name: kind === 'agencies' ? undefined : '兴宁区政务服务中心' };
    out[`GET /api/v1/${kind}`] = [{ label: 'list', request: () => R('GET', `/api/v1/${kind}?pageSize=500`), holders: 'all' }];
    out[`GET /api/v1/${kind}/export.xlsx`] = [{ label: 'export', request: () => R('GET', `/api/v1/${kind}/export.xlsx`), holders: 'all' }];
    out[`GET /api/v1/${kind}/export.csv`] = [{ label: 'export', request: () => R('GET', `/api/v1/${kind}/export.csv`), holders: 'all' }];
    out[`GET /api/v1/${kind}/${keyPath}`] = [
      { label: 'in scope', request: () => R('GET', item(k.in)), holders: k.readHolders, outside: 'hidden' },
      { label: 'out of scope', request: () => R('GET', item(k.out)), holders: k.outReadHolders, outside: 'hidden' },
    ];
    out[`POST /api/v1/${kind}`] = [
      { label: 'in scope', request: () => R('POST', `/api/v1/${kind}`, k.create.in()), holders: writeHolders, outside: 'out_of_scope' },
      ...(k.create.out
        ? [{ label: 'out of scope', request: () => R('POST', `/api/v1/${kind}`, k.create.out!()), holders: [], outside: 'out_of_scope' as const }]
        : []),
    ];
    const patch = (key: () => unknown) =>
      R(
        'PATCH',
        item(key),
        kind === 'agencies' ? { centralUnit: false } : kind === 'centers' ? { name: key() === 'M-C' ? '兴宁区政务服务中心' : '城中区政务服务中心' } : patchBody,
      );
    out[`PATCH /api/v1/${kind}/${keyPath}`] = [
      { label: 'in scope', request: () => patch(k.in), holders: writeHolders, outside: kind === 'business-lines' ? 'out_of_scope' : 'hidden' },
      { label: 'out of scope', request: () => patch(k.out), holders: [], outside: kind === 'business-lines' ? 'out_of_scope' : 'hidden' },
    ];
    for (const action of ['retire', 'reinstate']) {
      out[`POST /api/v1/${kind}/${keyPath}/${action}`] = [
        // Retiring what is in use is refused (409) after access is granted: no data changes here.
        {
          label: 'in scope',
          request: () => R('POST', `${item(k.in)}/${action}`),
          holders: writeHolders,
          outside: kind === 'business-lines' ? 'out_of_scope' : 'hidden',
        },
        {
          label: 'out of scope',
          request: () => R('POST', `${item(k.out)}/${action}`),
          holders: [],
          outside: kind === 'business-lines' ? 'out_of_scope' : 'hidden',
        },
      ];
    }
    // Always 405 for whoever may write at all: nothing is ever deleted.
    out[`DELETE /api/v1/${kind}/${keyPath}`] = [{ label: 'any', request: () => R('DELETE', item(k.in)), holders: 'all' }];
  }
  out['GET /api/v1/staff/:staffNumber/assignments'] = [
    { label: 'in scope', request: () => R('GET', `/api/v1/staff/${world.staffA.staffNumber}/assignments`), holders: SCOPED_ALL, outside: 'hidden' },
    { label: 'out of scope', request: () => R('GET', `/api/v1/staff/${d.staffC}/assignments`), holders: [], outside: 'hidden' },
  ];
  out['POST /api/v1/staff/:staffNumber/transfer'] = [
    // To where they are: 409 transfer_changes_nothing once access is granted.
    {
      label: 'in scope',
      request: () => R('POST', `/api/v1/staff/${world.staffA.staffNumber}/transfer`, { agencyCode: d.agencyA, centerCode: 'M-C', windowNumber: '1' }),
      holders: ['supervisor'],
      outside: 'hidden',
    },
    {
      label: 'out of scope',
      request: () => R('POST', `/api/v1/staff/${d.staffC}/transfer`, { agencyCode: d.agencyC, centerCode: 'M-CL', windowNumber: '1' }),
      holders: [],
      outside: 'hidden',
    },
  ];
  return out;
}

function samples(): Record<string, Sample[]> {
  const caseBody = () => ({
    caseNumber: `M-N${next()}`,
    matterCode: world.immediate.code,
    applicant: IDENTITY.a,
    staffNumber: world.staffA.staffNumber,
    acceptedAt: clock.now().toISOString(),
  });
  const ownedBy = (holders: Who[]) => ({ holders, outside: 'hidden' as const, overrides: {} });
  const scoreHolders: Record<string, [string, string, Who[]]> = {
    staff: [world.staffA.staffNumber, d.staffC as string, ['supervisor', 'line_manager', 'agency_manager', 'staff']],
    agencies: [d.agencyA as string, d.agencyC as string, ['supervisor', 'line_manager', 'agency_manager']],
    // A line spans every level: only a scope holding all of it (or that line, unrestricted) reads its score.
    'business-lines': ['M-LINE', 'M-LINE2', ['line_manager']],
    regions: ['450102', '450202', ['supervisor']],
    centers: ['M-C', 'M-CL', ['supervisor']],
  };
  const scoreSamples = (suffix: string) =>
    Object.entries(scoreHolders).flatMap(([dim, [inKey, outKey, holders]]) => [
      { label: `${dim} in scope`, request: () => R('GET', `/api/v1/scores/${dim}/${inKey}${suffix}?period=${P}`), holders, outside: 'hidden' as const },
      {
        label: `${dim} out of scope`,
        request: () => R('GET', `/api/v1/scores/${dim}/${outKey}${suffix}?period=${P}`),
        holders: [],
        outside: 'hidden' as const,
      },
    ]);
  // Rankings: a supervisor within their region (403 outside it); a line manager their line's staff and agencies;
  // an agency manager their staff; staff no ranking at all.
  const rankingSamples = (suffix: string) =>
    [
      {
        label: 'staff',
        request: () => R('GET', `/api/v1/rankings/staff${suffix}?period=${P}`),
        holders: ['supervisor', 'line_manager', 'agency_manager'],
        overrides: { staff: 'forbidden' },
      },
      {
        label: 'agencies',
        request: () => R('GET', `/api/v1/rankings/agencies${suffix}?period=${P}`),
        holders: ['supervisor', 'line_manager'],
        overrides: { agency_manager: 'forbidden', staff: 'forbidden' },
      },
      {
        label: 'regions within Liuzhou',
        request: () => R('GET', `/api/v1/rankings/regions${suffix}?period=${P}&within=450200`),
        holders: [],
        outside: 'out_of_scope',
        overrides: { line_manager: 'forbidden', agency_manager: 'forbidden', staff: 'forbidden' },
      },
      {
        label: 'centers',
        request: () => R('GET', `/api/v1/rankings/centers${suffix}?period=${P}`),
        holders: ['supervisor'],
        overrides: { line_manager: 'forbidden', agency_manager: 'forbidden', staff: 'forbidden' },
      },
    ] as Sample[];
  return {
    ...catalogueSamples(),
    'GET /api/v1/regions': [{ label: 'reference data', request: () => R('GET', '/api/v1/regions?parent=450000'), holders: 'all' }],
    'GET /api/v1/regions/:code': [{ label: 'reference data', request: () => R('GET', '/api/v1/regions/450202'), holders: 'all' }],
    'POST /api/v1/imports/:kind': [
      {
        label: 'dry run in scope',
        request: () => ({
          ...R('POST', '/api/v1/imports/centers?commit=false', `code,name,regionCode\nM-IMP${next()},兴宁区分中心,450102\n`),
          headers: { 'content-type': 'text/csv' },
        }),
        holders: ['supervisor'],
      },
    ],
    'POST /api/v1/cases': [{ label: 'new case', request: () => R('POST', '/api/v1/cases', caseBody()), holders: 'all' }],
    'GET /api/v1/cases/:caseNumber': [{ label: 'own case', request: () => R('GET', '/api/v1/cases/M-A1'), ...ownedBy(['business']) }],
    // People find cases by number within their scope (a case outside it is simply not found: an empty page).
    'GET /api/v1/case-search': [{ label: 'by number', request: () => R('GET', '/api/v1/case-search?caseNumber=M-A1'), holders: 'all' }],
    'POST /api/v1/cases/:caseNumber/complete': [
      {
        label: 'own case',
        request: () => R('POST', '/api/v1/cases/M-P1/complete', { completedAt: clock.now().toISOString(), staffNumber: world.staffA.staffNumber }),
        ...ownedBy(['business']),
      },
    ],
    'POST /api/v1/cases/:caseNumber/withdraw': [
      { label: 'own case', request: () => R('POST', '/api/v1/cases/M-W1/withdraw', { reason: '申请人撤回' }), ...ownedBy(['business']) },
    ],
    'POST /api/v1/packages': [
      {
        label: 'new package',
        request: () =>
          R('POST', '/api/v1/packages', {
            packageNumber: `M-PKN${next()}`,
            name: '一件事',
            applicant: IDENTITY.a,
            members: [
              { caseNumber: `M-PKN${seq}-1`, matterCode: world.promised.code },
              { caseNumber: `M-PKN${seq}-2`, matterCode: world.promisedB.code },
            ],
            acceptance: { staffNumber: world.staffA.staffNumber, at: clock.now().toISOString() },
          }),
        holders: 'all',
      },
    ],
    'GET /api/v1/packages/:packageNumber': [{ label: 'own package', request: () => R('GET', '/api/v1/packages/M-PK1'), ...ownedBy(['business']) }],
    'POST /api/v1/packages/:packageNumber/stages/:stage': [
      {
        label: 'own package',
        request: () => R('POST', '/api/v1/packages/M-PK1/stages/approval', { staffNumber: world.staffB.staffNumber, at: clock.now().toISOString() }),
        ...ownedBy(['business']),
      },
    ],
    'POST /api/v1/occasions/:occasionId/invitations': [
      { label: 'own occasion', request: () => R('POST', `/api/v1/occasions/${d.occasionA}/invitations`), ...ownedBy(['business']) },
    ],
    'POST /api/v1/ratings': [
      {
        label: 'the same rating again',
        request: () =>
          R('POST', '/api/v1/ratings', {
            caseNumber: 'M-A1',
            occasion: 'completion',
            rater: { name: IDENTITY.a.name, idType: IDENTITY.a.idType, idNumber: IDENTITY.a.idNumber },
            level: 'dissatisfied',
            channel: 'app',
            comment: COMMENT,
          }),
        holders: 'all',
        // Public route: a person signed in is no rating channel; the device stands at its own channel.
        overrides: {
          admin: 'forbidden',
          auditor: 'forbidden',
          supervisor: 'forbidden',
          line_manager: 'forbidden',
          agency_manager: 'forbidden',
          staff: 'forbidden',
          business: 'forbidden',
          other_business: 'forbidden',
          device: 'any',
          anonymous: 'unauthenticated',
        },
      },
    ],
    'GET /api/v1/ratings/:id': [{ label: 'own case’s rating', request: () => R('GET', `/api/v1/ratings/${d.ratingA}`), ...ownedBy(['business']) }],
    'POST /api/v1/ratings/:id/reveal': [
      {
        label: 'in scope',
        request: () => R('POST', `/api/v1/ratings/${d.ratingA}/reveal`, { reason: '回访核实差评情况' }),
        holders: ['supervisor'],
        outside: 'hidden',
      },
      {
        label: 'out of scope',
        request: () => R('POST', `/api/v1/ratings/${d.ratingC}/reveal`, { reason: '回访核实差评情况' }),
        holders: [],
        outside: 'hidden',
      },
    ],
    'GET /api/v1/scores/:dimension/:key': scoreSamples(''),
    'GET /api/v1/scores/:dimension/:key/ratings': scoreSamples('/ratings'),
    'GET /api/v1/scores/:dimension/:key/negative-tags': scoreSamples('/negative-tags'),
    'GET /api/v1/rankings/:dimension': rankingSamples(''),
    'GET /api/v1/rankings/:dimension/export.xlsx': rankingSamples('/export.xlsx'),
    'GET /api/v1/rankings/:dimension/export.csv': rankingSamples('/export.csv'),
    'POST /api/v1/sessions': [
      {
        label: 'sign in',
        request: () => R('POST', '/api/v1/sessions', { username: 'm-signin', password: TEST_PASSWORD }),
        holders: 'all',
        overrides: Object.fromEntries(EVERYONE.map((w) => [w, 'allowed'])),
      },
    ],
    'DELETE /api/v1/sessions/current': [
      {
        label: 'sign out (a session of its own)',
        request: async (who) => {
          const fresh = USERS.includes(who as (typeof USERS)[number])
            ? (await raw().inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: usernames[who], password: TEST_PASSWORD } })).json().token
            : null;
          return { ...R('DELETE', '/api/v1/sessions/current'), headers: fresh ? { authorization: `Bearer ${fresh}` } : {} };
        },
        holders: 'all',
      },
    ],
    'GET /api/v1/me': [{ label: 'me', request: () => R('GET', '/api/v1/me'), holders: 'all' }],
    // A wrong current password: 400 once access is granted, nothing changes.
    'POST /api/v1/me/password': [
      {
        label: 'wrong current password',
        request: () => R('POST', '/api/v1/me/password', { currentPassword: 'not-it-at-all', newPassword: 'Another-Long-Pass-9' }),
        holders: 'all',
      },
    ],
    'GET /api/v1/users': [{ label: 'list', request: () => R('GET', '/api/v1/users'), holders: 'all' }],
    'POST /api/v1/users': [
      {
        label: 'new user',
        request: () => R('POST', '/api/v1/users', { username: `m-new-${next()}`, displayName: '新用户', role: 'auditor', password: TEST_PASSWORD }),
        holders: 'all',
      },
    ],
    'GET /api/v1/users/:username': [{ label: 'one', request: () => R('GET', '/api/v1/users/m-staff'), holders: 'all' }],
    'PATCH /api/v1/users/:username': [{ label: 'rename', request: () => R('PATCH', '/api/v1/users/m-signin', { displayName: '审计员乙' }), holders: 'all' }],
    'GET /api/v1/clients': [{ label: 'list', request: () => R('GET', '/api/v1/clients'), holders: 'all' }],
    'POST /api/v1/clients': [
      { label: 'new client', request: () => R('POST', '/api/v1/clients', { name: `M 新系统 ${next()}`, kind: 'business_system' }), holders: 'all' },
    ],
    'POST /api/v1/clients/:id/revoke': [{ label: 'revoke', request: () => R('POST', `/api/v1/clients/${d.revocable}/revoke`), holders: 'all' }],
    'GET /api/v1/settings': [{ label: 'read', request: () => R('GET', '/api/v1/settings'), holders: 'all' }],
    // Issue 12: the outbox, the rating link's page, the QR code, and the evaluation devices.
    'GET /api/v1/outbox': [{ label: 'read', request: () => R('GET', '/api/v1/outbox'), holders: 'all' }],
    'GET /api/v1/invitations/:token': [{ label: 'an open link', request: () => R('GET', `/api/v1/invitations/${d.tokenP}`), holders: 'all' }],
    'GET /api/v1/occasions/:occasionId/invitation.png': [
      { label: 'own occasion', request: () => R('GET', `/api/v1/occasions/${d.occasionA}/invitation.png`), ...ownedBy(['business']) },
    ],
    'GET /api/v1/devices': [{ label: 'list', request: () => R('GET', '/api/v1/devices'), holders: 'all' }],
    'POST /api/v1/devices': [
      {
        label: 'a window in Nanning',
        request: () => R('POST', '/api/v1/devices', { name: `M 新评价器 ${next()}`, window: { centerCode: world.center.code, number: '1' } }),
        holders: ['supervisor'],
        outside: 'out_of_scope',
      },
      {
        label: 'a window in Liuzhou',
        request: () => R('POST', '/api/v1/devices', { name: `M 新评价器 ${next()}`, window: { centerCode: 'M-CL', number: '1' } }),
        holders: [],
        outside: 'out_of_scope',
      },
    ],
    'POST /api/v1/devices/:id/revoke': [
      { label: 'a Nanning device', request: () => R('POST', `/api/v1/devices/${d.revocableDevice}/revoke`), holders: ['supervisor'] },
      { label: 'a Liuzhou device', request: () => R('POST', `/api/v1/devices/${d.deviceC}/revoke`), holders: [] },
    ],
    'POST /api/v1/clients/:id/pairing-code': [
      { label: 'a Nanning device', request: () => R('POST', `/api/v1/clients/${d.device}/pairing-code`), holders: ['supervisor'] },
      { label: 'a Liuzhou device', request: () => R('POST', `/api/v1/clients/${d.deviceC}/pairing-code`), holders: [] },
    ],
    'POST /api/v1/devices/pair': [{ label: 'a wrong code', request: () => R('POST', '/api/v1/devices/pair', { code: '000000' }), holders: 'all' }],
    'GET /api/v1/device': [{ label: 'its window', request: () => R('GET', '/api/v1/device'), holders: 'all' }],
    // The stream never ends for the device itself: asked with a malformed Last-Event-ID, it is refused (400) after access is decided.
    'GET /api/v1/device/events': [
      { label: 'access only', request: () => ({ ...R('GET', '/api/v1/device/events'), headers: { 'last-event-id': 'x' } }), holders: 'all' },
    ],
    'PATCH /api/v1/settings': [{ label: 'unchanged', request: () => R('PATCH', '/api/v1/settings', { publishStaffScores: false }), holders: 'all' }],
    'GET /api/v1/audit': [{ label: 'read', request: () => R('GET', '/api/v1/audit?pageSize=500'), holders: 'all' }],
    'GET /api/v1/audit/export.csv': [{ label: 'export', request: () => R('GET', '/api/v1/audit/export.csv'), holders: 'all' }],
    'GET /api/v1/jobs': [{ label: 'list', request: () => R('GET', '/api/v1/jobs'), holders: 'all' }],
    'POST /api/v1/jobs/:name/runs': [{ label: 'fold', request: () => R('POST', '/api/v1/jobs/score-fold/runs'), holders: 'all' }],
    'GET /api/v1/public/rankings/:dimension': [{ label: 'public', request: () => R('GET', `/api/v1/public/rankings/agencies?period=${P}`), holders: 'all' }],
    'GET /api/v1/public/scores/:dimension/:key': [
      { label: 'public', request: () => R('GET', `/api/v1/public/scores/regions/450102?period=${P}`), holders: 'all' },
    ],
    // ——— Issue 13: the policy versions and the working-day calendar. Every role reads them (policy.read);
    // admins alone change them (policy.manage); no client has either. Nothing here is scoped. ———
    'GET /api/v1/policy': [{ label: 'read', request: () => R('GET', '/api/v1/policy'), holders: 'all' }],
    'POST /api/v1/policy/versions': [
      {
        label: 'a version from tomorrow',
        request: () => R('POST', '/api/v1/policy/versions', { effectiveFrom: '2026-11-03', numbers: DEFAULT_POLICY_NUMBERS, note: '访问矩阵' }),
        holders: 'all',
      },
    ],
    'GET /api/v1/policy/calendar': [{ label: 'the years', request: () => R('GET', '/api/v1/policy/calendar'), holders: 'all' }],
    'GET /api/v1/policy/calendar/:year': [{ label: 'one year', request: () => R('GET', '/api/v1/policy/calendar/2026'), holders: 'all' }],
    'PUT /api/v1/policy/calendar/:year': [
      {
        label: 'a year to come',
        request: () =>
          R('PUT', '/api/v1/policy/calendar/2027', {
            source: '国务院办公厅关于2027年部分节假日安排的通知',
            days: [{ day: '2027-01-01', kind: 'holiday', name: '元旦' }],
          }),
        holders: 'all',
      },
    ],
    // ——— Issue 13: the supervision loop ———
    'GET /api/v1/supervision/items': [{ label: 'queue', request: () => R('GET', '/api/v1/supervision/items?status=all&pageSize=500'), holders: 'all' }],
    'GET /api/v1/supervision/items/:id': [
      { label: 'in scope', request: () => R('GET', `/api/v1/supervision/items/${d.reviewA}`), holders: ITEM_HOLDERS, outside: 'hidden' },
      { label: 'out of scope', request: () => R('GET', `/api/v1/supervision/items/${d.reviewC}`), holders: [], outside: 'hidden' },
    ],
    'POST /api/v1/supervision/items/:id/steps': [
      // A stale version: access is decided first, then 409 item_changed changes nothing.
      {
        label: 'in scope',
        request: () => R('POST', `/api/v1/supervision/items/${d.reviewA}/steps`, { event: 'approve', version: 999 }),
        holders: ITEM_HOLDERS,
        outside: 'hidden',
        overrides: { ...NOT_DECIDERS, line_manager: 'forbidden', agency_manager: 'forbidden' },
      },
      {
        label: 'out of scope',
        request: () => R('POST', `/api/v1/supervision/items/${d.reviewC}/steps`, { event: 'approve', version: 999 }),
        holders: [],
        outside: 'hidden',
        overrides: NOT_DECIDERS,
      },
    ],
    'POST /api/v1/supervision/items/:id/attachments': [
      {
        label: 'in scope',
        request: () => ({
          ...R('POST', `/api/v1/supervision/items/${d.reviewA}/attachments?fileName=a.pdf`),
          payload: PDF,
          headers: { 'content-type': 'application/pdf' },
        }),
        holders: ITEM_HOLDERS,
        outside: 'hidden',
        overrides: { ...NOT_DECIDERS, line_manager: 'forbidden', agency_manager: 'forbidden' },
      },
      {
        label: 'out of scope',
        request: () => ({
          ...R('POST', `/api/v1/supervision/items/${d.reviewC}/attachments?fileName=c.pdf`),
          payload: PDF,
          headers: { 'content-type': 'application/pdf' },
        }),
        holders: [],
        outside: 'hidden',
        overrides: NOT_DECIDERS,
      },
    ],
    'GET /api/v1/supervision/attachments/:id': [
      { label: 'in scope', request: () => R('GET', `/api/v1/supervision/attachments/${d.attachmentA}`), holders: ITEM_HOLDERS, outside: 'hidden' },
      { label: 'out of scope', request: () => R('GET', `/api/v1/supervision/attachments/${d.attachmentC}`), holders: [], outside: 'hidden' },
    ],
    'GET /api/v1/supervision/summary': [{ label: 'counts', request: () => R('GET', '/api/v1/supervision/summary'), holders: 'all' }],
    // ——— Issue 14: what the platform finds on its own. Investigations (R10) are for supervisory departments only:
    // the agency under suspicion and its line do not see them (403 for the queue, 404 for one).
    'GET /api/v1/findings': [
      { label: 'key targets', request: () => R('GET', '/api/v1/findings?workflow=key_target&status=all&pageSize=100'), holders: 'all' },
      {
        label: 'investigations',
        request: () => R('GET', '/api/v1/findings?workflow=investigation&status=all&pageSize=100'),
        holders: 'all',
        overrides: { line_manager: 'forbidden', agency_manager: 'forbidden' },
      },
    ],
    'GET /api/v1/findings/summary': [{ label: 'counts', request: () => R('GET', '/api/v1/findings/summary'), holders: 'all' }],
    'GET /api/v1/findings/suspicion': [
      { label: 'scores', request: () => R('GET', '/api/v1/findings/suspicion?dimension=agency&from=2026-01-01&to=2026-12-31'), holders: 'all' },
    ],
    'GET /api/v1/findings/:id': [
      { label: 'key target in scope', request: () => R('GET', `/api/v1/findings/${d.keyTargetA}`), holders: ITEM_HOLDERS, outside: 'hidden' },
      { label: 'key target out of scope', request: () => R('GET', `/api/v1/findings/${d.keyTargetC}`), holders: [], outside: 'hidden' },
      { label: 'investigation in scope', request: () => R('GET', `/api/v1/findings/${d.investigationA}`), holders: ['supervisor'], outside: 'hidden' },
      { label: 'investigation out of scope', request: () => R('GET', `/api/v1/findings/${d.investigationC}`), holders: [], outside: 'hidden' },
    ],
    'POST /api/v1/findings/:id/steps': [
      // A stale version: access is decided first, then 409 item_changed changes nothing.
      {
        label: 'key target in scope',
        request: () => R('POST', `/api/v1/findings/${d.keyTargetA}/steps`, { event: 'close', reason: '已整改', version: 999 }),
        holders: ITEM_HOLDERS,
        outside: 'hidden',
        overrides: { ...NOT_DECIDERS, line_manager: 'forbidden', agency_manager: 'forbidden' },
      },
      {
        label: 'key target out of scope',
        request: () => R('POST', `/api/v1/findings/${d.keyTargetC}/steps`, { event: 'close', reason: '已整改', version: 999 }),
        holders: [],
        outside: 'hidden',
        overrides: NOT_DECIDERS,
      },
      {
        label: 'investigation in scope',
        request: () => R('POST', `/api/v1/findings/${d.investigationA}/steps`, { event: 'dismiss', reason: '不属实', version: 999 }),
        holders: ['supervisor'],
        outside: 'hidden',
        overrides: NOT_DECIDERS,
      },
    ],
    'POST /api/v1/ratings/:ratingId/appeals': [
      // Still in review: the agency is not notified yet (409 not_notified), after access is decided.
      {
        label: 'in scope',
        request: () => R('POST', `/api/v1/ratings/${d.ratingA}/appeals`, { reason: '与事实不符' }),
        holders: ['agency_manager'],
        outside: 'hidden',
      },
      { label: 'out of scope', request: () => R('POST', `/api/v1/ratings/${d.ratingC}/appeals`, { reason: '与事实不符' }), holders: [], outside: 'hidden' },
    ],
    'GET /api/v1/incidents': [{ label: 'list', request: () => R('GET', '/api/v1/incidents'), holders: 'all' }],
    'POST /api/v1/incidents': [
      {
        label: 'an outage',
        request: () =>
          R('POST', '/api/v1/incidents', { systemId: Number(d.system), startedAt: '2026-10-03T01:00:00Z', endedAt: '2026-10-03T02:00:00Z', cause: '网络中断' }),
        holders: 'all',
      },
    ],
    'GET /api/v1/incidents/systems': [{ label: 'names', request: () => R('GET', '/api/v1/incidents/systems'), holders: 'all' }],
    'GET /api/v1/incidents/:id': [{ label: 'one', request: () => R('GET', `/api/v1/incidents/${d.incident}`), holders: 'all' }],
    'POST /api/v1/incidents/:id/revocations': [
      {
        label: 'nothing inside',
        request: () => R('POST', `/api/v1/incidents/${d.incident}/revocations`, {}),
        holders: 'all',
        overrides: { admin: 'forbidden' },
      },
    ],
    'POST /api/v1/invitations/:token/rectification/grade': [
      { label: 'an unrated link', request: () => R('POST', `/api/v1/invitations/${d.tokenP}/rectification/grade`, { grade: 'satisfied' }), holders: 'all' },
    ],
    'POST /api/v1/invitations/:token/rectification/reopen': [
      { label: 'an unrated link', request: () => R('POST', `/api/v1/invitations/${d.tokenP}/rectification/reopen`), holders: 'all' },
    ],
  };
}

/** What the declaration says this caller gets. */
function expected(who: Who, access: RouteAccess, sample: Sample): Outcome {
  const override = sample.overrides?.[who];
  if (override) return override;
  if ('public' in access) return 'allowed';
  const action: Action = access.action;
  const permissions =
    who === 'anonymous' ? null : PERMISSIONS[(who === 'other_business' ? 'business_system' : who === 'business' ? 'business_system' : who) as Role];
  if (!permissions) return 'unauthenticated';
  if (!permissions.includes(action)) return 'forbidden';
  const allScope = who === 'admin' || who === 'auditor' || CLIENTS.includes(who as (typeof CLIENTS)[number]);
  if (sample.holders === 'all' || (allScope && who !== 'other_business') || sample.holders.includes(who)) return 'allowed';
  return sample.outside ?? 'hidden';
}

function outcomeOf(res: { status: number; id?: string }): Outcome {
  if (res.status === 401) return 'unauthenticated';
  if (res.status === 403 && res.id === 'out_of_scope') return 'out_of_scope';
  if (res.status === 403 && res.id === 'forbidden') return 'forbidden';
  if (res.status === 404 && ['not_found_in_scope', 'case_not_found', 'package_not_found', 'occasion_not_found', 'rating_not_found'].includes(res.id ?? ''))
    return 'hidden';
  return 'allowed';
}

// Markers of what lies outside each scoped role: none may appear in any answer it gets.
const outsideMarkers = (): Partial<Record<Who, string[]>> => {
  const liuzhou = [d.agencyC as string, d.staffC as string, 'M-CL', d.matterC as string, '城中区税务局'];
  return {
    supervisor: liuzhou,
    line_manager: liuzhou,
    agency_manager: [...liuzhou, d.agencyB as string, world.staffB.staffNumber, world.promisedB.code],
    staff: [...liuzhou, d.agencyB as string, world.staffB.staffNumber, world.promisedB.code],
  };
};

describe('the access matrix: every route × every caller × in and out of scope', () => {
  const seen: { who: Who; route: string; status: number; text: string }[] = [];

  it('every route declares its access, and the matrix has an entry for each', () => {
    const table = raw().accessTable.map((r) => `${r.method} ${r.url}`);
    const missing = table.filter((route) => !(route in samples()));
    expect(missing).toEqual([]);
    expect(Object.keys(samples()).filter((route) => !table.includes(route))).toEqual([]);
  });

  it('allows or refuses exactly as declared, and out-of-scope records appear nowhere', async () => {
    const all = samples();
    const markers = outsideMarkers();
    const wrong: string[] = [];
    for (const { method, url, access } of raw().accessTable) {
      for (const sample of all[`${method} ${url}`] ?? []) {
        for (const who of EVERYONE) {
          const res = await inject(who, await sample.request(who));
          seen.push({ who, route: `${method} ${url}`, status: res.status, text: res.text });
          const want = expected(who, access, sample);
          const got = outcomeOf(res);
          if (res.status >= 500) wrong.push(`${who} ${method} ${url} (${sample.label}): ${res.status} ${res.text.slice(0, 200)}`);
          else if (want !== 'any' && got !== want)
            wrong.push(`${who} ${method} ${url} (${sample.label}): expected ${want}, got ${got} (${res.status} ${res.id ?? ''})`);
          // R13: what is published is everyone's to see.
          const leaked = res.status < 300 && !('public' in access) ? (markers[who] ?? []).filter((m) => res.text.includes(m)) : [];
          if (leaked.length) wrong.push(`${who} ${method} ${url} (${sample.label}): shows ${leaked.join(', ')} from outside its scope`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 180_000); // every route × every caller, one after another: minutes on a busy 2-core machine

  it('R9: no answer carries a rater’s identity, except the audited reveals of supervisors and admins', () => {
    expect(seen.length).toBeGreaterThan(500);
    const leaks = seen
      .filter((s) => !(s.route === 'POST /api/v1/ratings/:id/reveal' && s.status === 200 && (s.who === 'admin' || s.who === 'supervisor')))
      .flatMap((s) => SECRETS.filter((secret) => s.text.includes(secret)).map((secret) => `${s.who} ${s.route} → ${secret}`));
    expect(leaks).toEqual([]);
    // …and the reveals themselves did show it.
    expect(seen.some((s) => s.route === 'POST /api/v1/ratings/:id/reveal' && s.who === 'supervisor' && s.text.includes(IDENTITY.a.idNumber))).toBe(true);
  });
});
