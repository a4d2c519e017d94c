// What people read of the supervision loop (issue 13): the queues, an item's
// detail (the rating masked, the case, the checks, the evidence, the history
// of every transition, and the steps the reader may take), the dashboard's
// counts and rectification rate, evidence files, the log of IT incidents,
// and what the rater's page shows. All within the reader's scope (R2); no
// rater identity anywhere (R9).
import { createHash } from 'node:crypto';
import { can, readScope, requireAccess, notFoundInScope, type Actor } from '../domain/access.ts';
import { CHECKED_TAGS, REPEAT_VISIT_DAYS, repeatVisitCheck, timeLimitCheck, type CaseCheck } from '../domain/checks.ts';
import { AppError, conflict, invalidFields, notFound, type FieldProblem } from '../domain/errors.ts';
import { FEEDBACK_KINDS, type FeedbackKind } from '../domain/feedback.ts';
import { POLICY } from '../domain/policy.ts';
import { LEVELS, type Level, type Tag } from '../domain/ratings.ts';
import { eventsFrom, next } from '../domain/workflows/machine.ts';
import { machineOf, type WorkflowName } from '../domain/workflows/index.ts';
import { GRADES, type Grade } from '../domain/workflows/rectification.ts';
import * as sup from '../storage/supervision.ts';
import { recordAudit } from './audit.ts';
import type { Caller, Services } from './context.ts';
import { deadlineUnder, loadCalendar, policyById } from './policy.ts';
import { factsOf, partyOf, personSteps, placeOf, proposeForRating } from './supervision.ts';
import { verifyInvitation } from './cases.ts';
import * as cases from '../storage/cases.ts';
import { chinaDay } from '../domain/occasions.ts';

const DAY = 86_400_000;

