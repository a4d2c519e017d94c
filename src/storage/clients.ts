// Repository of API clients (only a hash of each key is stored).
import type { Insertable, Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { Scope } from '../domain/access.ts';

type Db = Kysely<DB>;

export async function clientNameTaken(db: Db, name: string): Promise<boolean> {
  return !!(await db.selectFrom('api_client').select('id').where('name', '=', name).executeTakeFirst());
}

export async function insertClient(db: Db, values: Insertable<DB['api_client']>) {
  return db.insertInto('api_client').values(values).returning(['id', 'name', 'kind', 'channel', 'window_id']).executeTakeFirstOrThrow();
}

export async function activeClientByKeyHash(db: Db, keyHash: string) {
  return db
    .selectFrom('api_client')
    .select(['id', 'name', 'kind', 'channel', 'window_id'])
    .where('key_hash', '=', keyHash)
    .where('active', '=', true)
    .executeTakeFirst();
}

const clientQuery = (db: Db) =>
  db
    .selectFrom('api_client as c')
    .leftJoin('service_window as w', 'w.id', 'c.window_id')
    .select([
      'c.id',
      'c.name',
      'c.kind',
      'c.channel',
      'c.window_id',
      'c.key_prefix',
      'c.active',
      'c.created_at',
      'c.revoked_at',
      'w.center_code',
      'w.number as window_number',
    ]);

export async function listClients(db: Db) {
  return clientQuery(db).orderBy('c.id').execute();
}

export async function clientById(db: Db, id: number) {
  return clientQuery(db).where('c.id', '=', id).executeTakeFirst();
}

export async function revokeClient(db: Db, id: number, at: Date): Promise<void> {
  await db.updateTable('api_client').set({ active: false, revoked_at: at }).where('id', '=', id).execute();
}

export async function activeWindow(db: Db, centerCode: string, number: string) {
  return db
    .selectFrom('service_window')
    .select('id')
    .where('center_code', '=', centerCode)
    .where('number', '=', number)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/** The region path of a window's center (R2: supervisors manage devices in their region). */
export async function windowRegionPath(db: Db, windowId: number): Promise<string | null> {
  const row = await db
    .selectFrom('service_window as w')
    .innerJoin('service_center as sc', 'sc.code', 'w.center_code')
    .innerJoin('region as r', 'r.code', 'sc.region_code')
    .select('r.path')
    .where('w.id', '=', windowId)
    .executeTakeFirst();
  return row?.path ?? null;
}

/** Devices whose window lies in the scope, with when each was last paired. */
export async function listDevices(db: Db, scope: Scope) {
  let q = clientQuery(db)
    .innerJoin('service_center as sc', 'sc.code', 'w.center_code')
    .innerJoin('region as r', 'r.code', 'sc.region_code')
    .select(['sc.name as center_name', 'w.name as window_name'])
    .select((eb) =>
      eb
        .selectFrom('device_pairing as p')
        .select((e) => e.fn.max('p.used_at').as('m'))
        .whereRef('p.client_id', '=', 'c.id')
        .where('p.used_at', 'is not', null)
        .as('paired_at'),
    )
    .where('c.kind', '=', 'device');
  if (scope.kind === 'region') q = q.where((eb) => eb.or([eb('r.path', '=', scope.path), eb('r.path', 'like', `${scope.path}.%`)]));
  else if (scope.kind !== 'all') return [];
  return q.orderBy('c.id').execute();
}
