// R2, R9, R13: who may do what where — the pure rule, as tables.
import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  can,
  decide,
  pathWithin,
  PERMISSIONS,
  rankingLimits,
  requireAccess,
  ROLES,
  within,
  type Action,
  type Actor,
  type Place,
  type Role,
  type Scope,
} from '../../src/domain/access.ts';
import { AppError } from '../../src/domain/errors.ts';
import { passwordProblems } from '../../src/domain/passwords.ts';

const GX = '450000000000';
const NANNING = `${GX}.450100000000`;
const XINGNING = `${NANNING}.450102000000`;
const QINGXIU = `${NANNING}.450103000000`;
const LIUZHOU = `${GX}.450200000000`;

const scopes: Record<Role, Scope> = {
  admin: { kind: 'all' },
  auditor: { kind: 'all' },
  supervisor: { kind: 'region', regionCode: '450100000000', path: NANNING },
  line_manager: { kind: 'line', lineCode: 'SCJG', regionCode: null, path: null },
  agency_manager: { kind: 'agency', agencyCode: 'A1' },
  staff: { kind: 'staff', staffId: 7, staffNumber: 'S7' },
};
const user = (role: Role, scope = scopes[role]): Actor => ({ type: 'user', id: 1, username: role, name: role, role, scope });

describe('R2: what each role may do at all', () => {
  // Every action × every role, written out: a change to PERMISSIONS must change this table.
  const table: Record<Role, Action[]> = {
    admin: [
      'self.manage',
      'regions.read',
      'catalogue.read',
      'catalogue.write',
      'scores.read',
      'cases.find',
      'identity.reveal',
      'audit.read',
      'users.read',
      'users.manage',
      'clients.read',
      'clients.manage',
      'settings.read',
      'settings.manage',
      'jobs.read',
      'jobs.run',
      'outbox.read',
      'devices.manage',
      'policy.read',
      'policy.manage',
      'supervision.read',
      'incidents.manage',
      'investigations.read',
    ],
    supervisor: [
      'self.manage',
      'regions.read',
      'catalogue.read',
      'catalogue.write',
      'scores.read',
      'cases.find',
      'identity.reveal',
      'devices.manage',
      'policy.read',
      'supervision.read',
      'supervision.decide',
      'supervision.rectify',
      'incidents.manage',
      'investigations.read',
    ],
    line_manager: ['self.manage', 'regions.read', 'catalogue.read', 'scores.read', 'cases.find', 'policy.read', 'supervision.read'],
    agency_manager: [
      'self.manage',
      'regions.read',
      'catalogue.read',
      'scores.read',
      'cases.find',
      'policy.read',
      'supervision.read',
      'supervision.rectify',
      'supervision.appeal',
    ],
    staff: ['self.manage', 'regions.read', 'catalogue.read', 'scores.read', 'policy.read'],
    auditor: [
      'self.manage',
      'regions.read',
      'catalogue.read',
      'scores.read',
      'cases.find',
      'audit.read',
      'users.read',
      'clients.read',
      'settings.read',
      'jobs.read',
      'outbox.read',
      'policy.read',
      'supervision.read',
      'investigations.read',
    ],
  };
  for (const role of ROLES) {
    for (const action of ACTIONS) {
      const expected = table[role].includes(action);
      it(`${role} ${expected ? 'may' : 'may not'} ${action}`, () => expect(can(user(role), action)).toBe(expected));
    }
  }

  it('R9: only supervisors and admins may reveal a rater; nobody reads identity through a role without it', () => {
    expect(ROLES.filter((r) => PERMISSIONS[r].includes('identity.reveal'))).toEqual(['admin', 'supervisor']);
  });

  it('the auditor changes nothing', () => {
    const writes = PERMISSIONS.auditor.filter((a) => /\.(write|manage|run|reveal|submit)$/.test(a) && a !== 'self.manage');
    expect(writes).toEqual([]);
  });

  it.each([
    ['business_system', ['cases.submit', 'cases.read']],
    ['channel', ['ratings.submit']],
    ['device', ['ratings.submit', 'device.read']],
  ] as const)('a %s client may only %j', (kind, actions) => {
    const client: Actor = { type: 'client', id: 3, name: 'c', kind, channel: null, windowId: null };
    expect(ACTIONS.filter((a) => can(client, a))).toEqual(actions);
  });

  it('nobody (anonymous) is told to sign in; the system (CLI, jobs) may do anything', () => {
    expect(decide({ type: 'anonymous' }, 'scores.read')).toBe('unauthenticated');
    expect(ACTIONS.every((a) => can({ type: 'system', name: 'cli' }, a))).toBe(true);
  });
});

