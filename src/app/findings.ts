// What the platform finds on its own (issue 14): the engine of the
// investigation (R10), key_target and replacement (R11) workflows, their
// queues and pages. Each step goes the supervision loop's way, in one
// transaction: lock the finding, ask its table (`next`), write the new
// state (version + 1), the transition and the audit event, then what the
// step causes (ratings voided and a violation recorded, for a confirmed
// investigation). Findings are created by jobs (src/app/detection.ts,
// src/app/targets.ts) with a key, so that a job run twice, or two at once,
// creates nothing twice.
import { sql, type Kysely } from 'kysely';
import { readScope, requireAccess, notFoundInScope, type Action, type Actor } from '../domain/access.ts';
import { AppError, conflict, invalidFields, type FieldProblem } from '../domain/errors.ts';
import { LEVELS, type Level } from '../domain/ratings.ts';
import { parseInstantOrDay } from '../domain/calendar.ts';
import { SIGNAL_KINDS, type SignalKind } from '../domain/detection/types.ts';
import { findingMachineOf, FINDING_WORKFLOWS, type FindingWorkflowName } from '../domain/workflows/index.ts';
import { eventsFrom, next, refusalError, type StepActor } from '../domain/workflows/machine.ts';
import * as repo from '../storage/findings.ts';
import type { DB } from '../storage/schema.ts';
import type { FindingWorkflow, SubjectType } from '../storage/schemaFindings.ts';
import * as scores from '../storage/scores.ts';
import { recordAudit } from './audit.ts';
import type { Caller, Services } from './context.ts';
import { partyOf, placeOf } from './supervision.ts';

type Db = Kysely<DB>;
type Finding = repo.FindingRow;

const TEXT_MAX = 2000;

/** A finding's step as a person asks for it. */
export interface FindingStepInput {
  event: string;
  /** The finding's version the page showed (409 item_changed when it moved on). */
  version?: number;
  /** investigation confirm (the violation's summary) and dismiss; key_target close; replacement plan. */
  reason?: string;
  /** investigation confirm: the ratings to void (default: every flagged rating that still counts). */
  ratingIds?: number[];
  /** investigation confirm: whom the violation is recorded against (default: the agency). */
  against?: 'agency' | 'staff';
  /** investigation confirm against a staff member: who (default: the subject's or the flagged ratings' staff member). */
  staffId?: number;
  /** key_target visit (回访): who was called, when (an instant or a China day), what they said. */
  visited?: string;
  visitedAt?: string;
  said?: string;
  /** key_target set_measures: the root cause, the measures, and their deadline (an instant or a China day meaning 24:00 of it). */
  rootCause?: string;
  measures?: string;
  dueAt?: string;
}

/** What each person's step needs and the action (R2) it takes. */
const STEPS: Record<string, { action: Action; required: (keyof FindingStepInput)[] }> = {
  'investigation.confirm': { action: 'supervision.decide', required: ['reason'] },
  'investigation.dismiss': { action: 'supervision.decide', required: ['reason'] },
  'key_target.visit': { action: 'supervision.rectify', required: ['visited', 'visitedAt', 'said'] },
  'key_target.set_measures': { action: 'supervision.rectify', required: ['rootCause', 'measures', 'dueAt'] },
  'key_target.close': { action: 'supervision.decide', required: ['reason'] },
  'replacement.plan': { action: 'supervision.rectify', required: ['reason'] },
};

/** Investigations are read by supervisory departments (and auditors), never by the agency under suspicion (R10). */
const readAction = (workflow: string): Action => (workflow === 'investigation' ? 'investigations.read' : 'supervision.read');

/** To whom may not read investigations, one does not exist (404, as outside the scope). */
function requireRead(actor: Actor, f: Finding) {
  if (f.workflow === 'investigation' && !allowed(actor, 'investigations.read')) throw notFoundInScope('finding');
  requireAccess(actor, readAction(f.workflow), placeOf(f), { what: 'finding' });
}

const allowed = (actor: Actor, action: Action) => {
  try {
    requireAccess(actor, action);
    return true;
  } catch {
    return false;
  }
};

