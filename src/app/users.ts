// People who sign in (R2): accounts with a role and a scope, sessions,
// sign-in throttling and lockout, password changes. Every change is audited
// in its own transaction; sign-in failures and lockouts are audited too.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { requireAccess, ROLES, SCOPE_KIND, type Actor, type Role, type Scope } from '../domain/access.ts';
import { AppError, conflict, invalidFields, notFound, type FieldProblem } from '../domain/errors.ts';
import { normalizeRegionCode } from '../domain/regions.ts';
import type { DB } from '../storage/schema.ts';
import * as users from '../storage/users.ts';
import { changedFields, recordAudit } from './audit.ts';
import type { Caller, Services } from './context.ts';
import { decoyHash, hashPassword, requireGoodPassword, verifyPassword } from './passwords.ts';

/** A session ends after this long unused… */
export const SESSION_IDLE_MS = 8 * 3600_000;
/** …and this long after sign-in at the latest. */
export const SESSION_MAX_MS = 7 * 24 * 3600_000;
/** Failed sign-ins of one username, within LOCK_WINDOW_MS, that lock it for LOCK_MS. */
export const LOCK_AFTER_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;
const LOCK_WINDOW_MS = 15 * 60_000;
/** last_seen_at is written at most this often per session. */
const TOUCH_EVERY_MS = 60_000;

export const SESSION_TOKEN_PREFIX = 'hcs_';
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

// ——— scopes ———

export interface ScopeInput {
  regionCode?: string | null;
  lineCode?: string | null;
  agencyCode?: string | null;
  staffNumber?: string | null;
}

function scopeOf(row: users.UserRow): Scope {
  switch (SCOPE_KIND[row.role as Role]) {
    case 'all':
      return { kind: 'all' };
    case 'region':
      return { kind: 'region', regionCode: row.scope_region_code!, path: row.region_path! };
    case 'line':
      return { kind: 'line', lineCode: row.scope_line_code!, regionCode: row.scope_region_code, path: row.region_path };
    case 'agency':
      return { kind: 'agency', agencyCode: row.scope_agency_code! };
    case 'staff':
      return { kind: 'staff', staffId: row.scope_staff_id!, staffNumber: row.staff_number! };
  }
}

export const actorOf = (row: users.UserRow): Actor => ({
  type: 'user',
  id: row.id,
  username: row.username,
  name: row.display_name,
  role: row.role as Role,
  scope: scopeOf(row),
});

export function presentUser(row: users.UserRow, now: Date) {
  return {
    username: row.username,
    displayName: row.display_name,
    role: row.role as Role,
    scope: {
      regionCode: row.scope_region_code,
      lineCode: row.scope_line_code,
      agencyCode: row.scope_agency_code,
      staffNumber: row.staff_number,
    },
    active: row.active,
    locked: !!row.locked_until && row.locked_until > now,
    mustChangePassword: row.must_change_password,
    createdAt: row.created_at.toISOString(),
    passwordChangedAt: row.password_changed_at.toISOString(),
  };
}