describe('R2: where a scope applies', () => {
  const places: Record<string, Place> = {
    'an agency of Xingning (line SCJG)': { regionPath: XINGNING, agencyCode: 'A1', businessLineCode: 'SCJG' },
    'an agency of Qingxiu (line SCJG)': { regionPath: QINGXIU, agencyCode: 'A2', businessLineCode: 'SCJG' },
    'Nanning itself': { regionPath: NANNING },
    'Liuzhou (another city)': { regionPath: LIUZHOU, agencyCode: 'A3', businessLineCode: 'SW' },
    'the whole autonomous region': { regionPath: GX },
    'staff member 7 of agency A1': { regionPath: XINGNING, agencyCode: 'A1', businessLineCode: 'SCJG', staffId: 7 },
    'staff member 8 of agency A1': { regionPath: XINGNING, agencyCode: 'A1', businessLineCode: 'SCJG', staffId: 8 },
  };
  const cases: [string, Scope, Record<string, boolean>][] = [
    ['admin (all)', scopes.admin, Object.fromEntries(Object.keys(places).map((k) => [k, true]))],
    [
      'supervisor of Nanning',
      scopes.supervisor,
      {
        'an agency of Xingning (line SCJG)': true,
        'an agency of Qingxiu (line SCJG)': true,
        'Nanning itself': true,
        'Liuzhou (another city)': false,
        'the whole autonomous region': false,
        'staff member 7 of agency A1': true,
        'staff member 8 of agency A1': true,
      },
    ],
    [
      'supervisor of Xingning',
      { kind: 'region', regionCode: '450102000000', path: XINGNING },
      {
        'an agency of Xingning (line SCJG)': true,
        'an agency of Qingxiu (line SCJG)': false,
        'Nanning itself': false,
        'Liuzhou (another city)': false,
        'the whole autonomous region': false,
        'staff member 7 of agency A1': true,
        'staff member 8 of agency A1': true,
      },
    ],
    [
      'line manager of SCJG',
      scopes.line_manager,
      {
        'an agency of Xingning (line SCJG)': true,
        'an agency of Qingxiu (line SCJG)': true,
        'Nanning itself': false,
        'Liuzhou (another city)': false,
        'the whole autonomous region': false,
        'staff member 7 of agency A1': true,
        'staff member 8 of agency A1': true,
      },
    ],
    [
      'line manager of SCJG within Xingning',
      { kind: 'line', lineCode: 'SCJG', regionCode: '450102000000', path: XINGNING },
      {
        'an agency of Xingning (line SCJG)': true,
        'an agency of Qingxiu (line SCJG)': false,
        'Nanning itself': false,
        'Liuzhou (another city)': false,
        'the whole autonomous region': false,
        'staff member 7 of agency A1': true,
        'staff member 8 of agency A1': true,
      },
    ],
    [
      'agency manager of A1',
      scopes.agency_manager,
      {
        'an agency of Xingning (line SCJG)': true,
        'an agency of Qingxiu (line SCJG)': false,
        'Nanning itself': false,
        'Liuzhou (another city)': false,
        'the whole autonomous region': false,
        'staff member 7 of agency A1': true,
        'staff member 8 of agency A1': true,
      },
    ],
    [
      'staff member 7',
      scopes.staff,
      {
        'an agency of Xingning (line SCJG)': false,
        'an agency of Qingxiu (line SCJG)': false,
        'Nanning itself': false,
        'Liuzhou (another city)': false,
        'the whole autonomous region': false,
        'staff member 7 of agency A1': true,
        'staff member 8 of agency A1': false,
      },
    ],
  ];
  for (const [who, scope, expected] of cases) {
    for (const [what, holds] of Object.entries(expected)) {
      it(`${who} ${holds ? 'holds' : 'does not hold'} ${what}`, () => expect(within(scope, places[what]!)).toBe(holds));
    }
  }

  it('a subtree is a whole path segment: 450102 does not hold 4501020…-like siblings', () => {
    expect(pathWithin(`${NANNING}.450102000000`, NANNING)).toBe(true);
    expect(pathWithin('450000000000.4501000000001', NANNING)).toBe(false);
    expect(pathWithin(NANNING, XINGNING)).toBe(false);
  });

  it('a business system acts only on what it sent', () => {
    const business: Actor = { type: 'client', id: 5, name: 'b', kind: 'business_system', channel: null, windowId: null };
    expect(decide(business, 'cases.submit', { clientId: 5 })).toBe('allowed');
    expect(decide(business, 'cases.submit', { clientId: 6 })).toBe('out_of_scope');
  });

  it('out of scope is 404 not_found_in_scope by default, 403 out_of_scope when the place was named on purpose', () => {
    const supervisor = user('supervisor');
    const outside = places['Liuzhou (another city)']!;
    const error = (outsideAs?: 'forbidden') => {
      try {
        requireAccess(supervisor, 'catalogue.read', outside, { outside: outsideAs, what: 'Liuzhou' });
      } catch (e) {
        return e as AppError;
      }
      throw new Error('allowed');
    };
    expect([error().id, error().kind]).toEqual(['not_found_in_scope', 'not_found']);
    expect([error('forbidden').id, error('forbidden').kind]).toEqual(['out_of_scope', 'forbidden']);
  });
});