const stepActorOf = (actor: Actor): StepActor => ({
  party: partyOf(actor) ?? 'supervisor',
  userId: actor.type === 'user' ? actor.id : undefined,
  scopePath: actor.type === 'user' && actor.scope.kind === 'region' ? actor.scope.path : undefined,
});

const actorName = (caller: Caller) =>
  caller.actor.type === 'user' ? caller.actor.name || caller.actor.username : caller.actor.type === 'system' ? caller.actor.name : '—';

/** What the findings' guards read. */
export function findingFactsOf(f: Finding) {
  const d = f.details as { visits?: unknown[] };
  return { dueAt: f.due_at ?? new Date(8.64e15), overdue: !!f.overdue_at, escalated: !!f.escalated_at, visits: d.visits?.length ?? 0 };
}

export interface FindingChange {
  patch?: repo.FindingPatch;
  details?: Record<string, unknown>;
  note?: string | null;
  audit?: Record<string, unknown>;
}

/** Takes one step on a locked finding: the table decides; the state, transition and audit event are written. */
export async function applyFindingStep(
  trx: Db,
  caller: Caller,
  finding: Finding,
  event: string,
  actor: StepActor,
  now: Date,
  input: Record<string, unknown>,
  change: FindingChange = {},
): Promise<Finding> {
  const machine = findingMachineOf(finding.workflow);
  const step = next(machine, finding.state, event, actor, now, findingFactsOf(finding), input);
  if (!step.ok) throw refusalError(step.refusal);
  const final = machine.final.includes(step.to);
  const details = { ...(finding.details as Record<string, unknown>), ...change.details };
  const updated = await repo.updateFinding(trx, finding.id, { state: step.to, closed_at: final ? now : null, ...change.patch, details }, now);
  await repo.insertFindingTransition(trx, {
    finding_id: finding.id,
    at: now,
    event,
    from_state: finding.state,
    to_state: step.to,
    actor_type: actor.party === 'system' ? 'system' : 'user',
    actor_id: actor.userId ?? null,
    actor_name: actorName(caller),
    note: change.note ?? null,
    details: change.details ?? null,
  });
  await recordAudit(
    trx,
    caller,
    {
      action: `findings.${finding.workflow}.${event}`,
      subjectType: 'finding',
      subjectId: finding.id,
      changes: { state: [finding.state, step.to], subject: `${finding.subject_type}:${finding.subject_key}`, ...change.audit },
      reason: change.note ?? null,
    },
    now,
  );
  return updated;
}

export interface NewFindingFields {
  workflow: FindingWorkflow;
  subject: { type: SubjectType; key: string; name: string };
  periodStart?: string | null;
  periodEnd?: string | null;
  dedupKey: string;
  /** The subject's place: its region path (the department's queue is taken from it), agency, line, staff member. */
  place: { regionPath: string; agencyCode: string | null; businessLineCode: string | null; staffId: number | null };
  policyVersionId: number;
  score?: number | null;
  dueAt?: Date | null;
  details?: Record<string, unknown>;
  note?: string | null;
}

/**
 * Creates a finding by its table's first step, unless one with its key is
 * there already (a job run twice, or two at once): undefined then, and
 * nothing is written.
 */