/** The scope columns of a role, each reference checked; problems name the field. */
async function scopeColumns(db: Kysely<DB>, role: Role, input: ScopeInput | undefined, problems: FieldProblem[]) {
  const out = {
    scope_region_code: null as string | null,
    scope_line_code: null as string | null,
    scope_agency_code: null as string | null,
    scope_staff_id: null as number | null,
  };
  const field = (name: string) => `/body/scope/${name}`;
  const wants: Record<Role, (keyof ScopeInput)[]> = {
    admin: [],
    auditor: [],
    supervisor: ['regionCode'],
    line_manager: ['lineCode', 'regionCode'],
    agency_manager: ['agencyCode'],
    staff: ['staffNumber'],
  };
  const required: Record<Role, keyof ScopeInput | null> = {
    admin: null,
    auditor: null,
    supervisor: 'regionCode',
    line_manager: 'lineCode',
    agency_manager: 'agencyCode',
    staff: 'staffNumber',
  };
  for (const [name, value] of Object.entries(input ?? {}) as [keyof ScopeInput, string | null | undefined][]) {
    if (value !== null && value !== undefined && !wants[role].includes(name))
      problems.push({ field: field(name), message: `does not apply to the role ${role}` });
  }
  const need = required[role];
  if (need && !input?.[need]) problems.push({ field: field(need), message: `is required for the role ${role}` });
  if (input?.regionCode && wants[role].includes('regionCode')) {
    const code = normalizeRegionCode(input.regionCode);
    const found = code ? await db.selectFrom('region').select('code').where('code', '=', code).executeTakeFirst() : undefined;
    if (!found) problems.push({ field: field('regionCode'), message: `no region has the code ${input.regionCode}` });
    else out.scope_region_code = found.code;
  }
  if (input?.lineCode && wants[role].includes('lineCode')) {
    const found = await db.selectFrom('business_line').select('code').where('code', '=', input.lineCode.trim().toUpperCase()).executeTakeFirst();
    if (!found) problems.push({ field: field('lineCode'), message: `no business line has the code ${input.lineCode}` });
    else out.scope_line_code = found.code;
  }
  if (input?.agencyCode && wants[role].includes('agencyCode')) {
    const found = await db.selectFrom('agency').select('code').where('code', '=', input.agencyCode.trim().toUpperCase()).executeTakeFirst();
    if (!found) problems.push({ field: field('agencyCode'), message: `no agency has the code ${input.agencyCode}` });
    else out.scope_agency_code = found.code;
  }
  if (input?.staffNumber && wants[role].includes('staffNumber')) {
    const found = await db.selectFrom('staff').select('id').where('staff_number', '=', input.staffNumber.trim()).executeTakeFirst();
    if (!found) problems.push({ field: field('staffNumber'), message: `no staff member has the number ${input.staffNumber}` });
    else out.scope_staff_id = found.id;
  }
  return out;
}

// ——— accounts ———

export interface NewUser {
  username: string;
  displayName: string;
  role: Role;
  scope?: ScopeInput;
  password: string;
}

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,39}$/;

export async function createUser(services: Services, caller: Caller, input: NewUser) {
  requireAccess(caller.actor, 'users.manage');
  const username = input.username.trim().toLowerCase();
  const problems: FieldProblem[] = [];
  if (!USERNAME.test(username))
    problems.push({ field: '/body/username', message: 'must be 2 to 40 lower-case letters, digits, . _ or -, starting with a letter or digit' });
  if (!ROLES.includes(input.role)) problems.push({ field: '/body/role', message: `must be one of ${ROLES.join(', ')}` });
  invalidFields(problems);
  requireGoodPassword(input.password, username);
  const hash = await hashPassword(input.password);
  return services.db.transaction().execute(async (trx) => {
    const scope = await scopeColumns(trx, input.role, input.scope, problems);
    invalidFields(problems, 'invalid_reference');
    if (await users.findUserByName(trx, username)) throw conflict('user_already_exists', `A user named ${username} exists already`);
    const at = services.now();
    const id = await users.insertUser(trx, {
      username,
      display_name: input.displayName.trim(),
      role: input.role,
      ...scope,
      password_hash: hash,
      created_at: at,
      updated_at: at,
      password_changed_at: at,
    });
    const row = (await users.userById(trx, id))!;
    const view = presentUser(row, at);
    await recordAudit(
      trx,
      caller,
      { action: 'user.create', subjectType: 'user', subjectId: username, changes: { role: view.role, scope: view.scope, displayName: view.displayName } },
      at,
    );
    return view;
  });
}

export async function listUsers(services: Services, caller: Caller, filter: { role?: string; q?: string }, page: { page: number; pageSize: number }) {
  requireAccess(caller.actor, 'users.read');
  const { items, total } = await users.listUsers(services.db, filter, { offset: (page.page - 1) * page.pageSize, limit: page.pageSize });
  const now = services.now();
  return { items: items.map((u) => presentUser(u, now)), total, page: page.page, pageSize: page.pageSize };
}

export async function getUser(services: Services, caller: Caller, username: string) {
  requireAccess(caller.actor, 'users.read');
  const row = await users.findUserByName(services.db, username.trim().toLowerCase());
  if (!row) throw notFound('user_not_found', `No user is named ${username}`);
  return presentUser(row, services.now());
}

