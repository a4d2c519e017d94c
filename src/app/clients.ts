// Systems that call the platform with an API key (R5): business systems send
// cases and ask for invitations; channel clients (an SMS gateway, the app,
// the hotline…) submit ratings through their channel; a device (评价器) is
// the evaluation terminal at one window. The key is shown once at creation;
// only its SHA-256 is stored. A revoked key stops working at once: every
// request looks the key up (there is no cache to outlive a revocation).
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { readScope, requireAccess, type ClientKind } from '../domain/access.ts';
import { AppError, conflict, invalidFields, notFound, type FieldProblem } from '../domain/errors.ts';
import { RATER_CHANNELS, type Channel } from '../domain/ratings.ts';
import type { DB } from '../storage/schema.ts';
import * as clients from '../storage/clients.ts';
import { recordAudit } from './audit.ts';
import type { Caller, Services } from './context.ts';

export type { ClientKind };
export interface ApiClient {
  id: number;
  name: string;
  kind: ClientKind;
  channel: Exclude<Channel, 'system'> | null;
  /** A device's window. */
  windowId: number | null;
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** A new API key, and what is stored of it: its prefix (to recognise it in lists) and its SHA-256. */
export function newApiKey() {
  const key = `hcp_${randomBytes(24).toString('base64url')}`;
  return { key, stored: { key_prefix: key.slice(0, 10), key_hash: hashKey(key) } };
}

export interface NewClient {
  name: string;
  kind: ClientKind;
  channel?: string | null;
  /** A device's window: center code and window number. */
  window?: { centerCode: string; number: string } | null;
}

export async function createClient(services: Services, caller: Caller, input: NewClient, options: { asDeviceManager?: boolean } = {}) {
  // Admins create every kind (clients.manage); an admin or supervisor creates devices at windows in their scope (devices.manage, issue 12).
  requireAccess(caller.actor, options.asDeviceManager ? 'devices.manage' : 'clients.manage');
  if (options.asDeviceManager && input.kind !== 'device') invalidFields([{ field: '/body/kind', message: 'must be device' }]);
  const name = input.name.trim();
  const problems: FieldProblem[] = [];
  if (!name || name.length > 100) problems.push({ field: '/body/name', message: 'must be 1 to 100 characters' });
  const channel = input.kind === 'device' ? 'device' : input.kind === 'channel' ? (input.channel ?? null) : null;
  if (input.kind === 'channel' && !(RATER_CHANNELS as readonly string[]).includes(channel ?? ''))
    problems.push({ field: '/body/channel', message: `is required for a channel client: one of ${RATER_CHANNELS.join(', ')}` });
  if (input.kind !== 'channel' && input.channel && input.channel !== channel)
    problems.push({ field: '/body/channel', message: `does not apply to a ${input.kind}` });
  if (input.kind === 'device' && !input.window) problems.push({ field: '/body/window', message: 'is required for a device: the window it stands at' });
  if (input.kind !== 'device' && input.window) problems.push({ field: '/body/window', message: 'is for devices only' });
  invalidFields(problems);
  const { key, stored } = newApiKey();
  return services.db.transaction().execute(async (trx) => {
    let windowId: number | null = null;
    if (input.window) {
      const found = await clients.activeWindow(trx, input.window.centerCode.trim().toUpperCase(), input.window.number.trim());
      if (!found)
        invalidFields(
          [{ field: '/body/window', message: `center ${input.window.centerCode} has no active window ${input.window.number}` }],
          'invalid_reference',
        );
      windowId = found!.id;
      if (options.asDeviceManager) {
        requireAccess(
          caller.actor,
          'devices.manage',
          { regionPath: await clients.windowRegionPath(trx, windowId) },
          { outside: 'forbidden', what: 'This window' },
        );
      }
    }
    if (await clients.clientNameTaken(trx, name)) throw conflict('client_already_exists', `A client named ${name} exists already`);
    const row = await clients.insertClient(trx, { name, kind: input.kind, channel, window_id: windowId, ...stored });
    await recordAudit(
      trx,
      caller,
      { action: 'client.create', subjectType: 'client', subjectId: row.id, changes: { name, kind: input.kind, channel, window: input.window ?? null } },
      services.now(),
    );
    return { client: presentClient((await clients.clientById(trx, row.id))!), key };
  });
}

type ClientRow = Awaited<ReturnType<typeof clients.listClients>>[number];
const presentClient = (row: Pick<ClientRow, 'id' | 'name' | 'kind' | 'channel' | 'window_id'> & Partial<ClientRow>) => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
  channel: row.channel,
  window: row.center_code ? { centerCode: row.center_code, number: row.window_number! } : null,
  keyPrefix: row.key_prefix ?? null,
  active: row.active ?? true,
  createdAt: row.created_at?.toISOString() ?? null,
  revokedAt: row.revoked_at?.toISOString() ?? null,
});

/** The devices at windows in the caller's scope (issue 12: admins and supervisors pair and revoke them). */
export async function listDevices(services: Services, caller: Caller) {
  requireAccess(caller.actor, 'devices.manage');
  const rows = await clients.listDevices(services.db, readScope(caller.actor));
  return {
    items: rows.map((r) => ({
      ...presentClient(r),
      centerName: r.center_name,
      windowName: r.window_name,
      pairedAt: r.paired_at?.toISOString() ?? null,
    })),
  };
}

export async function listClients(services: Services, caller: Caller) {
  requireAccess(caller.actor, 'clients.read');
  return { items: (await clients.listClients(services.db)).map(presentClient) };
}

export async function revokeClient(services: Services, caller: Caller, id: number, options: { asDeviceManager?: boolean } = {}) {
  requireAccess(caller.actor, options.asDeviceManager ? 'devices.manage' : 'clients.manage');
  return services.db.transaction().execute(async (trx) => {
    const at = services.now();
    const row = await clients.clientById(trx, id);
    if (!row || (options.asDeviceManager && row.kind !== 'device'))
      throw notFound('client_not_found', `No ${options.asDeviceManager ? 'device' : 'API client'} has the id ${id}`);
    if (options.asDeviceManager)
      requireAccess(caller.actor, 'devices.manage', { regionPath: await clients.windowRegionPath(trx, row.window_id!) }, { what: 'This device' });
    if (!row.active) throw conflict('client_already_revoked', `Client ${row.name} was revoked already`);
    await clients.revokeClient(trx, id, at);
    await recordAudit(trx, caller, { action: 'client.revoke', subjectType: 'client', subjectId: id, changes: { active: [true, false] } }, at);
    return presentClient((await clients.clientById(trx, id))!);
  });
}

/** The active client holding this key, or 401 authentication_required. */
export async function authenticateClient(db: Kysely<DB>, key: string | undefined): Promise<ApiClient> {
  const row = key ? await clients.activeClientByKeyHash(db, hashKey(key)) : undefined;
  if (!row) throw new AppError('authentication_required', 'unauthorized', 'The API key is not valid or has been revoked');
  return { id: row.id, name: row.name, kind: row.kind, channel: row.channel as ApiClient['channel'], windowId: row.window_id };
}