export async function createFinding(trx: Db, caller: Caller, fields: NewFindingFields, now: Date): Promise<Finding | undefined> {
  const machine = findingMachineOf(fields.workflow);
  const step = next(machine, 'none', 'open', { party: 'system' }, now, {}, {});
  if (!step.ok) throw refusalError(step.refusal);
  const finding = await repo.insertFinding(trx, {
    workflow: fields.workflow,
    state: step.to,
    subject_type: fields.subject.type,
    subject_key: fields.subject.key,
    subject_name: fields.subject.name,
    period_start: fields.periodStart ?? null,
    period_end: fields.periodEnd ?? null,
    dedup_key: fields.dedupKey,
    region_code: await repo.departmentOf(trx, fields.place.regionPath),
    region_path: fields.place.regionPath,
    agency_code: fields.place.agencyCode,
    business_line_code: fields.place.businessLineCode,
    staff_id: fields.place.staffId,
    policy_version_id: fields.policyVersionId,
    score: fields.score ?? null,
    opened_at: now,
    due_at: fields.dueAt ?? null,
    details: fields.details ?? {},
    updated_at: now,
  });
  if (!finding) return undefined;
  await repo.insertFindingTransition(trx, {
    finding_id: finding.id,
    at: now,
    event: 'open',
    from_state: 'none',
    to_state: step.to,
    actor_type: 'system',
    actor_id: null,
    actor_name: actorName(caller),
    note: fields.note ?? null,
    details: fields.details ?? null,
  });
  await recordAudit(
    trx,
    caller,
    {
      action: `findings.${fields.workflow}.open`,
      subjectType: 'finding',
      subjectId: finding.id,
      changes: {
        state: ['none', step.to],
        subject: `${fields.subject.type}:${fields.subject.key}`,
        period: fields.periodStart ?? null,
        dueAt: finding.due_at?.toISOString() ?? null,
      },
      reason: fields.note ?? null,
    },
    now,
  );
  return finding;
}

// ——— a person's step ———

function checkInput(workflow: string, input: FindingStepInput): { action: Action; problems: FieldProblem[] } {
  const spec = STEPS[`${workflow}.${input.event}`];
  const problems: FieldProblem[] = [];
  if (!spec) {
    const offered = Object.keys(STEPS)
      .filter((k) => k.startsWith(`${workflow}.`))
      .map((k) => k.slice(workflow.length + 1));
    problems.push({ field: '/body/event', message: `must be one of ${offered.join(', ')} for a ${workflow} finding` });
    return { action: 'supervision.decide', problems };
  }
  for (const field of spec.required) {
    const value = input[field];
    if (typeof value !== 'string' || !value.trim()) problems.push({ field: `/body/${field}`, message: 'is required for this step' });
  }
  for (const field of ['reason', 'visited', 'said', 'rootCause', 'measures'] as const)
    if ((input[field]?.length ?? 0) > TEXT_MAX) problems.push({ field: `/body/${field}`, message: `must be at most ${TEXT_MAX} characters` });
  if (input.dueAt && !parseInstantOrDay(input.dueAt))
    problems.push({ field: '/body/dueAt', message: 'must be an instant (ISO 8601) or a day (YYYY-MM-DD, meaning 24:00 China time of it)' });
  if (input.visitedAt && !parseInstantOrDay(input.visitedAt, false))
    problems.push({ field: '/body/visitedAt', message: 'must be an instant (ISO 8601) or a day (YYYY-MM-DD)' });
  if (input.against && input.against !== 'agency' && input.against !== 'staff') problems.push({ field: '/body/against', message: 'must be agency or staff' });
  return { action: spec.action, problems };
}

const clean = (s: string | undefined) => s?.trim() || null;

/**
 * A person's step on a finding: 404 outside the caller's scope (and for an
 * investigation read by someone who may not read investigations), 403 when
 * their role may not take it, 400 when what it needs is missing, 409
 * transition_not_allowed or item_changed. Nothing changes on a refusal; a
 * refused step is audited.
 */
export async function stepFinding(services: Services, caller: Caller, id: number, input: FindingStepInput) {
  requireAccess(caller.actor, 'supervision.read');
  readScope(caller.actor);
  const known = await repo.findFinding(services.db, id, { kind: 'all' });
  if (!known) throw notFoundInScope('finding');
  try {
    requireRead(caller.actor, known);
    const { action, problems } = checkInput(known.workflow, input);
    requireAccess(caller.actor, action, placeOf(known));
    invalidFields(problems);
    return await services.db.transaction().execute(async (trx) => {
      const finding = (await repo.lockFinding(trx, id))!;
      if (input.version !== undefined && input.version !== finding.version)
        throw conflict('item_changed', `The finding changed since you opened it (now version ${finding.version}, ${finding.state}): reload it`);
      return personStep(trx, caller, finding, input, services.now());
    });
  } catch (error) {
    if (error instanceof AppError && error.kind !== 'not_found' && error.kind !== 'unauthorized') await auditRefusal(services, caller, known, input, error);
    throw error;
  }
}