export interface UserChanges {
  displayName?: string;
  role?: Role;
  scope?: ScopeInput;
  active?: boolean;
  /** An admin's reset: the user must change it at next sign-in. */
  password?: string;
  /** Lift a lock after failed sign-ins. */
  unlock?: boolean;
}

/** Admins: rename, re-scope, disable or enable, reset a password. Anything that changes access ends the user's sessions at once. */
export async function updateUser(services: Services, caller: Caller, username: string, input: UserChanges) {
  requireAccess(caller.actor, 'users.manage');
  const name = username.trim().toLowerCase();
  if (input.password !== undefined) requireGoodPassword(input.password, name);
  const hash = input.password !== undefined ? await hashPassword(input.password) : undefined;
  return services.db.transaction().execute(async (trx) => {
    const current = await users.findUserByName(trx, name);
    if (!current) throw notFound('user_not_found', `No user is named ${username}`);
    if (caller.actor.type === 'user' && caller.actor.id === current.id && (input.active === false || (input.role && input.role !== 'admin'))) {
      throw conflict('cannot_demote_self', 'An admin cannot disable or demote their own account; ask another admin');
    }
    const at = services.now();
    const before = presentUser(current, at);
    const problems: FieldProblem[] = [];
    const role = input.role ?? (current.role as Role);
    const rescoped = input.role !== undefined || input.scope !== undefined;
    const scope = rescoped ? await scopeColumns(trx, role, input.scope ?? before.scope, problems) : undefined;
    invalidFields(problems, 'invalid_reference');
    await users.updateUser(trx, current.id, {
      ...(input.displayName !== undefined ? { display_name: input.displayName.trim() } : {}),
      ...(rescoped ? { role, ...scope } : {}),
      ...(input.active !== undefined ? { active: input.active } : {}),
      ...(hash ? { password_hash: hash, must_change_password: true, password_changed_at: at } : {}),
      ...(input.unlock ? { locked_until: null, failed_attempts: 0 } : {}),
      updated_at: at,
    });
    if (input.unlock) await users.clearFailures(trx, name);
    if (rescoped || input.active === false || hash) await users.endSessionsOf(trx, current.id, at);
    const after = presentUser((await users.userById(trx, current.id))!, at);
    const changes = changedFields(before, after, ['passwordChangedAt']);
    if (hash) changes.password = 'reset';
    await recordAudit(trx, caller, { action: 'user.update', subjectType: 'user', subjectId: name, changes }, at);
    return after;
  });
}

/** Anyone signed in: a new password, given the current one. Other sessions end. */
export async function changeOwnPassword(services: Services, caller: Caller & { sessionId?: number }, input: { currentPassword: string; newPassword: string }) {
  requireAccess(caller.actor, 'self.manage');
  if (caller.actor.type !== 'user') throw new AppError('forbidden', 'forbidden', 'Only people who sign in have a password');
  const actor = caller.actor;
  const stored = await users.passwordHashOf(services.db, actor.id);
  if (!stored || !(await verifyPassword(input.currentPassword, stored))) {
    throw new AppError('invalid_credentials', 'invalid', 'The current password is not right', [{ field: '/body/currentPassword', message: 'is not right' }]);
  }
  requireGoodPassword(input.newPassword, actor.username, '/body/newPassword');
  if (input.newPassword === input.currentPassword)
    invalidFields([{ field: '/body/newPassword', message: 'must differ from the current password' }], 'weak_password');
  const hash = await hashPassword(input.newPassword);
  await services.db.transaction().execute(async (trx) => {
    const at = services.now();
    await users.updateUser(trx, actor.id, { password_hash: hash, must_change_password: false, password_changed_at: at, updated_at: at });
    await users.endSessionsOf(trx, actor.id, at, caller.sessionId);
    await recordAudit(trx, caller, { action: 'user.password_change', subjectType: 'user', subjectId: actor.username }, at);
  });
}

// ——— sessions ———

