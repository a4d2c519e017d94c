// The audit log (R9, and every change a person makes): one event per change,
// written by the use case in the transaction that makes the change, so that
// there is no change without its record. Personal data never goes in clear:
// callers pass field names for protected fields, not values.
import type { Kysely } from 'kysely';
import { describeActor, requireAccess } from '../domain/access.ts';
import type { DB } from '../storage/schema.ts';
import * as audit from '../storage/audit.ts';
import type { Caller, Services } from './context.ts';
import { writeSheet } from './spreadsheets.ts';
import { yieldToEventLoop } from './eventLoop.ts';

export interface AuditEntry {
  action: string;
  subjectType?: string | null;
  subjectId?: string | number | null;
  /** Changed fields: { field: [before, after] }, or facts about the event. */
  changes?: Record<string, unknown> | null;
  reason?: string | null;
}

export async function recordAudit(db: Kysely<DB>, caller: Caller, entry: AuditEntry, at: Date): Promise<void> {
  const who = describeActor(caller.actor);
  await audit.insertAuditEvent(db, {
    at,
    actor_type: who.type,
    actor_id: who.id,
    actor_name: who.name,
    actor_role: who.role,
    action: entry.action,
    subject_type: entry.subjectType ?? null,
    subject_id: entry.subjectId === undefined || entry.subjectId === null ? null : String(entry.subjectId),
    changes: entry.changes ?? null,
    reason: entry.reason ?? null,
    request_id: caller.requestId ?? null,
    source_ip: caller.sourceIp ?? null,
  });
}

/** The fields that differ between two views of a record: { field: [before, after] }. */
export function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  skip: readonly string[] = ['updatedAt'],
): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (skip.includes(name)) continue;
    if (JSON.stringify(before[name] ?? null) !== JSON.stringify(after[name] ?? null)) changes[name] = [before[name] ?? null, after[name] ?? null];
  }
  return changes;
}

export interface AuditQuery {
  actor?: string;
  actorType?: string;
  action?: string;
  subjectType?: string;
  subjectId?: string;
  from?: string;
  to?: string;
}

const toFilter = (q: AuditQuery): audit.AuditFilter => ({
  ...q,
  from: q.from ? new Date(q.from) : undefined,
  to: q.to ? new Date(q.to) : undefined,
});

const present = (e: Awaited<ReturnType<typeof audit.listAuditEvents>>['items'][number]) => ({
  id: e.id,
  at: e.at.toISOString(),
  actor: { type: e.actor_type, id: e.actor_id, name: e.actor_name, role: e.actor_role },
  action: e.action,
  subject: e.subject_type ? { type: e.subject_type, id: e.subject_id } : null,
  changes: (e.changes as Record<string, unknown> | null) ?? null,
  reason: e.reason,
  requestId: e.request_id,
  sourceIp: e.source_ip,
});

export async function listAudit(services: Services, caller: Caller, query: AuditQuery, page: { page: number; pageSize: number }) {
  requireAccess(caller.actor, 'audit.read');
  const { items, total } = await audit.listAuditEvents(services.db, toFilter(query), { offset: (page.page - 1) * page.pageSize, limit: page.pageSize });
  return { items: items.map(present), total, page: page.page, pageSize: page.pageSize };
}

/** The filtered log as CSV, newest first, read in batches. */
export function exportAudit(services: Services, caller: Caller, query: AuditQuery) {
  requireAccess(caller.actor, 'audit.read');
  const filter = toFilter(query);
  async function* rows() {
    let before: number | null = null;
    for (;;) {
      const batch = await audit.auditEventsBefore(services.db, filter, before, 1000);
      for (const e of batch.map(present)) {
        yield [
          e.id,
          e.at,
          e.actor.type,
          e.actor.name ?? '',
          e.actor.role ?? '',
          e.action,
          e.subject?.type ?? '',
          e.subject?.id ?? '',
          e.changes ? JSON.stringify(e.changes) : '',
          e.reason ?? '',
          e.requestId ?? '',
          e.sourceIp ?? '',
        ];
      }
      if (batch.length < 1000) return;
      before = batch[batch.length - 1]!.id;
      await yieldToEventLoop();
    }
  }
  return writeSheet(
    'csv',
    '审计日志',
    ['编号', '时间', '操作者类型', '操作者', '角色', '操作', '对象类型', '对象', '变更', '理由', '请求编号', '来源地址'],
    rows(),
  );
}