async function auditRefusal(services: Services, caller: Caller, f: Finding, input: FindingStepInput, error: AppError) {
  await services.db.transaction().execute((trx) =>
    recordAudit(
      trx,
      caller,
      {
        action: `findings.${f.workflow}.refused`,
        subjectType: 'finding',
        subjectId: f.id,
        changes: { event: String(input.event).slice(0, 40), refusal: error.id },
        reason: clean(input.reason)?.slice(0, 500) ?? null,
      },
      services.now(),
    ),
  );
}

async function personStep(trx: Db, caller: Caller, f: Finding, input: FindingStepInput, now: Date): Promise<Finding> {
  const actor = stepActorOf(caller.actor);
  const reason = clean(input.reason);
  switch (`${f.workflow}.${input.event}`) {
    case 'investigation.confirm':
      return confirmInvestigation(trx, caller, f, input, reason!, now);
    case 'investigation.dismiss':
      return applyFindingStep(
        trx,
        caller,
        f,
        'dismiss',
        actor,
        now,
        {},
        { note: reason, details: { decision: { kind: 'dismissed', reason, at: now.toISOString() } } },
      );
    case 'key_target.visit': {
      const d = f.details as { visits?: unknown[] };
      const visit = {
        visited: clean(input.visited),
        at: parseInstantOrDay(input.visitedAt!, false)!.toISOString(),
        said: clean(input.said),
        by: actorName(caller),
        recordedAt: now.toISOString(),
      };
      if (new Date(visit.at).getTime() > now.getTime() + 60_000)
        invalidFields([{ field: '/body/visitedAt', message: 'is in the future: a visit is recorded after it took place' }]);
      return applyFindingStep(
        trx,
        caller,
        f,
        'visit',
        actor,
        now,
        {},
        { note: `${visit.visited}：${visit.said}`, details: { visits: [...(d.visits ?? []), visit] } },
      );
    }
    case 'key_target.set_measures': {
      const dueAt = parseInstantOrDay(input.dueAt!)!;
      const d = f.details as { measureRounds?: unknown[] };
      const round = {
        rootCause: clean(input.rootCause),
        measures: clean(input.measures),
        dueAt: dueAt.toISOString(),
        by: actorName(caller),
        at: now.toISOString(),
      };
      return applyFindingStep(
        trx,
        caller,
        f,
        'set_measures',
        actor,
        now,
        { dueAt },
        {
          note: round.measures,
          patch: { due_at: dueAt, overdue_at: null },
          details: { rootCause: round.rootCause, measures: round.measures, measureRounds: [...(d.measureRounds ?? []), round] },
          audit: { dueAt: [f.due_at?.toISOString() ?? null, dueAt.toISOString()] },
        },
      );
    }
    case 'key_target.close':
      return applyFindingStep(
        trx,
        caller,
        f,
        'close',
        actor,
        now,
        {},
        { note: reason, details: { closing: { reason, at: now.toISOString(), onTime: !f.due_at || now < f.due_at } } },
      );
    case 'replacement.plan': {
      const d = f.details as { plans?: unknown[] };
      return applyFindingStep(
        trx,
        caller,
        f,
        'plan',
        actor,
        now,
        {},
        { note: reason, details: { plans: [...(d.plans ?? []), { plan: reason, by: actorName(caller), at: now.toISOString() }] } },
      );
    }
  }
  throw new AppError('transition_not_allowed', 'conflict', `A ${f.workflow} finding that is ${f.state} cannot take "${input.event}"`);
}

/**
 * R10: a confirmed investigation voids the ratings chosen (by default every
 * flagged rating that still counts) through the score ledger, and records a
 * violation against the agency or a staff member, in the transaction of
 * the step. Scores move when the ledger is folded, as for any exclusion.
 */
