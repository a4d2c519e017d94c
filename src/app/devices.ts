// The evaluation device (评价器) at a window (issue 12, R5). An admin, or a
// supervisor for windows in their region, creates a device client for one
// window and asks for a pairing code; typed on the device within 10 minutes,
// once, the code gives the device its key (a new one: the pairing replaces
// any key the device had). The device then shows who is on duty at its
// window, receives the occasions opened there as they happen (api/deviceHub.ts),
// and submits ratings with the occasion's token — for its own window only.
import { randomInt } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { requireAccess } from '../domain/access.ts';
import { AppError, conflict, notFound } from '../domain/errors.ts';
import { OCCASION_NAMES } from '../domain/invitations.ts';
import type { OccasionKind } from '../domain/occasions.ts';
import * as cases from '../storage/cases.ts';
import type { DB } from '../storage/schema.ts';
import { recordAudit } from './audit.ts';
import { signInvitation } from './cases.ts';
import { newApiKey, type ApiClient } from './clients.ts';
import { windowRegionPath } from '../storage/clients.ts';
import type { Caller, Services } from './context.ts';

export const PAIRING_MINUTES = 10;
const pairingHash = (services: Services, code: string) => services.protector.hash(`device-pairing:${code}`);

/** A pairing code for a device in the caller's scope: 6 digits, valid 10 minutes, once; earlier unused codes of the device end. */
export async function createPairingCode(services: Services, caller: Caller, clientId: number) {
  requireAccess(caller.actor, 'devices.manage');
  return services.db.transaction().execute(async (trx) => {
    const client = await trx.selectFrom('api_client').select(['id', 'name', 'kind', 'active', 'window_id']).where('id', '=', clientId).executeTakeFirst();
    if (!client || client.kind !== 'device') throw notFound('device_not_found', `No device has the id ${clientId}`);
    requireAccess(caller.actor, 'devices.manage', { regionPath: await windowRegionPath(trx, client.window_id!) }, { what: 'This device' });
    if (!client.active) throw conflict('client_already_revoked', `Device ${client.name} was revoked; create a new one`);
    const now = services.now();
    const expiresAt = new Date(now.getTime() + PAIRING_MINUTES * 60_000);
    await trx
      .updateTable('device_pairing')
      .set({ expires_at: now })
      .where('client_id', '=', clientId)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
    let code: string;
    // A code is unique among the live ones.
    for (;;) {
      code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const clash = await trx
        .selectFrom('device_pairing')
        .select('id')
        .where('code_hash', '=', pairingHash(services, code))
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (!clash) break;
    }
    await trx
      .insertInto('device_pairing')
      .values({ client_id: clientId, code_hash: pairingHash(services, code), created_at: now, expires_at: expiresAt })
      .execute();
    await recordAudit(
      trx,
      caller,
      { action: 'device.pairing_code', subjectType: 'client', subjectId: clientId, changes: { expiresAt: expiresAt.toISOString() } },
      now,
    );
    return { code, expiresAt: expiresAt.toISOString() };
  });
}

/** The device types the code: it gets its key (shown this once) and learns its window. */
export async function pairDevice(services: Services, caller: Caller, typed: string) {
  const code = typed.replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(code))
    throw new AppError('invalid_fields', 'invalid', 'The pairing code is 6 digits', [{ field: '/body/code', message: 'must be 6 digits' }]);
  return services.db.transaction().execute(async (trx) => {
    const now = services.now();
    const pairing = await trx
      .selectFrom('device_pairing as p')
      .innerJoin('api_client as c', 'c.id', 'p.client_id')
      .select(['p.id', 'p.client_id', 'c.name', 'c.active', 'c.window_id'])
      .where('p.code_hash', '=', pairingHash(services, code))
      .where('p.used_at', 'is', null)
      .where('p.expires_at', '>', now)
      .forUpdate()
      .executeTakeFirst();
    if (!pairing || !pairing.active)
      throw notFound('pairing_code_invalid', 'The pairing code is wrong, was used already, or is older than 10 minutes; ask for a new one in the console');
    const { key, stored } = newApiKey();
    await trx.updateTable('device_pairing').set({ used_at: now }).where('id', '=', pairing.id).execute();
    await trx.updateTable('api_client').set(stored).where('id', '=', pairing.client_id).execute();
    const device: Caller = {
      ...caller,
      actor: { type: 'client', id: pairing.client_id, name: pairing.name, kind: 'device', channel: 'device', windowId: pairing.window_id },
    };
    await recordAudit(trx, device, { action: 'device.pair', subjectType: 'client', subjectId: pairing.client_id }, now);
    return { key, device: { id: pairing.client_id, name: pairing.name, window: (await windowOf(trx, pairing.window_id!))! } };
  });
}

