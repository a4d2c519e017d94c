// Repository of API clients (only a hash of each key is stored).
import type { Insertable, Kysely } from 'kysely';
import type { DB } from './schema.ts';

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