async function confirmInvestigation(trx: Db, caller: Caller, f: Finding, input: FindingStepInput, reason: string, now: Date): Promise<Finding> {
  if (caller.actor.type !== 'user') throw new AppError('forbidden', 'forbidden', 'A person confirms an investigation');
  const flagged = await repo.flaggedRatings(trx, f.id);
  const counting = flagged.filter((r) => !r.voided_at && !r.revoked_at);
  const chosen = input.ratingIds?.length ? input.ratingIds : counting.map((r) => r.id);
  const problems: FieldProblem[] = [];
  chosen.forEach((id, i) => {
    if (!flagged.some((r) => r.id === id)) problems.push({ field: `/body/ratingIds/${i}`, message: `rating ${id} is not flagged by this investigation` });
  });
  const against = input.against ?? 'agency';
  const agencyCode = f.agency_code ?? counting.find((r) => r.agency_code)?.agency_code ?? null;
  let staffId: number | null = null;
  if (against === 'staff') {
    staffId = input.staffId ?? f.staff_id ?? counting.find((r) => r.staff_id)?.staff_id ?? null;
    if (!staffId) problems.push({ field: '/body/staffId', message: 'name the staff member the violation is recorded against' });
  }
  if (!agencyCode) problems.push({ field: '/body/against', message: 'this investigation has no agency to record a violation against' });
  invalidFields(problems);
  const agency = (await repo.placeOfAgency(trx, agencyCode!))!;
  if (staffId !== null) {
    const staff = await trx.selectFrom('staff').select(['id', 'agency_code']).where('id', '=', staffId).executeTakeFirst();
    if (!staff || staff.agency_code !== agencyCode)
      invalidFields([{ field: '/body/staffId', message: `staff member ${staffId} is not of the agency ${agencyCode}` }]);
  }
  let voided = 0;
  for (const id of [...new Set(chosen)].sort((a, b) => a - b)) {
    const current = await scores.lockRating(trx, id);
    if (current && !current.voided_at && !current.revoked_at) {
      await scores.excludeRating(trx, id, 'voided', `R10 刷好评（调查 #${f.id}）：${reason}`.slice(0, 500), now);
      voided++;
    }
  }
  const violation = await repo.insertViolation(trx, {
    finding_id: f.id,
    agency_code: agency.code,
    staff_id: staffId,
    business_line_code: agency.business_line_code,
    region_code: agency.region_code,
    region_path: agency.path,
    recorded_at: now,
    ratings_voided: voided,
    summary: reason,
    recorded_by: caller.actor.id,
  });
  return applyFindingStep(
    trx,
    caller,
    f,
    'confirm',
    stepActorOf(caller.actor),
    now,
    {},
    {
      note: reason,
      details: { decision: { kind: 'confirmed', reason, at: now.toISOString(), against, staffId, agencyCode: agency.code, voided, violationId: violation.id } },
      audit: { voided, against, staffId, agency: agency.code, violation: violation.id },
    },
  );
}

// ——— queues and pages ———

export interface FindingQueueQuery {
  workflow: FindingWorkflowName;
  state?: string;
  status?: 'open' | 'overdue' | 'closed' | 'all';
  queue?: 'own' | 'below' | 'all';
  region?: string;
  agency?: string;
}

export async function listFindingQueue(services: Services, caller: Caller, q: FindingQueueQuery, page: { page: number; pageSize: number }) {
  requireAccess(caller.actor, readAction(q.workflow));
  const scope = readScope(caller.actor);
  const problems: FieldProblem[] = [];
  if (q.state && !FINDING_WORKFLOWS[q.workflow].states.includes(q.state as never))
    problems.push({ field: '/querystring/state', message: `must be one of ${FINDING_WORKFLOWS[q.workflow].states.join(', ')}` });
  let regionPath: string | undefined;
  if (q.region) {
    const region = await services.db.selectFrom('region').select('path').where('code', '=', q.region).executeTakeFirst();
    if (!region) problems.push({ field: '/querystring/region', message: `no region has the code ${q.region}` });
    regionPath = region?.path;
  }
  invalidFields(problems);
  const now = services.now();
  const callerRegion = scope.kind === 'region' ? scope.regionCode : null;
  const { items, total } = await repo.listFindings(
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
    },
    now,
    callerRegion,
    page,
  );
  return {
    items: items.map((i) => ({ ...presentFinding(i, now), names: { agency: i.agency_name, region: i.region_name, staff: i.staff_name } })),
    total,
    page: page.page,
    pageSize: page.pageSize,
  };
}

