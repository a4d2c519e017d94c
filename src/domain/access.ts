// R2, R9, R13: who may see and do what. Pure: an actor, an action and the
// place of what is acted on go in; a decision comes out. Every use case asks
// `requireAccess` in its first line; routes only declare the action, and the
// repositories filter reads by the actor's scope (storage/scope.ts), so that
// a forgotten guard cannot leak a row.
import { AppError } from './errors.ts';

/** R2: the roles people sign in with (docs/rules.md, "R2"). */
export const ROLES = ['admin', 'supervisor', 'line_manager', 'agency_manager', 'staff', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Systems that call with an API key (R5): case intake, one rating channel, or the device at one window. */
export const CLIENT_KINDS = ['business_system', 'channel', 'device'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/**
 * Where a user's role applies. Region paths are the materialized paths of
 * the region table (codes joined by dots), so a subtree is a prefix.
 */
export type Scope =
  | { kind: 'all' }
  | { kind: 'region'; regionCode: string; path: string }
  | { kind: 'line'; lineCode: string; regionCode: string | null; path: string | null }
  | { kind: 'agency'; agencyCode: string }
  | { kind: 'staff'; staffId: number; staffNumber: string };

export type Actor =
  | { type: 'user'; id: number; username: string; name: string; role: Role; scope: Scope }
  | { type: 'client'; id: number; name: string; kind: ClientKind; channel: string | null; windowId: number | null }
  /** The command line or a scheduled job: whoever runs it has the database already. */
  | { type: 'system'; name: string }
  | { type: 'anonymous' };

export const ANONYMOUS: Actor = { type: 'anonymous' };

export const ACTIONS = [
  'self.manage', // one's own session and password
  'regions.read',
  'catalogue.read',
  'catalogue.write', // create, update, retire, reinstate, transfer, import
  'scores.read', // scores, rankings, drill-downs and their exports
  'identity.reveal', // R9
  'audit.read',
  'users.read',
  'users.manage',
  'clients.read',
  'clients.manage',
  'settings.read',
  'settings.manage',
  'jobs.read',
  'jobs.run',
  'cases.submit', // business systems: cases, packages, stages, invitations
  'cases.read',
  'cases.find', // people: find a case by number, staff member or date, within the scope (did my rating arrive?)
  'ratings.submit', // channel clients and devices (token submissions need no actor)
  'outbox.read', // what left the platform, what waits, what failed (issue 12)
  'devices.manage', // evaluation devices at windows in the scope: create, pair, revoke (issue 12)
  'device.read', // a paired device: its window, who is on duty, the occasions opened there (issue 12)
  'policy.read', // the versioned policy numbers and the working-day calendar (issue 13)
  'policy.manage', // new policy versions, the holiday calendar's years
  'supervision.read', // the queues of the supervision loop (R6, R11, R12) and their items, within the scope
  'supervision.decide', // R6 review, R12 verification, R11 revocation (propose, approve), appeal decisions, rectification extensions
  'supervision.rectify', // R12: record a rectification's measures (the agency, or its supervisor)
  'supervision.appeal', // 申诉复核: an agency appeals a rating against it
  'incidents.manage', // R11: the log of IT-system outages, and revocations proposed from one
  'investigations.read', // R10: investigations of faked good ratings, their signals and evidence (never the agency under suspicion, issue 14)
] as const;
export type Action = (typeof ACTIONS)[number];

const READ_EVERYTHING: readonly Action[] = [
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
];

/** R2: what each role and each kind of client may do at all; the scope then says where. */
export const PERMISSIONS: Record<Role | ClientKind, readonly Action[]> = {
  // Decisions of the supervision loop belong to supervisory departments and
  // agencies, not to the system's administrators (separation of duties,
  // docs/decisions.md "The supervision loop").
  admin: ACTIONS.filter(
    (a) => !['cases.submit', 'cases.read', 'ratings.submit', 'device.read', 'supervision.decide', 'supervision.rectify', 'supervision.appeal'].includes(a),
  ),
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
  auditor: READ_EVERYTHING,
  business_system: ['cases.submit', 'cases.read'],
  channel: ['ratings.submit'],
  device: ['ratings.submit', 'device.read'],
};

/** The scope a role implies ('all' for admin and auditor). */
export const SCOPE_KIND: Record<Role, Scope['kind']> = {
  admin: 'all',
  auditor: 'all',
  supervisor: 'region',
  line_manager: 'line',
  agency_manager: 'agency',
  staff: 'staff',
};

/**
 * Where something is: the region (by path), business line, agency and staff
 * member it belongs to, and for cases and packages the client that sent them.
 * What is not known is left out, and then a scope that needs it does not hold it.
 */
export interface Place {
  regionPath?: string | null;
  businessLineCode?: string | null;
  agencyCode?: string | null;
  staffId?: number | null;
  clientId?: number | null;
}

export const pathWithin = (path: string, root: string) => path === root || path.startsWith(`${root}.`);

/** Whether a scope holds a place. */
export function within(scope: Scope, place: Place): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'region':
      return !!place.regionPath && pathWithin(place.regionPath, scope.path);
    case 'line':
      return place.businessLineCode === scope.lineCode && (!scope.path || (!!place.regionPath && pathWithin(place.regionPath, scope.path)));
    case 'agency':
      return !!place.agencyCode && place.agencyCode === scope.agencyCode;
    case 'staff':
      return place.staffId === scope.staffId;
  }
}

export type Decision = 'allowed' | 'unauthenticated' | 'forbidden' | 'out_of_scope';

