// Repository of people who sign in, their sessions and failed sign-ins.
import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DB } from './schema.ts';
import { escapeLike } from './regions.ts';

type Db = Kysely<DB>;

const USER_COLUMNS = [
  'u.id',
  'u.username',
  'u.display_name',
  'u.role',
  'u.scope_region_code',
  'u.scope_line_code',
  'u.scope_agency_code',
  'u.scope_staff_id',
  'u.active',
  'u.locked_until',
  'u.failed_attempts',
  'u.must_change_password',
  'u.created_at',
  'u.updated_at',
  'u.password_changed_at',
] as const;

/** A user with what their scope needs: the region's path and the staff number. */
const userQuery = (db: Db) =>
  db
    .selectFrom('app_user as u')
    .leftJoin('region as g', 'g.code', 'u.scope_region_code')
    .leftJoin('staff as s', 's.id', 'u.scope_staff_id')
    .select(USER_COLUMNS)
    .select(['g.path as region_path', 's.staff_number']);

export type UserRow = NonNullable<Awaited<ReturnType<ReturnType<typeof userQuery>['executeTakeFirst']>>>;

export async function findUserByName(db: Db, username: string) {
  return userQuery(db).where('u.username', '=', username).executeTakeFirst();
}

export async function passwordHashOf(db: Db, userId: number): Promise<string | undefined> {
  return (await db.selectFrom('app_user').select('password_hash').where('id', '=', userId).executeTakeFirst())?.password_hash;
}

export async function listUsers(db: Db, filter: { role?: string; q?: string }, page: { offset: number; limit: number }) {
  let q = userQuery(db);
  if (filter.role) q = q.where('u.role', '=', filter.role);
  if (filter.q)
    q = q.where((eb) => eb.or([eb('u.username', 'like', `%${escapeLike(filter.q!)}%`), eb('u.display_name', 'like', `%${escapeLike(filter.q!)}%`)]));
  const [items, total] = await Promise.all([
    q.orderBy('u.username').offset(page.offset).limit(page.limit).execute(),
    db
      .selectFrom('app_user as u')
      .select(sql<number>`count(*)::int`.as('n'))
      .$if(!!filter.role, (qb) => qb.where('u.role', '=', filter.role!))
      .$if(!!filter.q, (qb) =>
        qb.where((eb) => eb.or([eb('u.username', 'like', `%${escapeLike(filter.q!)}%`), eb('u.display_name', 'like', `%${escapeLike(filter.q!)}%`)])),
      )
      .executeTakeFirstOrThrow(),
  ]);
  return { items, total: total.n };
}

export async function userCount(db: Db): Promise<number> {
  return (
    await db
      .selectFrom('app_user')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow()
  ).n;
}

export async function insertUser(db: Db, values: Insertable<DB['app_user']>): Promise<number> {
  return (await db.insertInto('app_user').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

export async function updateUser(db: Db, id: number, changes: Updateable<DB['app_user']>): Promise<void> {
  await db.updateTable('app_user').set(changes).where('id', '=', id).execute();
}

// ——— sessions ———

export async function insertSession(db: Db, values: Insertable<DB['user_session']>): Promise<number> {
  return (await db.insertInto('user_session').values(values).returning('id').executeTakeFirstOrThrow()).id;
}

/** The session of a token with its user, whatever their state (the caller decides). */
export async function sessionByTokenHash(db: Db, tokenHash: string) {
  return db
    .selectFrom('user_session as us')
    .select(['us.id as session_id', 'us.user_id', 'us.csrf_token', 'us.last_seen_at', 'us.expires_at', 'us.ended_at'])
    .where('us.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function userById(db: Db, id: number) {
  return userQuery(db).where('u.id', '=', id).executeTakeFirst();
}

export async function touchSession(db: Db, sessionId: number, at: Date): Promise<void> {
  await db.updateTable('user_session').set({ last_seen_at: at }).where('id', '=', sessionId).execute();
}

export async function endSession(db: Db, sessionId: number, at: Date): Promise<void> {
  await db.updateTable('user_session').set({ ended_at: at }).where('id', '=', sessionId).where('ended_at', 'is', null).execute();
}

/** Ends every session of a user (disabled, re-scoped, password changed), but one to keep. */
export async function endSessionsOf(db: Db, userId: number, at: Date, keep?: number): Promise<void> {
  await db
    .updateTable('user_session')
    .set({ ended_at: at })
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .$if(keep !== undefined, (qb) => qb.where('id', '<>', keep!))
    .execute();
}

// ——— failed sign-ins, by username whether or not it exists ———

export async function failureOf(db: Db, username: string) {
  return db.selectFrom('sign_in_failure').selectAll().where('username', '=', username).forUpdate().executeTakeFirst();
}

export async function saveFailure(db: Db, row: DB['sign_in_failure']): Promise<void> {
  await db
    .insertInto('sign_in_failure')
    .values(row)
    .onConflict((oc) => oc.column('username').doUpdateSet({ failures: row.failures, first_at: row.first_at, locked_until: row.locked_until }))
    .execute();
}

export async function clearFailures(db: Db, username: string): Promise<void> {
  await db.deleteFrom('sign_in_failure').where('username', '=', username).execute();
}

// ——— settings ———

export async function settings(db: Db): Promise<Record<string, unknown>> {
  const rows = await db.selectFrom('setting').select(['name', 'value']).execute();
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

export async function saveSetting(db: Db, name: string, value: unknown, at: Date): Promise<void> {
  await db
    .insertInto('setting')
    .values({ name, value: JSON.stringify(value), updated_at: at })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: JSON.stringify(value), updated_at: at }))
    .execute();
}