/** A finding as every answer shows it. */
export function presentFinding(f: Finding, now: Date) {
  const open = !f.closed_at;
  return {
    id: f.id,
    workflow: f.workflow as FindingWorkflowName,
    state: f.state,
    version: f.version,
    subject: { type: f.subject_type, key: f.subject_key, name: f.subject_name },
    periodStart: f.period_start,
    periodEnd: f.period_end,
    regionCode: f.region_code,
    agencyCode: f.agency_code,
    businessLineCode: f.business_line_code,
    staffId: f.staff_id,
    score: f.score,
    openedAt: f.opened_at.toISOString(),
    dueAt: f.due_at?.toISOString() ?? null,
    closedAt: f.closed_at?.toISOString() ?? null,
    overdue: open && !!f.due_at && f.due_at.getTime() <= now.getTime(),
    overdueAt: f.overdue_at?.toISOString() ?? null,
    escalatedTo: f.escalated_to,
    details: f.details,
  };
}

/**
 * One finding with what its page shows: for an investigation, the signals
 * (explanation and evidence), the flagged ratings with their suspicion (no
 * rater identity, R9), the timeline and the peer comparison; the history of
 * every step; and the steps the reader may take.
 */
export async function getFinding(services: Services, caller: Caller, id: number) {
  requireAccess(caller.actor, 'supervision.read');
  const scope = readScope(caller.actor);
  const f = await repo.findFinding(services.db, id, scope);
  if (!f) throw notFoundInScope('finding');
  requireRead(caller.actor, f);
  const now = services.now();
  const db = services.db;
  const [history, names] = await Promise.all([repo.transitionsOfFinding(db, f.id), namesOf(db, f)]);
  const party = partyOf(caller.actor);
  const allowedSteps = party
    ? eventsFrom(findingMachineOf(f.workflow), f.state, party).filter((e) => {
        const spec = STEPS[`${f.workflow}.${e}`];
        if (!spec) return false;
        try {
          requireAccess(caller.actor, spec.action, placeOf(f));
          return true;
        } catch {
          return false;
        }
      })
    : [];
  const investigation = f.workflow === 'investigation' ? await investigationEvidence(db, f) : null;
  return {
    ...presentFinding(f, now),
    names,
    allowedSteps,
    history: history.map((h) => ({
      at: h.at.toISOString(),
      event: h.event,
      from: h.from_state,
      to: h.to_state,
      actor: h.actor_type === 'system' ? '系统' : h.actor_name,
      note: h.note,
    })),
    investigation,
  };
}

async function namesOf(db: Db, f: Finding) {
  const [agency, region, staff, escalatedTo] = await Promise.all([
    f.agency_code ? db.selectFrom('agency').select('name').where('code', '=', f.agency_code).executeTakeFirst() : undefined,
    db.selectFrom('region').select('name').where('code', '=', f.region_code).executeTakeFirst(),
    f.staff_id ? db.selectFrom('staff').select('name').where('id', '=', f.staff_id).executeTakeFirst() : undefined,
    f.escalated_to ? db.selectFrom('region').select('name').where('code', '=', f.escalated_to).executeTakeFirst() : undefined,
  ]);
  return { agency: agency?.name ?? null, region: region?.name ?? null, staff: staff?.name ?? null, escalatedTo: escalatedTo?.name ?? null };
}