/**
 * Failed sign-ins per source address. A whole service hall may share one
 * address, so the address is slowed, never locked: past `freeFailures`
 * failures within the window each further failure is answered later (250 ms,
 * doubling, at most 5 s), while a right password from the same address is
 * answered at once. Guessing one account is stopped by its lock.
 */
export class SourceThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();
  constructor(
    readonly freeFailures = 10,
    readonly windowMs = 15 * 60_000,
    readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}
  /** Records a failure; returns how long to hold its answer, and whether slowing starts now. */
  fail(source: string, now: number): { delayMs: number; starts: boolean } {
    const entry = this.failures.get(source);
    if (!entry || now - entry.since >= this.windowMs) this.failures.set(source, { count: 1, since: now });
    else entry.count++;
    if (this.failures.size > 100_000) this.failures.clear(); // memory stays bounded under a spray of sources
    const over = (this.failures.get(source)?.count ?? 0) - this.freeFailures;
    return { delayMs: over > 0 ? Math.min(5000, 250 * 2 ** (over - 1)) : 0, starts: over === 1 };
  }
}

const retryError = (id: string, kind: 'locked', ms: number, message: string) => {
  const error = new AppError(id, kind, message);
  error.retryAfterSeconds = Math.max(1, Math.ceil(ms / 1000));
  return error;
};

export interface SignedIn {
  token: string;
  csrfToken: string;
  expiresAt: string;
  user: ReturnType<typeof presentUser>;
}

/**
 * POST /sessions. The answer never says whether the username exists: an
 * unknown name, a wrong password and a disabled account all get 401
 * invalid_credentials after the same work, and a lock (5 failures, 15
 * minutes) applies to any name tried.
 */