async function windowOf(db: Kysely<DB>, windowId: number) {
  const w = await db
    .selectFrom('service_window as w')
    .innerJoin('service_center as sc', 'sc.code', 'w.center_code')
    .select(['w.center_code', 'sc.name as center_name', 'w.number', 'w.name'])
    .where('w.id', '=', windowId)
    .executeTakeFirst();
  return w ? { centerCode: w.center_code, centerName: w.center_name, number: w.number, name: w.name } : null;
}

/** A paired device's window; anyone else is refused. */
export const requireDevice = (client: ApiClient) => {
  if (client.kind !== 'device' || client.windowId === null) throw new AppError('forbidden', 'forbidden', 'This is for evaluation devices');
  return client.windowId;
};

/** What the device shows when idle: its window and who is on duty there now (R3: the current assignments). */
export async function deviceState(services: Services, client: ApiClient) {
  const windowId = requireDevice(client);
  const onDuty = await services.db
    .selectFrom('staff_assignment as sa')
    .innerJoin('staff as s', 's.id', 'sa.staff_id')
    .innerJoin('agency as a', 'a.code', 'sa.agency_code')
    .select(['s.name', 's.staff_number', 'a.name as agency_name'])
    .where('sa.window_id', '=', windowId)
    .where('sa.valid_to', 'is', null)
    .where('s.status', '=', 'active')
    .orderBy('s.staff_number')
    .limit(20)
    .execute();
  return {
    device: { id: client.id, name: client.name },
    window: (await windowOf(services.db, windowId))!,
    onDuty: onDuty.map((s) => ({ name: s.name, staffNumber: s.staff_number, agencyName: s.agency_name })),
  };
}

export interface DeviceOccasion {
  occasionId: number;
  token: string;
  kind: OccasionKind;
  kindName: string;
  occurredAt: string;
  deadline: string;
  matterName: string;
  agencyName: string | null;
  staff: { name: string; staffNumber: string } | null;
}

/**
 * Occasions at a window after `afterId` that can still be rated (R6, R7),
 * oldest first, each with a token of its own for the device to submit with.
 */
export async function openOccasionsAt(services: Services, windowId: number, afterId: number, limit = 20): Promise<DeviceOccasion[]> {
  const now = services.now();
  const ids = await services.db
    .selectFrom('occasion')
    .select('id')
    .where('window_id', '=', windowId)
    .where('id', '>', afterId)
    .where('closed_at', 'is', null)
    .where('cancelled_at', 'is', null)
    .where('deadline', '>', now)
    .orderBy('id')
    .limit(limit)
    .execute();
  const out: DeviceOccasion[] = [];
  for (const { id } of ids) {
    const o = await cases.invitationFacts(services.db, id);
    if (!o) continue;
    out.push({
      occasionId: o.id,
      token: signInvitation(services.protector, o),
      kind: o.kind,
      kindName: OCCASION_NAMES[o.kind],
      occurredAt: o.occurred_at.toISOString(),
      deadline: o.deadline.toISOString(),
      matterName: o.what,
      agencyName: o.agency_name,
      staff: o.staff_name ? { name: o.staff_name, staffNumber: o.staff_number! } : null,
    });
  }
  return out;
}

/** The newest occasion id: where a device that connects afresh starts. */
export async function latestOccasionId(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ id: number | null }>`select max(id) as id from occasion`.execute(db);
  return rows[0]?.id ?? 0;
}

/** Occasions opened at windows since `afterId` (with some look-back for transactions that commit late): the hub's one query. */
export async function occasionsAtWindowsSince(db: Kysely<DB>, afterId: number) {
  return db.selectFrom('occasion').select(['id', 'window_id']).where('id', '>', afterId).where('window_id', 'is not', null).orderBy('id').limit(1000).execute();
}

/** The ids of a window's occasions in (after, through]. */
export async function occasionIdsAtWindow(db: Kysely<DB>, windowId: number, after: number, through: number): Promise<number[]> {
  const rows = await db.selectFrom('occasion').select('id').where('window_id', '=', windowId).where('id', '>', after).where('id', '<=', through).execute();
  return rows.map((r) => r.id);
}

/** Of these devices, the ones revoked since they connected. */
export async function revokedAmong(db: Kysely<DB>, clientIds: number[]): Promise<number[]> {
  if (!clientIds.length) return [];
  const rows = await db.selectFrom('api_client').select('id').where('id', 'in', clientIds).where('active', '=', false).execute();
  return rows.map((r) => r.id);
}