async function investigationEvidence(db: Db, f: Finding) {
  const [signals, ratings] = await Promise.all([repo.signalsOfFinding(db, f.id), repo.flaggedRatings(db, f.id)]);
  const windowId = f.subject_type === 'window' ? Number(f.subject_key) : (signals.find((s) => s.window_id)?.window_id ?? null);
  return {
    signals: signals.map((s) => ({
      id: s.id,
      kind: s.kind as SignalKind,
      kindName: SIGNAL_KINDS[s.kind as SignalKind] ?? s.kind,
      weight: s.weight,
      firstAt: s.first_at.toISOString(),
      lastAt: s.last_at.toISOString(),
      explanation: s.explanation,
      evidence: s.evidence,
      detectedAt: s.detected_at.toISOString(),
    })),
    ratings: ratings.map((r) => ({
      id: r.id,
      level: r.level as Level,
      levelName: LEVELS[r.level as Level]?.zh ?? r.level,
      givenAt: r.given_at.toISOString(),
      occurredAt: r.occurred_at.toISOString(),
      channel: r.channel,
      caseNumber: r.case_number,
      windowId: r.window_id,
      staffId: r.staff_id,
      counts: !r.voided_at && !r.revoked_at,
      kinds: r.kinds,
      suspicion: Math.round(Number(r.suspicion) * 1000) / 1000,
    })),
    peers: windowId ? await peerComparison(db, windowId, f.opened_at) : [],
  };
}

/**
 * R10: a window's active very-satisfied share by China month, beside its
 * peers' (the other windows of agencies of the same business line at the
 * same region level), for the six months up to `at`.
 */
async function peerComparison(db: Db, windowId: number, at: Date) {
  const place = await db
    .selectFrom('service_window as w')
    .innerJoin('agency as a', 'a.code', 'w.agency_code')
    .innerJoin('region as g', 'g.code', 'a.region_code')
    .select(['a.business_line_code', 'g.level'])
    .where('w.id', '=', windowId)
    .executeTakeFirst();
  if (!place) return [];
  const from = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - 5, 1) - 8 * 3_600_000);
  const rows = await db
    .selectFrom('rating as r')
    .innerJoin('occasion as o', 'o.id', 'r.occasion_id')
    .innerJoin('agency as a', 'a.code', 'o.agency_code')
    .innerJoin('region as g', 'g.code', 'a.region_code')
    .where('r.is_default', '=', false)
    .where('r.given_at', '>=', from)
    .where('r.given_at', '<', new Date(at.getTime() + 86_400_000))
    .where('a.business_line_code', '=', place.business_line_code)
    .where('g.level', '=', place.level)
    .select([
      sql<string>`to_char(r.given_at at time zone 'Asia/Shanghai', 'YYYY-MM')`.as('month'),
      sql<number>`count(*) filter (where o.window_id = ${windowId})::int`.as('active'),
      sql<number>`count(*) filter (where o.window_id = ${windowId} and r.level = 'very_satisfied')::int`.as('very'),
      sql<number>`count(*) filter (where o.window_id is distinct from ${windowId})::int`.as('peer_active'),
      sql<number>`count(*) filter (where o.window_id is distinct from ${windowId} and r.level = 'very_satisfied')::int`.as('peer_very'),
    ])
    .groupBy(sql`1`)
    .orderBy(sql`1`)
    .execute();
  return rows.map((r) => ({
    month: r.month,
    active: r.active,
    share: r.active ? r.very / r.active : null,
    peerActive: r.peer_active,
    peerShare: r.peer_active ? r.peer_very / r.peer_active : null,
  }));
}

/** Counts per workflow within the caller's scope (the dashboard): investigations only for those who may read them. */
export async function findingsSummary(services: Services, caller: Caller) {
  requireAccess(caller.actor, 'supervision.read');
  const scope = readScope(caller.actor);
  const rows = await repo.countFindings(services.db, scope, services.now());
  const investigations = allowed(caller.actor, 'investigations.read');
  const counts = (w: FindingWorkflowName) => {
    const r = rows.find((x) => x.workflow === w);
    return { open: r?.open ?? 0, overdue: r?.overdue ?? 0, closed: r?.closed ?? 0 };
  };
  return {
    investigation: investigations ? counts('investigation') : null,
    key_target: counts('key_target'),
    replacement: counts('replacement'),
  };
}
