// The audit log: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE).
import { sql, type Insertable, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DB } from './schema.ts';
import { escapeLike } from './regions.ts';

type Db = Kysely<DB>;

export async function insertAuditEvent(db: Db, event: Insertable<DB['audit_event']>): Promise<void> {
  await db
    .insertInto('audit_event')
    .values({ ...event, changes: event.changes === undefined || event.changes === null ? null : JSON.stringify(event.changes) })
    .execute();
}

export interface AuditFilter {
  actor?: string; // a username or client name
  actorType?: string;
  action?: string; // exact, or a prefix ending in '.' (catalogue.)
  subjectType?: string;
  subjectId?: string;
  from?: Date;
  to?: Date;
}

function filtered<QB extends SelectQueryBuilder<DB, 'audit_event', object>>(qb: QB, f: AuditFilter): QB {
  let q = qb;
  if (f.actor) q = q.where('actor_name', '=', f.actor) as QB;
  if (f.actorType) q = q.where('actor_type', '=', f.actorType as never) as QB;
  if (f.action) q = (f.action.endsWith('.') ? q.where('action', 'like', `${escapeLike(f.action)}%`) : q.where('action', '=', f.action)) as QB;
  if (f.subjectType) q = q.where('subject_type', '=', f.subjectType) as QB;
  if (f.subjectId) q = q.where('subject_id', '=', f.subjectId) as QB;
  if (f.from) q = q.where('at', '>=', f.from) as QB;
  if (f.to) q = q.where('at', '<', f.to) as QB;
  return q;
}

export async function listAuditEvents(db: Db, f: AuditFilter, page: { offset: number; limit: number }) {
  const [items, total] = await Promise.all([
    filtered(db.selectFrom('audit_event').selectAll(), f).orderBy('at', 'desc').orderBy('id', 'desc').offset(page.offset).limit(page.limit).execute(),
    filtered(db.selectFrom('audit_event').select(sql<number>`count(*)::int`.as('n')), f).executeTakeFirstOrThrow(),
  ]);
  return { items, total: total.n };
}

/** Newest first, before the given id (keyset paging for exports). */
export async function auditEventsBefore(db: Db, f: AuditFilter, beforeId: number | null, limit: number) {
  let q = filtered(db.selectFrom('audit_event').selectAll(), f);
  if (beforeId !== null) q = q.where('id', '<', beforeId);
  return q.orderBy('id', 'desc').limit(limit).execute();
}