/**
 * R2, R9: may this actor do this, to something at this place? Without a
 * place, whether the actor may do it anywhere at all.
 */
export function decide(actor: Actor, action: Action, place?: Place): Decision {
  switch (actor.type) {
    case 'anonymous':
      return 'unauthenticated';
    case 'system':
      return 'allowed';
    case 'client':
      if (!PERMISSIONS[actor.kind].includes(action)) return 'forbidden';
      // A business system acts only on what it sent.
      return place?.clientId !== undefined && place.clientId !== actor.id ? 'out_of_scope' : 'allowed';
    case 'user':
      if (!PERMISSIONS[actor.role].includes(action)) return 'forbidden';
      return !place || within(actor.scope, place) ? 'allowed' : 'out_of_scope';
  }
}

export const can = (actor: Actor, action: Action, place?: Place) => decide(actor, action, place) === 'allowed';

export const authenticationRequired = () =>
  new AppError('authentication_required', 'unauthorized', 'Sign in (POST /api/v1/sessions) or send an API key as `Authorization: Bearer <key>`');
export const forbidden = (action: string, actor?: Actor) =>
  new AppError(
    'forbidden',
    'forbidden',
    actor?.type === 'client' ? `A ${actor.kind.replace('_', ' ')} API key may not do this (${action})` : `Your role may not do this (${action})`,
  );
export const notFoundInScope = (what = 'record') => new AppError('not_found_in_scope', 'not_found', `No such ${what} within your scope`);
export const outOfScope = (what: string, message = `${what} is outside your scope`) => new AppError('out_of_scope', 'forbidden', message);

/**
 * Throws unless allowed. Out of scope is, by default, "not found" (404
 * not_found_in_scope) so that what lies outside does not show it exists;
 * `outside: 'forbidden'` says 403 out_of_scope instead, for a place the
 * caller named on purpose (a ranking within a region, a record being moved).
 */
export function requireAccess(actor: Actor, action: Action, place?: Place, options: { what?: string; outside?: 'hidden' | 'forbidden' } = {}): void {
  const decision = decide(actor, action, place);
  if (decision === 'allowed') return;
  if (decision === 'unauthenticated') throw authenticationRequired();
  if (decision === 'forbidden') throw forbidden(action, actor);
  throw options.outside === 'forbidden' ? outOfScope(options.what ?? 'This') : notFoundInScope(options.what);
}

/** The scope an actor reads within: a user's, or everything for the system. Clients read no catalogue. */
export function readScope(actor: Actor): Scope {
  if (actor.type === 'user') return actor.scope;
  if (actor.type === 'system') return { kind: 'all' };
  throw actor.type === 'anonymous' ? authenticationRequired() : forbidden('read');
}

/** The whole autonomous region's path: business lines and settings live here (every line spans all levels). */
export const ROOT_PATH = '450000000000';

// ——— rankings ———

export type RankedDimension = 'staff' | 'agencies' | 'business-lines' | 'regions' | 'centers';

export interface RankingRequest {
  dimension: RankedDimension;
  /** The region asked for with `within`, resolved. */
  within?: { code: string; path: string } | null;
  line?: string | null;
}

export interface RankingLimits {
  /** Only entries in this subtree: what was asked, or the scope's own region. */
  withinPath: string | null;
  withinCode: string | null;
  line: string | null;
  /** Staff of this agency only (an agency manager's ranking). */
  agencyCode: string | null;
}

/**
 * R2, R13, R14: which ranking a scope may see. A supervisor ranks inside
 * their region (by default the whole of it); a line manager ranks the staff
 * and agencies of their line; an agency manager, their own staff; staff see
 * no ranking here (the public one is open to all). Asking for a region or a
 * line outside the scope is 403 out_of_scope.
 */
export function rankingLimits(scope: Scope, request: RankingRequest): RankingLimits {
  const asked = { withinPath: request.within?.path ?? null, withinCode: request.within?.code ?? null, line: request.line ?? null, agencyCode: null };
  const inside = (path: string | null, code: string | null) => {
    if (!asked.withinPath) return { withinPath: path, withinCode: code };
    if (path && !pathWithin(asked.withinPath, path)) throw outOfScope(`Region ${asked.withinCode}`);
    return { withinPath: asked.withinPath, withinCode: asked.withinCode };
  };
  switch (scope.kind) {
    case 'all':
      return asked;
    case 'region':
      return { ...asked, ...inside(scope.path, scope.regionCode) };
    case 'line':
      if (request.dimension !== 'staff' && request.dimension !== 'agencies') throw forbidden(`rankings of ${request.dimension}`);
      if (asked.line && asked.line !== scope.lineCode) throw outOfScope(`Business line ${asked.line}`);
      return { ...asked, ...inside(scope.path, scope.regionCode), line: scope.lineCode };
    case 'agency':
      if (request.dimension !== 'staff') throw forbidden(`rankings of ${request.dimension}`);
      return { ...asked, agencyCode: scope.agencyCode };
    case 'staff':
      throw forbidden('rankings');
  }
}

/** For the audit log and logs: who, in a few words. */
export function describeActor(actor: Actor): { type: Actor['type']; id: string | null; name: string | null; role: string | null } {
  switch (actor.type) {
    case 'user':
      return { type: 'user', id: String(actor.id), name: actor.username, role: actor.role };
    case 'client':
      return { type: 'client', id: String(actor.id), name: actor.name, role: actor.kind };
    case 'system':
      return { type: 'system', id: null, name: actor.name, role: null };
    case 'anonymous':
      return { type: 'anonymous', id: null, name: null, role: null };
  }
}