/** Whole days left until a deadline (negative once past), counted in China days. */
export function daysLeft(due: Date | null, now: Date): number | null {
  if (!due) return null;
  return Math.round((Date.parse(chinaDay(new Date(due.getTime() - 1))) - Date.parse(chinaDay(now))) / DAY);
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

// ——— queues ———

export interface QueueQuery {
  workflow?: string;
  state?: string;
  status?: 'open' | 'closed' | 'overdue' | 'all';
  queue?: 'own' | 'below' | 'all';
  region?: string;
  agency?: string;
  rating?: number;
}

export async function listQueue(services: Services, caller: Caller, q: QueueQuery, page: { page: number; pageSize: number }) {
  requireAccess(caller.actor, 'supervision.read');
  const scope = readScope(caller.actor);
  const problems: FieldProblem[] = [];
  if (q.workflow && !Object.hasOwn(machineWorkflows, q.workflow))
    problems.push({ field: '/querystring/workflow', message: `must be one of ${Object.keys(machineWorkflows).join(', ')}` });
  if (q.state && q.workflow && !machineOf(q.workflow as WorkflowName)?.states.includes(q.state))
    problems.push({ field: '/querystring/state', message: `must be one of ${machineOf(q.workflow as WorkflowName).states.join(', ')}` });
  let regionPath: string | undefined;
  if (q.region) {
    const region = await services.db.selectFrom('region').select('path').where('code', '=', q.region).executeTakeFirst();
    if (!region) problems.push({ field: '/querystring/region', message: `no region has the code ${q.region}` });
    regionPath = region?.path;
  }
  invalidFields(problems);
  const now = services.now();
  const callerRegion = scope.kind === 'region' ? scope.regionCode : null;
  const { items, total } = await sup.listItems(
    services.db,
    scope,
    {
      workflow: q.workflow,
      state: q.state,
      open: q.status === 'open' ? true : q.status === 'closed' ? false : undefined,
      overdue: q.status === 'overdue' || undefined,
      queue: callerRegion ? q.queue : undefined,
      regionPath,
      agencyCode: q.agency,
      ratingId: q.rating,
    },
    now,
    callerRegion,
    page,
  );
  return {
    items: items.map((i) => ({
      ...presentItem(i, now),
      rating: { id: i.rating_id, level: i.level as Level, levelName: LEVELS[i.level as Level].zh, tags: i.tags, givenAt: i.given_at.toISOString() },
      case: { caseNumber: i.case_number, packageNumber: i.package_number, what: i.matter_name ?? i.package_name },
      names: { agency: i.agency_name, region: i.region_name, staff: i.staff_name },
    })),
    total,
    page: page.page,
    pageSize: page.pageSize,
  };
}

const machineWorkflows = { review: 1, verification: 1, revocation: 1, rectification: 1, appeal: 1 };

/** An item as every answer shows it. */
export function presentItem(i: sup.ItemRow, now: Date) {
  const open = !i.closed_at;
  return {
    id: i.id,
    workflow: i.workflow as WorkflowName,
    state: i.state,
    version: i.version,
    ratingId: i.rating_id,
    regionCode: i.region_code,
    agencyCode: i.agency_code,
    businessLineCode: i.business_line_code,
    staffId: i.staff_id,
    policyVersionId: i.policy_version_id,
    openedAt: i.opened_at.toISOString(),
    dueAt: iso(i.due_at),
    closedAt: iso(i.closed_at),
    daysLeft: open ? daysLeft(i.due_at, now) : null,
    overdue: open && !!i.due_at && i.workflow === 'rectification' && now.getTime() >= i.due_at.getTime(),
    overdueAt: iso(i.overdue_at),
    escalatedAt: iso(i.escalated_at),
    escalatedTo: i.escalated_to,
    startedBy: i.started_by,
    incidentId: i.incident_id,
    details: i.details,
  };
}

// ——— one item ———

/** The steps `actor` could take on the item now: allowed by role, scope, party and the table's guards. */
function stepsFor(actor: Actor, item: sup.ItemRow, now: Date): string[] {
  const party = partyOf(actor);
  if (!party) return [];
  const machine = machineOf(item.workflow as WorkflowName);
  const facts = factsOf(item);
  const userId = actor.type === 'user' ? actor.id : undefined;
  return personSteps(item.workflow)
    .filter((s) => can(actor, s.action, placeOf(item)))
    .map((s) => s.event)
    .filter((e) => eventsFrom(machine, item.state, party).includes(e))
    .filter((e) => {
      // A guard that needs the step's input (a new deadline) is checked when it is taken.
      const step = next(
        machine,
        item.state,
        e,
        { party, userId, scopePath: actor.type === 'user' && actor.scope.kind === 'region' ? actor.scope.path : undefined },
        now,
        facts,
        { newDueAt: new Date(facts.dueAt.getTime() + 86_400_000) },
      );
      return step.ok;
    });
}

export async function getItem(services: Services, caller: Caller, id: number) {
  requireAccess(caller.actor, 'supervision.read');
  const scope = readScope(caller.actor);
  const item = await sup.findItem(services.db, id, scope);
  if (!item) throw notFoundInScope('supervision item');
  const now = services.now();
  const db = services.db;
  const rating = (await sup.ratingForSupervision(db, item.rating_id))!;
  const related = await sup.itemsOfRating(db, item.rating_id);
  const visible = (await Promise.all(related.map((r) => sup.findItem(db, r.id, scope)))).filter((r): r is sup.ItemRow => !!r);
  const ids = visible.map((r) => r.id);
  const [transitions, attachments, caseFacts] = await Promise.all([
    sup.transitionsOf(db, ids),
    sup.attachmentsOf(db, ids),
    sup.caseFacts(db, rating.occasion_id),
  ]);
  const staff = rating.staff_id
    ? await db.selectFrom('staff').select(['name', 'staff_number']).where('id', '=', rating.staff_id).executeTakeFirst()
    : undefined;
  const agency = item.agency_code ? await db.selectFrom('agency').select('name').where('code', '=', item.agency_code).executeTakeFirst() : undefined;
  const region = await db.selectFrom('region').select('name').where('code', '=', item.region_code).executeTakeFirst();
  const escalatedTo = item.escalated_to ? await db.selectFrom('region').select('name').where('code', '=', item.escalated_to).executeTakeFirst() : undefined;
  return {
    ...presentItem(item, now),
    allowedSteps: stepsFor(caller.actor, item, now),
    rating: {
      id: rating.id,
      level: rating.level as Level,
      levelName: LEVELS[rating.level as Level].zh,
      aspects: { attitude: rating.attitude_level, quality: rating.quality_level, efficiency: rating.efficiency_level },
      tags: rating.tags,
      // R9: the comment as everyone sees it (personal data in it masked on arrival); the rater is never named.
      comment: rating.comment,
      channel: rating.channel,
      givenAt: rating.given_at.toISOString(),
      counts: !rating.voided_at && !rating.revoked_at,
      voidedAt: iso(rating.voided_at),
      revokedAt: iso(rating.revoked_at),
      exclusionReason: rating.exclusion_reason,
    },
    occasion: { id: rating.occasion_id, kind: rating.occasion_kind, occurredAt: rating.occurred_at.toISOString() },
    case: caseFacts
      ? {
          caseNumber: caseFacts.case_number,
          packageNumber: caseFacts.package_number,
          matterCode: caseFacts.matter_code,
          what: caseFacts.matter_name ?? caseFacts.package_name,
          kind: caseFacts.case_kind,
          acceptedAt: iso(caseFacts.accepted_at),
          completedAt: iso(caseFacts.completed_at),
          withdrawnAt: iso(caseFacts.withdrawn_at),
          timeLimitDays: caseFacts.time_limit_days,
          system: caseFacts.system_name,
        }
      : null,
    names: {
      agency: agency?.name ?? null,
      region: region?.name ?? null,
      staff: staff ? { name: staff.name, staffNumber: staff.staff_number } : null,
      escalatedTo: escalatedTo?.name ?? null,
    },
    appealUntil: item.workflow === 'verification' ? await appealDeadline(services, item) : null,
    checks: await checksFor(services, rating.tags as Tag[], caseFacts, now),
    related: visible.map((r) => presentItem(r, now)),
    history: transitions.map((t) => ({
      id: t.id,
      itemId: t.item_id,
      at: t.at.toISOString(),
      event: t.event,
      from: t.from_state,
      to: t.to_state,
      actor: { type: t.actor_type, name: t.actor_name },
      note: t.note,
    })),
    attachments: attachments.map((a) => ({
      id: a.id,
      itemId: a.item_id,
      fileName: a.file_name,
      mediaType: a.media_type,
      sizeBytes: a.size_bytes,
      sha256: a.sha256,
      uploadedAt: a.uploaded_at.toISOString(),
      uploadedBy: a.uploaded_by_name,
    })),
  };
}

/**
 * 申诉复核: when the agency's days to appeal end, counted from its
 * notification (the verification's opening) under the item's policy; null
 * when the holiday calendar lacks a year it needs (filing then says which).
 */
async function appealDeadline(services: Services, item: sup.ItemRow): Promise<string | null> {
  try {
    return (await deadlineUnder(services.db, await policyById(services.db, item.policy_version_id), 'appealDays', item.opened_at)).toISOString();
  } catch (error) {
    if (error instanceof AppError && error.id === 'calendar_year_missing') return null;
    throw error;
  }
}

/** R12: the checks of the rater's tags that case data allow. */
async function checksFor(services: Services, tags: Tag[], c: Awaited<ReturnType<typeof sup.caseFacts>>, now: Date): Promise<CaseCheck[]> {
  const checks: CaseCheck[] = [];
  if (!c?.case_id || !c.accepted_at) return checks;
  for (const tag of tags.filter((t) => CHECKED_TAGS.includes(t))) {
    if (tag === 'efficiency.overdue' && c.time_limit_days !== null) {
      const end = c.completed_at ?? now;
      const from = new Date(c.accepted_at).getUTCFullYear();
      const calendar = await loadCalendar(services.db, from, Math.max(from, end.getUTCFullYear()) + 1).catch(() => loadCalendar(services.db, from, from));
      checks.push(timeLimitCheck({ acceptedAt: c.accepted_at, completedAt: c.completed_at, timeLimitDays: c.time_limit_days }, now, calendar));
    }
    if (tag === 'efficiency.repeat_visits' && c.applicant_id_hash && c.matter_code) {
      const earlier = await sup.earlierVisits(
        services.db,
        { case_id: c.case_id, applicant_id_hash: c.applicant_id_hash, matter_code: c.matter_code, accepted_at: c.accepted_at },
        new Date(c.accepted_at.getTime() - REPEAT_VISIT_DAYS * DAY),
      );
      checks.push(repeatVisitCheck(earlier.map((e) => ({ caseNumber: e.case_number, acceptedAt: e.accepted_at }))));
    }
  }
  return checks;
}

// ——— the dashboard ———

/**
 * Counts of open, overdue and closed items per workflow within the reader's
 * scope, and the rectification rate (R12, R13: rectified on time ÷ due) of
 * the reader's region (or the whole autonomous region) for the year so far.
 */
export async function supervisionSummary(services: Services, caller: Caller) {
  requireAccess(caller.actor, 'supervision.read');
  const scope = readScope(caller.actor);
  const now = services.now();
  const counts = await sup.countItems(services.db, scope, now);
  const year = Number(chinaDay(now).slice(0, 4));
  const from = new Date(`${year}-01-01T00:00:00+08:00`);
  const to = new Date(`${year + 1}-01-01T00:00:00+08:00`);
  const rate =
    scope.kind === 'agency'
      ? (await sup.rectificationRates(services.db, 'agency', [scope.agencyCode], from, to, now))[0]
      : (await sup.rectificationRates(services.db, 'region', [scope.kind === 'region' ? scope.regionCode : ROOT_REGION], from, to, now))[0];
  const byWorkflow = Object.fromEntries(Object.keys(machineWorkflows).map((w) => [w, { open: 0, overdue: 0, closed: 0 }])) as Record<
    WorkflowName,
    { open: number; overdue: number; closed: number }
  >;
  for (const c of counts) byWorkflow[c.workflow as WorkflowName] = { open: c.open, overdue: c.overdue, closed: c.closed };
  return {
    workflows: byWorkflow,
    rectificationRate: { period: String(year), due: rate?.due ?? 0, onTime: rate?.on_time ?? 0, rate: rate?.due ? rate.on_time / rate.due : null },
  };
}

const ROOT_REGION = '450000000000';

// ——— evidence ———

/** Evidence files: at most this size, and of these types (recognised by their first bytes, not their name). */
export const ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024;
export const ATTACHMENT_TYPES: Record<string, (b: Buffer) => boolean> = {
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
};

/**
 * R11, R12: evidence for an item (a revocation's cause, an appeal's
 * reasons, findings), kept in the database with its SHA-256. 413 when too
 * large, 415 when the type is refused or the content is not what the type
 * says. Audited. Only those who may step on the item add to it.
 */
export async function addAttachment(services: Services, caller: Caller, itemId: number, file: { fileName: string; mediaType: string; content: Buffer }) {
  requireAccess(caller.actor, 'supervision.read');
  const scope = readScope(caller.actor);
  const item = await sup.findItem(services.db, itemId, scope);
  if (!item) throw notFoundInScope('supervision item');
  const action = item.workflow === 'appeal' ? 'supervision.appeal' : item.workflow === 'rectification' ? 'supervision.rectify' : 'supervision.decide';
  requireAccess(caller.actor, action, placeOf(item));
  if (caller.actor.type !== 'user') throw new AppError('forbidden', 'forbidden', 'Evidence is added by a person');
  const name = file.fileName.trim();
  if (!name || name.length > 200 || /[\\/]/.test(name) || [...name].some((c) => c.charCodeAt(0) < 32))
    invalidFields([{ field: '/querystring/fileName', message: 'is required: a file name of 1 to 200 characters, without slashes' }]);
  if (file.content.length > ATTACHMENT_MAX_BYTES)
    throw new AppError('attachment_too_large', 'too_large', `An attachment is at most ${ATTACHMENT_MAX_BYTES / 1024 / 1024} MB`);
  const type = file.mediaType.split(';')[0]!.trim().toLowerCase();
  const check = ATTACHMENT_TYPES[type];
  if (!check || !file.content.length || !check(file.content))
    throw new AppError(
      'attachment_type_refused',
      'unsupported',
      check ? `The file is not a ${type}: its content does not match` : `Attachments are ${Object.keys(ATTACHMENT_TYPES).join(', ')}`,
    );
  const now = services.now();
  return services.db.transaction().execute(async (trx) => {
    const sha256 = createHash('sha256').update(file.content).digest('hex');
    const row = await sup.insertAttachment(trx, {
      item_id: item.id,
      file_name: name,
      media_type: type,
      size_bytes: file.content.length,
      sha256,
      content: file.content,
      uploaded_by: (caller.actor as { id: number }).id,
      uploaded_at: now,
    });
    await recordAudit(
      trx,
      caller,
      {
        action: 'supervision.attachment.add',
        subjectType: 'supervision_item',
        subjectId: item.id,
        changes: { attachment: row.id, fileName: name, sizeBytes: row.size_bytes, sha256 },
      },
      now,
    );
    return { id: row.id, itemId: item.id, fileName: name, mediaType: type, sizeBytes: row.size_bytes, sha256, uploadedAt: now.toISOString() };
  });
}

export async function getAttachment(services: Services, caller: Caller, id: number) {
  requireAccess(caller.actor, 'supervision.read');
  const file = await sup.findAttachment(services.db, id);
  const item = file ? await sup.findItem(services.db, file.item_id, readScope(caller.actor)) : undefined;
  if (!file || !item) throw notFoundInScope('attachment');
  return { fileName: file.file_name, mediaType: file.media_type, content: file.content, sha256: file.sha256 };
}

// ——— IT incidents (R11) ———

export async function listIncidents(services: Services, caller: Caller, page: { page: number; pageSize: number }) {
  requireAccess(caller.actor, 'supervision.read');
  const { items, total } = await sup.listIncidents(services.db, page);
  return { items: items.map(presentIncident), total, page: page.page, pageSize: page.pageSize };
}

function presentIncident(x: NonNullable<Awaited<ReturnType<typeof sup.findIncident>>>) {
  return {
    id: x.id,
    system: { id: x.client_id, name: x.system_name },
    startedAt: x.started_at.toISOString(),
    endedAt: x.ended_at.toISOString(),
    cause: x.cause,
    reportedBy: x.reported_by_name,
    createdAt: x.created_at.toISOString(),
  };
}

/** R11: the business systems an outage can be recorded for (names only: their keys are the admins'). */
export async function incidentSystems(services: Services, caller: Caller) {
  requireAccess(caller.actor, 'incidents.manage');
  return { items: await sup.businessSystems(services.db) };
}

/** An incident, and the negative ratings within the reader's scope that it may explain. */
export async function getIncident(services: Services, caller: Caller, id: number) {
  requireAccess(caller.actor, 'supervision.read');
  const x = await sup.findIncident(services.db, id);
  if (!x) throw notFound('incident_not_found', `No incident has the id ${id}`);
  const ratings = await sup.ratingsInIncident(services.db, x, readScope(caller.actor));
  return {
    ...presentIncident(x),
    ratings: ratings.map((r) => ({ ratingId: r.rating_id, occurredAt: r.occurred_at.toISOString(), openProposal: r.open_proposal })),
  };
}

/** The longest outage one record may cover: a mistyped year would otherwise propose revoking a year of ratings. */
export const INCIDENT_MAX_DAYS = 30;

/** R11: records an outage of a business system (audited). */
export async function createIncident(services: Services, caller: Caller, input: { systemId: number; startedAt: string; endedAt: string; cause: string }) {
  requireAccess(caller.actor, 'incidents.manage');
  if (caller.actor.type !== 'user') throw new AppError('forbidden', 'forbidden', 'An incident is reported by a person');
  const now = services.now();
  const problems: FieldProblem[] = [];
  const start = Date.parse(input.startedAt);
  const end = Date.parse(input.endedAt);
  if (Number.isNaN(start) || !/^\d{4}-\d{2}-\d{2}T/.test(input.startedAt))
    problems.push({ field: '/body/startedAt', message: 'must be an instant (ISO 8601)' });
  if (Number.isNaN(end) || !/^\d{4}-\d{2}-\d{2}T/.test(input.endedAt)) problems.push({ field: '/body/endedAt', message: 'must be an instant (ISO 8601)' });
  else if (end <= start) problems.push({ field: '/body/endedAt', message: 'must be after startedAt' });
  else if (end - start > INCIDENT_MAX_DAYS * DAY)
    problems.push({ field: '/body/endedAt', message: `an outage is recorded for at most ${INCIDENT_MAX_DAYS} days; record a longer one in parts` });
  else if (end > now.getTime() + POLICY.clockSkewMs) problems.push({ field: '/body/endedAt', message: 'is in the future: record an outage once it is over' });
  const cause = input.cause.trim();
  if (!cause || cause.length > 1000) problems.push({ field: '/body/cause', message: 'is required, at most 1000 characters' });
  const system = await services.db.selectFrom('api_client').select(['id', 'kind']).where('id', '=', input.systemId).executeTakeFirst();
  if (!system || system.kind !== 'business_system')
    problems.push({ field: '/body/systemId', message: 'must be the id of a business system (an API client that sends cases)' });
  invalidFields(problems);
  return services.db.transaction().execute(async (trx) => {
    const row = await sup.insertIncident(trx, {
      client_id: input.systemId,
      started_at: new Date(start),
      ended_at: new Date(end),
      cause,
      reported_by: (caller.actor as { id: number }).id,
      created_at: now,
    });
    await recordAudit(
      trx,
      caller,
      {
        action: 'incident.create',
        subjectType: 'it_incident',
        subjectId: row.id,
        changes: { system: input.systemId, startedAt: row.started_at.toISOString(), endedAt: row.ended_at.toISOString() },
        reason: cause,
      },
      now,
    );
    return presentIncident((await sup.findIncident(trx, row.id))!);
  });
}

/**
 * R11: from an incident, proposes in one step the revocation of each negative
 * rating within the proposer's scope whose occasion fell inside the outage,
 * for a case of that system. Each proposal still needs a second person.
 * Safe to repeat: a rating with an open proposal, or excluded, is skipped.
 */
export async function proposeFromIncident(services: Services, caller: Caller, incidentId: number, input: { findings?: string }) {
  requireAccess(caller.actor, 'incidents.manage');
  requireAccess(caller.actor, 'supervision.decide');
  const x = await sup.findIncident(services.db, incidentId);
  if (!x) throw notFound('incident_not_found', `No incident has the id ${incidentId}`);
  const findings = input.findings?.trim() || `信息系统故障（${x.system_name}，${x.started_at.toISOString()} 至 ${x.ended_at.toISOString()}）：${x.cause}`;
  if (findings.length > 2000) invalidFields([{ field: '/body/findings', message: 'must be at most 2000 characters' }]);
  const candidates = await sup.ratingsInIncident(services.db, x, readScope(caller.actor));
  const now = services.now();
  return services.db.transaction().execute(async (trx) => {
    let proposed = 0;
    for (const c of candidates) {
      if (await proposeForRating(trx, caller, c.rating_id, { cause: 'it_fault', findings }, now, x.id)) proposed++;
    }
    await recordAudit(
      trx,
      caller,
      { action: 'incident.propose_revocations', subjectType: 'it_incident', subjectId: x.id, changes: { proposed, candidates: candidates.length } },
      now,
    );
    return { proposed, skipped: candidates.length - proposed };
  });
}

// ——— the rater's page (with the link they rated with) ———

/** The rating of a link that rated it: the rater's own link, and only it (R9). */
export async function ratingOfLink(services: Services, token: string): Promise<number> {
  const { payload, occasion } = await verifyInvitation(services.protector, token, (id) => cases.findOccasionById(services.db, id));
  const rating = await cases.ratingOfOccasion(services.db, occasion.id);
  if (!rating || rating.is_default || rating.token_id !== `${payload.o}:${payload.n}`)
    throw conflict('not_rated_with_this_link', 'This link has not rated the service; there is no feedback for it');
  return rating.id;
}

/**
 * What the rater sees under their rating (R6, R12, appeals): whether it
 * still counts, each decision told to them, and the rectification with what
 * they may do about it. No names of staff who decided.
 */
export async function raterFeedback(services: Services, ratingId: number) {
  const items = await sup.itemsOfRating(services.db, ratingId);
  const now = services.now();
  const feedback = items
    .map((i) => (i.details as { feedback?: { kind: FeedbackKind; text: string; at: string } | null }).feedback)
    .filter((f): f is { kind: FeedbackKind; text: string; at: string } => !!f && FEEDBACK_KINDS.includes(f.kind))
    .sort((a, b) => a.at.localeCompare(b.at));
  const r = items.filter((i) => i.workflow === 'rectification').at(-1);
  const d = (r?.details ?? {}) as { grade?: Grade | null; reopened?: boolean; reopenUntil?: string | null; measures?: string; completedAt?: string | null };
  const step = (event: string, input: Record<string, unknown>) =>
    !!r && next(machineOf('rectification'), r.state, event, { party: 'rater' }, now, factsOf(r), input).ok;
  const v = items.filter((i) => i.workflow === 'verification').at(-1);
  return {
    stage: stageOf(items),
    verified: v ? v.state : null,
    feedback,
    rectification: r
      ? {
          state: r.state as 'open' | 'done' | 'closed' | 'cancelled',
          dueAt: iso(r.due_at),
          measures: r.state === 'open' ? null : (d.measures ?? null),
          completedAt: d.completedAt ?? null,
          grade: d.grade ?? null,
          gradeName: d.grade ? GRADES[d.grade] : null,
          reopened: d.reopened === true,
          reopenUntil: d.reopenUntil ?? null,
          canGrade: step('grade', { grade: 'satisfied' }),
          canReopen: step('reopen', {}),
        }
      : null,
  };
}

/** Where the rating is in the loop, in the rater's terms. */
function stageOf(items: sup.ItemRow[]): 'none' | 'in_review' | 'in_verification' | 'rectifying' | 'rectified' | 'closed' | 'voided' | 'revoked' | 'stands' {
  const last = (w: string) => items.filter((i) => i.workflow === w).at(-1);
  const review = last('review');
  const verification = last('verification');
  const rect = last('rectification');
  const appeal = last('appeal');
  if (review?.state === 'rejected' || appeal?.state === 'upheld') return 'voided';
  if (verification?.state === 'revoked' || last('revocation')?.state === 'approved') return 'revoked';
  if (rect) return rect.state === 'open' ? 'rectifying' : rect.state === 'done' ? 'rectified' : 'closed';
  if (verification?.state === 'unfounded') return 'stands';
  if (verification) return 'in_verification';
  if (review) return 'in_review';
  return 'none';
}
