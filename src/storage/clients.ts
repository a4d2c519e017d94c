// Repository of API clients (only a hash of each key is stored).
import type { Insertable, Kysely } from 'kysely';
import type { DB } from './schema.ts';

export async function clientNameTaken(db: Kysely<DB>, name: string): Promise<boolean> {
  return !!(await db.selectFrom('api_client').select('id').where('name', '=', name).executeTakeFirst());
}

export async function insertClient(db: Kysely<DB>, values: Insertable<DB['api_client']>) {
  return db.insertInto('api_client').values(values).returning(['id', 'name', 'kind', 'channel']).executeTakeFirstOrThrow();
}

export async function activeClientByKeyHash(db: Kysely<DB>, keyHash: string) {
  return db.selectFrom('api_client').select(['id', 'name', 'kind', 'channel']).where('key_hash', '=', keyHash).where('active', '=', true).executeTakeFirst();
}
