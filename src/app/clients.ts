// Systems that call the platform with an API key (R5): business systems send
// cases and ask for invitations; channel clients (an SMS gateway, the app,
// the hotline, the window devices…) submit ratings through their channel.
// The key is shown once at creation; only its SHA-256 is stored.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError, conflict } from '../domain/errors.ts';
import type { Channel } from '../domain/ratings.ts';
import type { DB } from '../storage/schema.ts';
import * as clients from '../storage/clients.ts';

export type ClientKind = 'business_system' | 'channel';
export interface ApiClient {
  id: number;
  name: string;
  kind: ClientKind;
  channel: Exclude<Channel, 'system'> | null;
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

export async function createClient(db: Kysely<DB>, input: { name: string; kind: ClientKind; channel?: string | null }) {
  const key = `hcp_${randomBytes(24).toString('base64url')}`;
  if (await clients.clientNameTaken(db, input.name)) throw conflict('client_already_exists', `A client named ${input.name} exists already`);
  const row = await clients.insertClient(db, {
    name: input.name,
    kind: input.kind,
    channel: input.channel ?? null,
    key_prefix: key.slice(0, 10),
    key_hash: hashKey(key),
  });
  return { client: row as ApiClient, key };
}

/** The active client holding this key, or a 401 `invalid_api_key`. */
export async function authenticateClient(db: Kysely<DB>, key: string | undefined): Promise<ApiClient> {
  if (!key) throw new AppError('api_key_required', 'unauthorized', 'Send the API key as `Authorization: Bearer <key>`');
  const row = await clients.activeClientByKeyHash(db, hashKey(key));
  if (!row) throw new AppError('invalid_api_key', 'unauthorized', 'The API key is not valid or has been revoked');
  return row as ApiClient;
}

export function requireKind(client: ApiClient, kind: ClientKind): void {
  if (client.kind !== kind) {
    throw new AppError(
      'client_not_allowed',
      'forbidden',
      `This call is for ${kind === 'business_system' ? 'business systems' : 'channel clients'}; ${client.name} is a ${client.kind.replace('_', ' ')}`,
    );
  }
}