describe('R2, R13: rankings a scope may see', () => {
  const nanning = { code: '450100000000', path: NANNING };
  const liuzhou = { code: '450200000000', path: LIUZHOU };
  const xingning = { code: '450102000000', path: XINGNING };
  const limits = (scope: Scope, request: Parameters<typeof rankingLimits>[1]) => {
    try {
      return rankingLimits(scope, request);
    } catch (error) {
      return (error as AppError).id;
    }
  };
  it.each([
    ['admin, nothing asked', scopes.admin, { dimension: 'agencies' }, { withinPath: null, withinCode: null, line: null, agencyCode: null }],
    [
      'admin within Liuzhou',
      scopes.admin,
      { dimension: 'regions', within: liuzhou },
      { withinPath: LIUZHOU, withinCode: liuzhou.code, line: null, agencyCode: null },
    ],
    [
      'supervisor, nothing asked: their region',
      scopes.supervisor,
      { dimension: 'staff' },
      { withinPath: NANNING, withinCode: nanning.code, line: null, agencyCode: null },
    ],
    [
      'supervisor within Xingning (inside)',
      scopes.supervisor,
      { dimension: 'centers', within: xingning },
      { withinPath: XINGNING, withinCode: xingning.code, line: null, agencyCode: null },
    ],
    ['supervisor within Liuzhou (outside)', scopes.supervisor, { dimension: 'agencies', within: liuzhou }, 'out_of_scope'],
    ['line manager: staff of their line', scopes.line_manager, { dimension: 'staff' }, { withinPath: null, withinCode: null, line: 'SCJG', agencyCode: null }],
    ['line manager asking another line', scopes.line_manager, { dimension: 'agencies', line: 'SW' }, 'out_of_scope'],
    ['line manager ranking regions', scopes.line_manager, { dimension: 'regions' }, 'forbidden'],
    ['agency manager: their staff', scopes.agency_manager, { dimension: 'staff' }, { withinPath: null, withinCode: null, line: null, agencyCode: 'A1' }],
    ['agency manager ranking agencies', scopes.agency_manager, { dimension: 'agencies' }, 'forbidden'],
    ['staff ranking staff', scopes.staff, { dimension: 'staff' }, 'forbidden'],
  ] as const)('%s', (_, scope, request, expected) => expect(limits(scope, request)).toEqual(expected));
});

describe('passwords', () => {
  const common = new Set(['password1234', 'qwertyuiop']);
  it.each([
    ['short', 'Abc-12345', 'must be at least 10 characters'],
    ['ten characters', 'Abc-123456', null],
    ['a common one, any case', 'PASSWORD1234', 'is one of the 1,000 most common passwords, or one with digits or symbols added; choose another'],
    [
      'a common one with digits and symbols added',
      'qwertyuiop2026!',
      'is one of the 1,000 most common passwords, or one with digits or symbols added; choose another',
    ],
    ['a common one inside a longer phrase', 'qwertyuiop-is-my-street', null],
    ['containing the username', 'zhang-san-2026!', 'must not contain the username'],
    ['long and plain', '南宁市兴宁区政务服务中心窗口', null],
    ['digits in a row', '1234567890', 'is a run of keys or letters (1234567890, qwertyuiop, 1q2w3e4r…); choose another'],
    ['a keyboard row, backwards', 'poiuytrewq', 'is a run of keys or letters (1234567890, qwertyuiop, 1q2w3e4r…); choose another'],
    ['a keyboard zigzag', '1q2w3e4r5t', 'is a run of keys or letters (1234567890, qwertyuiop, 1q2w3e4r…); choose another'],
    ['the alphabet, backwards', 'jihgfedcba', 'is a run of keys or letters (1234567890, qwertyuiop, 1q2w3e4r…); choose another'],
    ['one letter ten times', 'aaaaaaaaaa', 'must use at least 5 different characters'],
    ['ten spaces', '          ', 'must use at least 5 different characters'],
    ['a pattern of two', 'abababababab', 'must use at least 5 different characters'],
  ])('%s', (_, password, message) => {
    const problems = passwordProblems(password, { username: 'zhang-san', common });
    expect(problems[0]?.message ?? null).toBe(message);
  });
});