export async function signIn(services: Services, caller: Caller, throttle: SourceThrottle, input: { username: string; password: string }): Promise<SignedIn> {
  const username = input.username.trim().toLowerCase().slice(0, 100);
  const source = caller.sourceIp ?? 'unknown';
  const now = services.now();

  const locked = (until: Date) =>
    retryError(
      'account_locked',
      'locked',
      until.getTime() - now.getTime(),
      `Locked after ${LOCK_AFTER_FAILURES} failed sign-ins; try again after ${until.toISOString()}`,
    );
  const failure = await services.db.selectFrom('sign_in_failure').selectAll().where('username', '=', username).executeTakeFirst();
  if (failure?.locked_until && failure.locked_until > now) {
    await services.db
      .transaction()
      .execute((trx) =>
        recordAudit(trx, caller, { action: 'session.sign_in_refused', subjectType: 'user', subjectId: username, reason: 'account locked' }, now),
      );
    throw locked(failure.locked_until);
  }
  const user = await users.findUserByName(services.db, username);
  const stored = user ? await users.passwordHashOf(services.db, user.id) : undefined;
  const good = (await verifyPassword(input.password, stored ?? (await decoyHash()))) && !!stored && !!user?.active;

  if (!good) {
    const slowing = throttle.fail(source, now.getTime());
    const lockedUntil = await services.db.transaction().execute(async (trx) => {
      const current = await users.failureOf(trx, username);
      const fresh = !current || now.getTime() - current.first_at.getTime() >= LOCK_WINDOW_MS;
      const failures = fresh ? 1 : current.failures + 1;
      const until = failures >= LOCK_AFTER_FAILURES ? new Date(now.getTime() + LOCK_MS) : null;
      await users.saveFailure(trx, { username, failures, first_at: fresh ? now : current.first_at, locked_until: until });
      await recordAudit(trx, caller, { action: 'session.sign_in_failed', subjectType: 'user', subjectId: username, changes: { failures } }, now);
      if (until)
        await recordAudit(trx, caller, { action: 'session.locked', subjectType: 'user', subjectId: username, changes: { until: until.toISOString() } }, now);
      if (slowing.starts) await recordAudit(trx, caller, { action: 'session.source_slowed', subjectType: 'source', subjectId: source }, now);
      return until;
    });
    if (slowing.delayMs) await throttle.sleep(slowing.delayMs);
    if (lockedUntil) throw locked(lockedUntil);
    throw new AppError('invalid_credentials', 'unauthorized', 'The username or password is not right');
  }

  const token = `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_MAX_MS);
  await services.db.transaction().execute(async (trx) => {
    await users.clearFailures(trx, username);
    await users.insertSession(trx, {
      user_id: user!.id,
      token_hash: hashToken(token),
      csrf_token: csrfToken,
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
      ended_at: null,
      source_ip: caller.sourceIp ?? null,
    });
    await recordAudit(trx, { ...caller, actor: actorOf(user!) }, { action: 'session.sign_in', subjectType: 'user', subjectId: username }, now);
  });
  return { token, csrfToken, expiresAt: expiresAt.toISOString(), user: presentUser(user!, now) };
}

export interface ResolvedSession {
  actor: Actor;
  sessionId: number;
  csrfToken: string;
  expiresAt: Date;
}

/** The user behind a session token, now; 401 session_expired or authentication_required otherwise. */
export async function resolveSession(services: Services, token: string): Promise<ResolvedSession> {
  const now = services.now();
  const session = await users.sessionByTokenHash(services.db, hashToken(token));
  if (!session || session.ended_at)
    throw new AppError('authentication_required', 'unauthorized', 'The session is not valid (signed out, or ended by an admin); sign in again');
  if (now.getTime() - session.last_seen_at.getTime() > SESSION_IDLE_MS || now >= session.expires_at) {
    throw new AppError('session_expired', 'unauthorized', 'The session has expired; sign in again');
  }
  const user = await users.userById(services.db, session.user_id);
  if (!user?.active) throw new AppError('authentication_required', 'unauthorized', 'The account is disabled');
  if (now.getTime() - session.last_seen_at.getTime() > TOUCH_EVERY_MS) await users.touchSession(services.db, session.session_id, now);
  return { actor: actorOf(user), sessionId: session.session_id, csrfToken: session.csrf_token, expiresAt: session.expires_at };
}

export async function signOut(services: Services, caller: Caller, sessionId: number): Promise<void> {
  requireAccess(caller.actor, 'self.manage');
  await services.db.transaction().execute(async (trx) => {
    const at = services.now();
    await users.endSession(trx, sessionId, at);
    await recordAudit(
      trx,
      caller,
      { action: 'session.sign_out', subjectType: 'user', subjectId: caller.actor.type === 'user' ? caller.actor.username : null },
      at,
    );
  });
}

export async function me(services: Services, caller: Caller) {
  requireAccess(caller.actor, 'self.manage');
  if (caller.actor.type !== 'user') throw new AppError('forbidden', 'forbidden', 'Only people who sign in have an account');
  return presentUser((await users.userById(services.db, caller.actor.id))!, services.now());
}

// ——— the first admin, and the demo's people ———

/** Creates a user without an acting person: the CLI, HCP_ADMIN_PASSWORD, the demo. Audited as the system. */
export async function createUserAsSystem(services: Services, input: NewUser, by: string) {
  return createUser(services, { actor: { type: 'system', name: by } }, input);
}

export async function hasUsers(db: Kysely<DB>): Promise<boolean> {
  return (await users.userCount(db)) > 0;
}

// ——— settings ———

export async function getSettings(services: Services, caller: Caller) {
  requireAccess(caller.actor, 'settings.read');
  const stored = await users.settings(services.db);
  return { publishStaffScores: stored.publish_staff_scores === true };
}

export async function updateSettings(services: Services, caller: Caller, input: { publishStaffScores?: boolean }) {
  requireAccess(caller.actor, 'settings.manage');
  return services.db.transaction().execute(async (trx) => {
    const at = services.now();
    const before = { publishStaffScores: (await users.settings(trx)).publish_staff_scores === true };
    if (input.publishStaffScores !== undefined) await users.saveSetting(trx, 'publish_staff_scores', input.publishStaffScores, at);
    const after = { publishStaffScores: input.publishStaffScores ?? before.publishStaffScores };
    await recordAudit(
      trx,
      caller,
      { action: 'settings.update', subjectType: 'setting', subjectId: 'publish_staff_scores', changes: changedFields(before, after) },
      at,
    );
    return after;
  });
}
