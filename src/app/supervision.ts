// The supervision loop (issue 13): R6 text review, R12 verification and
// rectification with feedback to the rater, R11 revocation under a
// two-person rule, and appeals. Every step goes the same way, in one
// transaction: lock the rating (so that steps on its items are taken one
// after another), lock the item, ask the workflow's table (`next`), write
// the new state, the transition and its audit event, then what the step
// causes: the next workflow's item, the rating voided or revoked through
// the score ledger, other items cancelled, the rater told through the outbox.
import type { Kysely } from 'kysely';
import { readScope, requireAccess, notFoundInScope, type Action, type Actor } from '../domain/access.ts';
import { AppError, conflict, invalidFields, notFound, type FieldProblem } from '../domain/errors.ts';
import { feedbackText, type FeedbackKind } from '../domain/feedback.ts';
import { ratingLink } from '../domain/invitations.ts';
import { isNegative, type Level } from '../domain/ratings.ts';
import { parseInstantOrDay } from '../domain/calendar.ts';
import { machineOf, type WorkflowName } from '../domain/workflows/index.ts';
import { next, refusalError, type Party, type StepActor } from '../domain/workflows/machine.ts';
import { GRADES, type Grade } from '../domain/workflows/rectification.ts';
import { REJECTION_CATEGORIES } from '../domain/workflows/review.ts';
import { OBJECTIVE_CAUSES } from '../domain/workflows/verification.ts';
import type { DB } from '../storage/schema.ts';
import * as scores from '../storage/scores.ts';
import * as sup from '../storage/supervision.ts';
import { recordAudit } from './audit.ts';
import { signInvitation } from './cases.ts';
import type { Caller, Services } from './context.ts';
import { enqueueSms } from './outbox.ts';
import { deadlineUnder, policyAt, policyById, type PolicyInForce } from './policy.ts';

type Db = Kysely<DB>;
type Rating = NonNullable<Awaited<ReturnType<typeof sup.ratingForSupervision>>>;
type Item = sup.ItemRow;

/** A step as a person asks for it: the event and what it needs. */
export interface StepInput {
  event: string;
  /** The item's version the page showed: if it changed since, the step is refused (409 item_changed). */
  version?: number;
  /** review reject (with category), revocation reject and withdraw, rectification extend, appeal decisions; a note otherwise. */
  reason?: string;
  category?: string;
  /** verification: what was found */
  findings?: string;
  /** verification find_objective: the objective cause (R11) */
  cause?: string;
  /** verification find_unfounded: what the rater is told */
  explanation?: string;
  /** rectification complete: the measures taken (told to the rater) */
  measures?: string;
  /** rectification extend: the new deadline (an instant, or a day meaning 24:00 China time of it) */
  newDueAt?: string;
}

const TEXT_MAX = 2000;

/** What each person's step needs, by workflow and event; and the action (R2) it takes. */
const STEPS: Record<string, { action: Action; required: (keyof StepInput)[] }> = {
  'review.approve': { action: 'supervision.decide', required: [] },
  'review.reject': { action: 'supervision.decide', required: ['category', 'reason'] },
  'verification.confirm': { action: 'supervision.decide', required: ['findings'] },
  'verification.find_objective': { action: 'supervision.decide', required: ['findings', 'cause'] },
  'verification.find_unfounded': { action: 'supervision.decide', required: ['findings', 'explanation'] },
  'revocation.approve': { action: 'supervision.decide', required: [] },
  'revocation.reject': { action: 'supervision.decide', required: ['reason'] },
  'revocation.withdraw': { action: 'supervision.decide', required: ['reason'] },
  'rectification.extend': { action: 'supervision.decide', required: ['reason', 'newDueAt'] },
  'rectification.complete': { action: 'supervision.rectify', required: ['measures'] },
  'appeal.uphold': { action: 'supervision.decide', required: ['reason'] },
  'appeal.dismiss': { action: 'supervision.decide', required: ['reason'] },
};

/** The steps a person may take on an item of `workflow` (what a page offers, before guards). */
export const personSteps = (workflow: string) =>
  Object.entries(STEPS)
    .filter(([k]) => k.startsWith(`${workflow}.`))
    .map(([k, v]) => ({ event: k.slice(workflow.length + 1), action: v.action }));

/** R2: the party a person acts as: a supervisory department, or the rated agency. */
export function partyOf(actor: Actor): Party | null {
  if (actor.type === 'system') return 'system';
  if (actor.type !== 'user') return null;
  return actor.role === 'supervisor' ? 'supervisor' : actor.role === 'agency_manager' ? 'agency' : null;
}

/** Where a person stands for "the same or a higher scope" (R11): a supervisor's region path. */
const scopePathOf = (actor: Actor) => (actor.type === 'user' && actor.scope.kind === 'region' ? actor.scope.path : undefined);

const stepActorOf = (actor: Actor): StepActor => ({
  party: partyOf(actor) ?? 'supervisor',
  userId: actor.type === 'user' ? actor.id : undefined,
  scopePath: scopePathOf(actor),
});

export const placeOf = (item: Pick<Item, 'region_path' | 'agency_code' | 'business_line_code' | 'staff_id'>) => ({
  regionPath: item.region_path,
  agencyCode: item.agency_code,
  businessLineCode: item.business_line_code,
  staffId: item.staff_id,
});

/** A step's consequences are taken by the loop itself, on behalf of the request that caused them. */
const loop = (caller: Caller, name = 'supervision loop'): Caller => ({
  actor: { type: 'system', name },
  requestId: caller.requestId,
  sourceIp: caller.sourceIp,
});

const actorName = (caller: Caller) =>
  caller.actor.type === 'user' ? caller.actor.name || caller.actor.username : caller.actor.type === 'system' ? caller.actor.name : '评价人';

// ——— the engine ———

interface Change {
  patch?: sup.ItemPatch;
  details?: Record<string, unknown>;
  note?: string | null;
  /** Facts for the audit event besides the state change. */
  audit?: Record<string, unknown>;
}

/** What the workflows' guards read of an item. */
export function factsOf(item: Item) {
  const d = item.details as Record<string, unknown>;
  return {
    dueAt: item.due_at ?? new Date(8.64e15),
    startedBy: item.started_by,
    overdue: !!item.overdue_at,
    escalated: !!item.escalated_at,
    grade: (d.grade as Grade | undefined) ?? null,
    reopened: d.reopened === true,
    reopenUntil: typeof d.reopenUntil === 'string' ? new Date(d.reopenUntil) : null,
    appealUntil: typeof d.appealUntil === 'string' ? new Date(d.appealUntil) : new Date(0),
    proposerScopePath: typeof d.proposerScopePath === 'string' ? d.proposerScopePath : null,
  };
}

/** Takes one step on a locked item: the table decides; the state, transition and audit event are written. */
async function applyStep(
  trx: Db,
  caller: Caller,
  item: Item,
  event: string,
  actor: StepActor,
  now: Date,
  input: Record<string, unknown>,
  change: Change = {},
): Promise<Item> {
  const machine = machineOf(item.workflow as WorkflowName);
  const step = next(machine, item.state, event, actor, now, factsOf(item), input);
  if (!step.ok) throw refusalError(step.refusal);
  const final = machine.final.includes(step.to);
  const details = { ...(item.details as Record<string, unknown>), ...change.details };
  const updated = await sup.updateItem(trx, item.id, { state: step.to, closed_at: final ? now : null, ...change.patch, details }, now);
  await sup.insertTransition(trx, {
    item_id: item.id,
    at: now,
    event,
    from_state: item.state,
    to_state: step.to,
    actor_type: actor.party === 'rater' ? 'rater' : actor.party === 'system' ? 'system' : 'user',
    actor_id: actor.userId ?? null,
    actor_name: actorName(caller),
    note: change.note ?? null,
    details: change.details ?? null,
  });
  await recordAudit(
    trx,
    caller,
    {
      action: `supervision.${item.workflow}.${event}`,
      subjectType: 'supervision_item',
      subjectId: item.id,
      changes: { state: [item.state, step.to], rating: item.rating_id, ...change.audit },
      reason: change.note ?? null,
    },
    now,
  );
  return updated;
}

/** Creates an item of `workflow` by its table's first step (from none). */
async function createItem(
  trx: Db,
  caller: Caller,
  rating: Rating,
  workflow: WorkflowName,
  event: string,
  actor: StepActor,
  now: Date,
  fields: {
    policyVersionId: number;
    dueAt?: Date | null;
    startedBy?: number | null;
    incidentId?: number | null;
    details?: Record<string, unknown>;
    note?: string | null;
  },
  facts: Record<string, unknown> = {},
): Promise<Item> {
  const machine = machineOf(workflow);
  const step = next(machine, 'none', event, actor, now, facts, {});
  if (!step.ok) throw refusalError(step.refusal);
  const p = rating.place;
  const item = await sup.insertItem(trx, {
    workflow,
    rating_id: rating.id,
    state: step.to,
    region_code: p.regionCode,
    region_path: p.regionPath,
    agency_code: p.agencyCode,
    business_line_code: p.businessLineCode,
    staff_id: rating.staff_id,
    policy_version_id: fields.policyVersionId,
    opened_at: now,
    due_at: fields.dueAt ?? null,
    started_by: fields.startedBy ?? null,
    incident_id: fields.incidentId ?? null,
    details: fields.details ?? {},
    updated_at: now,
  });
  await sup.insertTransition(trx, {
    item_id: item.id,
    at: now,
    event,
    from_state: 'none',
    to_state: step.to,
    actor_type: actor.party === 'system' ? 'system' : 'user',
    actor_id: actor.userId ?? null,
    actor_name: actorName(caller),
    note: fields.note ?? null,
    details: fields.details ?? null,
  });
  await recordAudit(
    trx,
    caller,
    {
      action: `supervision.${workflow}.${event}`,
      subjectType: 'supervision_item',
      subjectId: item.id,
      changes: { state: ['none', step.to], rating: rating.id, dueAt: item.due_at?.toISOString() ?? null },
      reason: fields.note ?? null,
    },
    now,
  );
  return item;
}

async function loadRating(trx: Db, ratingId: number): Promise<Rating> {
  const rating = await sup.ratingForSupervision(trx, ratingId);
  if (!rating) throw notFound('rating_not_found', `No rating has the id ${ratingId}`);
  return rating;
}

// ——— opening the loop ———

/**
 * R6, R12: a negative rating enters the loop as it is given, in the
 * transaction that stores it: text review when the rater ticked tags or
 * wrote text, verification at once otherwise. Defaults never do (they are
 * very satisfied, R6).
 */
export async function openSupervision(trx: Db, caller: Caller, ratingId: number, now: Date): Promise<void> {
  const rating = await loadRating(trx, ratingId);
  if (rating.is_default || !isNegative(rating.level as Level)) return;
  const policy = await policyAt(trx, rating.given_at);
  const system: StepActor = { party: 'system' };
  if (rating.tags.length || rating.comment) {
    // The rating is never refused for the loop's sake: a review whose
    // deadline needs a year the holiday calendar lacks opens without one,
    // saying why, and the deadline job sets it once the year is added.
    const due = await reviewDeadline(trx, policy, rating.given_at);
    await createItem(trx, loop(caller), rating, 'review', 'submit', system, now, {
      policyVersionId: policy.id,
      dueAt: due.at,
      details: due.problem ? { deadlineProblem: due.problem } : {},
    });
  } else {
    await openVerification(trx, caller, rating, now);
  }
}

async function reviewDeadline(trx: Db, policy: PolicyInForce, givenAt: Date): Promise<{ at: Date | null; problem?: string }> {
  try {
    return { at: await deadlineUnder(trx, policy, 'reviewDays', givenAt) };
  } catch (error) {
    if (error instanceof AppError && error.id === 'calendar_year_missing') return { at: null, problem: error.message };
    throw error;
  }
}

/**
 * R12: verification opens once review is through (or at once). The agency
 * is notified then, and its days to appeal run from then.
 */
async function openVerification(trx: Db, caller: Caller, rating: Rating, now: Date) {
  const policy = await policyAt(trx, now);
  await createItem(trx, loop(caller), rating, 'verification', 'open', { party: 'system' }, now, {
    policyVersionId: policy.id,
    details: { notifiedAt: now.toISOString() },
  });
}

const itemOf = async (trx: Db, ratingId: number, workflow: WorkflowName) =>
  (await sup.itemsOfRating(trx, ratingId)).filter((i) => i.workflow === workflow).at(-1);

/** Locks the item again (after the rating) and returns it. */
const relock = async (trx: Db, item: Item | undefined) => (item ? sup.lockItem(trx, item.id) : undefined);

// ——— consequences ———

/** R6, R11, appeals: the rating stops counting (the ledger's exclusion), and its other open items close. */
async function excludeAndClose(trx: Db, caller: Caller, rating: Rating, cause: scores.ExclusionCause, reason: string, except: number, now: Date) {
  const current = await scores.lockRating(trx, rating.id);
  if (current && !current.voided_at && !current.revoked_at) await scores.excludeRating(trx, rating.id, cause, reason.slice(0, 500), now);
  for (const other of await sup.lockOpenItemsOfRating(trx, rating.id, except)) {
    const event = other.workflow === 'verification' && other.state === 'objective' && cause === 'revoked' ? 'revoke' : 'cancel';
    await applyStep(trx, loop(caller), other, event, { party: 'system' }, now, {}, { note: reason.slice(0, 200) });
  }
}

/** Tells the rater through the outbox (SMS), with the link of their rating's page when they rated with one. */
async function tellRater(trx: Db, services: Services, rating: Rating, kind: FeedbackKind, text: string, now: Date): Promise<boolean> {
  const cipher = await sup.raterPhoneCipher(trx, rating.occasion_id);
  if (!cipher) return false;
  const facts = await sup.caseFacts(trx, rating.occasion_id);
  const what = facts?.matter_name ?? facts?.package_name ?? '政务服务';
  const nonce = rating.token_id?.split(':')[1];
  const link = nonce
    ? ratingLink(
        services.outbox.publicUrl,
        signInvitation(
          services.protector,
          { id: rating.occasion_id, case_id: rating.case_id, package_id: rating.package_id, staff_id: rating.staff_id, deadline: rating.deadline },
          nonce,
        ),
      )
    : '';
  const body = `${feedbackText(kind, { what, text })}${link ? ` 详情：${link}` : ''}`;
  await enqueueSms(trx, services.protector, { topic: 'feedback', occasionId: rating.occasion_id, to: services.protector.decrypt(cipher), body }, now);
  return true;
}

const feedback = (kind: FeedbackKind, text: string, at: Date) => ({ feedback: { kind, text, at: at.toISOString() } });

// ——— a person's step ———

function checkInput(workflow: string, input: StepInput): { action: Action; problems: FieldProblem[] } {
  const key = `${workflow}.${input.event}`;
  const spec = STEPS[key];
  const problems: FieldProblem[] = [];
  if (!spec) {
    const offered = personSteps(workflow).map((s) => s.event);
    problems.push({ field: '/body/event', message: `must be one of ${offered.join(', ')} for a ${workflow} item` });
    return { action: 'supervision.decide', problems };
  }
  for (const field of spec.required) {
    const value = input[field];
    if (typeof value !== 'string' || !value.trim()) problems.push({ field: `/body/${field}`, message: 'is required for this step' });
  }
  for (const field of ['reason', 'findings', 'explanation', 'measures'] as const) {
    if ((input[field]?.length ?? 0) > TEXT_MAX) problems.push({ field: `/body/${field}`, message: `must be at most ${TEXT_MAX} characters` });
  }
  if (key === 'review.reject' && input.category && !Object.hasOwn(REJECTION_CATEGORIES, input.category))
    problems.push({ field: '/body/category', message: `must be one of ${Object.keys(REJECTION_CATEGORIES).join(', ')}` });
  if (key === 'verification.find_objective' && input.cause && !Object.hasOwn(OBJECTIVE_CAUSES, input.cause))
    problems.push({ field: '/body/cause', message: `must be one of ${Object.keys(OBJECTIVE_CAUSES).join(', ')}` });
  if (key === 'rectification.extend' && input.newDueAt && !parseDue(input.newDueAt))
    problems.push({ field: '/body/newDueAt', message: 'must be an instant (ISO 8601) or a day (YYYY-MM-DD, meaning 24:00 China time of it)' });
  return { action: spec.action, problems };
}

/** An instant, or a China day meaning its 24:00. */
const parseDue = (value: string) => parseInstantOrDay(value);

const clean = (s: string | undefined) => s?.trim() || null;

/**
 * A person's step on an item (issue 13): 404 outside the caller's scope,
 * 403 when their role may not take it, 400 when what it needs is missing,
 * 409 transition_not_allowed (naming the state) or item_changed, 403
 * same_person for a revocation decided by its proposer. Nothing changes on
 * a refusal; a refused step on a revocation is audited.
 */
export async function stepItem(services: Services, caller: Caller, itemId: number, input: StepInput) {
  requireAccess(caller.actor, 'supervision.read');
  readScope(caller.actor);
  const known = await sup.findItem(services.db, itemId, { kind: 'all' });
  if (!known) throw notFoundInScope('supervision item');
  try {
    // Outside the scope, the item does not exist for the caller (404); a refused revocation step is audited all the same.
    requireAccess(caller.actor, 'supervision.read', placeOf(known), { what: 'supervision item' });
    const { action, problems } = checkInput(known.workflow, input);
    requireAccess(caller.actor, action, placeOf(known));
    invalidFields(problems);
    return await services.db.transaction().execute(async (trx) => {
      await scores.lockRating(trx, known.rating_id);
      const item = (await sup.lockItem(trx, itemId))!;
      if (input.version !== undefined && input.version !== item.version)
        throw conflict('item_changed', `The item changed since you opened it (now version ${item.version}, ${item.state}): reload it`);
      const now = services.now();
      const rating = await loadRating(trx, item.rating_id);
      const updated = await personStep(trx, services, caller, item, rating, input, now);
      return updated;
    });
  } catch (error) {
    if (known.workflow === 'revocation' && error instanceof AppError) await auditRefusal(services, caller, known, input, error);
    throw error;
  }
}

async function auditRefusal(services: Services, caller: Caller, item: Item, input: StepInput, error: AppError) {
  await services.db.transaction().execute((trx) =>
    recordAudit(
      trx,
      caller,
      {
        action: 'supervision.revocation.refused',
        subjectType: 'supervision_item',
        subjectId: item.id,
        changes: { event: String(input.event).slice(0, 40), refusal: error.id, rating: item.rating_id },
        reason: clean(input.reason)?.slice(0, 500) ?? null,
      },
      services.now(),
    ),
  );
}

async function personStep(trx: Db, services: Services, caller: Caller, item: Item, rating: Rating, input: StepInput, now: Date): Promise<Item> {
  const actor = stepActorOf(caller.actor);
  const key = `${item.workflow}.${input.event}`;
  const reason = clean(input.reason);
  switch (key) {
    case 'review.approve': {
      const done = await applyStep(trx, caller, item, 'approve', actor, now, {}, { note: reason });
      await openVerification(trx, caller, rating, now);
      return done;
    }
    case 'review.reject': {
      const category = input.category as keyof typeof REJECTION_CATEGORIES;
      const text = `${REJECTION_CATEGORIES[category]}：${reason}`;
      const done = await applyStep(
        trx,
        caller,
        item,
        'reject',
        actor,
        now,
        {},
        {
          note: reason,
          details: { category, ...feedback('review_rejected', text, now) },
          audit: { category },
        },
      );
      await excludeAndClose(trx, caller, rating, 'voided', `R6 审核不通过（${text}）`, item.id, now);
      await tellRater(trx, services, rating, 'review_rejected', REJECTION_CATEGORIES[category], now);
      return done;
    }
    case 'verification.confirm': {
      const done = await applyStep(trx, caller, item, 'confirm', actor, now, {}, { note: clean(input.findings), details: { findings: clean(input.findings) } });
      const policy = await policyAt(trx, now);
      await createItem(trx, loop(caller), rating, 'rectification', 'open', { party: 'system' }, now, {
        policyVersionId: policy.id,
        dueAt: await deadlineUnder(trx, policy, 'rectifyDays', now),
      });
      return done;
    }
    case 'verification.find_objective':
      return findObjective(trx, caller, item, rating, { cause: input.cause!, findings: clean(input.findings)! }, now, null);
    case 'verification.find_unfounded': {
      const explanation = clean(input.explanation)!;
      const done = await applyStep(
        trx,
        caller,
        item,
        'find_unfounded',
        actor,
        now,
        {},
        {
          note: clean(input.findings),
          details: { findings: clean(input.findings), ...feedback('unfounded', explanation, now) },
        },
      );
      await tellRater(trx, services, rating, 'unfounded', explanation, now);
      return done;
    }
    case 'revocation.approve': {
      const d = item.details as { cause?: string; findings?: string };
      const cause = OBJECTIVE_CAUSES[(d.cause as keyof typeof OBJECTIVE_CAUSES) ?? 'other'] ?? d.cause ?? '';
      const done = await applyStep(
        trx,
        caller,
        item,
        'approve',
        actor,
        now,
        {},
        {
          note: reason,
          details: feedback('revoked', cause, now),
          audit: { proposedBy: item.started_by },
        },
      );
      await excludeAndClose(trx, caller, rating, 'revoked', `R11 撤销（${cause}）：${d.findings ?? ''}`, item.id, now);
      await tellRater(trx, services, rating, 'revoked', cause, now);
      return done;
    }
    case 'revocation.reject':
    case 'revocation.withdraw': {
      const done = await applyStep(trx, caller, item, input.event, actor, now, {}, { note: reason });
      const v = await relock(trx, await itemOf(trx, rating.id, 'verification'));
      if (v?.state === 'objective') await applyStep(trx, loop(caller), v, 'reconsider', { party: 'system' }, now, {}, { note: reason });
      return done;
    }
    case 'rectification.extend': {
      const newDue = parseDue(input.newDueAt!)!;
      const d = item.details as { extensions?: unknown[] };
      return applyStep(
        trx,
        caller,
        item,
        'extend',
        actor,
        now,
        { newDueAt: newDue },
        {
          note: reason,
          patch: { due_at: newDue, overdue_at: null, escalated_at: null, escalated_to: null },
          details: {
            extensions: [...(d.extensions ?? []), { reason, from: item.due_at?.toISOString() ?? null, to: newDue.toISOString(), at: now.toISOString() }],
          },
          audit: { dueAt: [item.due_at?.toISOString() ?? null, newDue.toISOString()] },
        },
      );
    }
    case 'rectification.complete': {
      const measures = clean(input.measures)!;
      const policy = await policyById(trx, item.policy_version_id);
      const reopenUntil = await deadlineUnder(trx, policy, 'reopenDays', now);
      const onTime = !!item.due_at && now.getTime() < item.due_at.getTime();
      const d = item.details as { rounds?: unknown[] };
      const done = await applyStep(
        trx,
        caller,
        item,
        'complete',
        actor,
        now,
        {},
        {
          note: measures,
          details: {
            measures,
            completedAt: now.toISOString(),
            onTime,
            reopenUntil: reopenUntil.toISOString(),
            grade: null,
            rounds: [...(d.rounds ?? []), { measures, completedAt: now.toISOString(), dueAt: item.due_at?.toISOString() ?? null, onTime }],
            ...feedback('rectified', measures, now),
          },
          audit: { onTime },
        },
      );
      await tellRater(trx, services, rating, 'rectified', measures, now);
      return done;
    }
    case 'appeal.uphold': {
      const done = await applyStep(trx, caller, item, 'uphold', actor, now, {}, { note: reason, details: feedback('appeal_upheld', reason!, now) });
      await excludeAndClose(trx, caller, rating, 'voided', `申诉复核成立：${reason}`, item.id, now);
      await tellRater(trx, services, rating, 'appeal_upheld', reason!, now);
      return done;
    }
    case 'appeal.dismiss':
      return applyStep(trx, caller, item, 'dismiss', actor, now, {}, { note: reason, details: { decision: reason } });
  }
  throw new AppError('transition_not_allowed', 'conflict', `A ${item.workflow} item that is ${item.state} cannot take "${input.event}"`);
}

/**
 * R11: an objective cause found in verification proposes a revocation, by
 * the person who found it, to be decided by a second one.
 */
async function findObjective(
  trx: Db,
  caller: Caller,
  verification: Item,
  rating: Rating,
  found: { cause: string; findings: string },
  now: Date,
  incidentId: number | null,
): Promise<Item> {
  const actor = stepActorOf(caller.actor);
  const done = await applyStep(
    trx,
    caller,
    verification,
    'find_objective',
    actor,
    now,
    {},
    {
      note: found.findings,
      details: { findings: found.findings, cause: found.cause },
      audit: { cause: found.cause },
    },
  );
  await proposeRevocation(trx, caller, rating, found, now, incidentId);
  return done;
}

async function proposeRevocation(trx: Db, caller: Caller, rating: Rating, found: { cause: string; findings: string }, now: Date, incidentId: number | null) {
  const policy = await policyAt(trx, now);
  return createItem(trx, caller, rating, 'revocation', 'propose', stepActorOf(caller.actor), now, {
    policyVersionId: policy.id,
    startedBy: caller.actor.type === 'user' ? caller.actor.id : null,
    incidentId,
    details: { cause: found.cause, findings: found.findings, proposerScopePath: scopePathOf(caller.actor) ?? null },
    note: found.findings,
  });
}

/**
 * R11 and IT incidents: proposes revoking one rating for an objective cause,
 * whatever the state of its verification: a pending one is found objective
 * with it; a rating still in review, or verified already, gets the proposal
 * alone. Returns false when there is nothing to propose (excluded already,
 * or a proposal is open).
 */
export async function proposeForRating(
  trx: Db,
  caller: Caller,
  ratingId: number,
  found: { cause: string; findings: string },
  now: Date,
  incidentId: number | null,
) {
  await scores.lockRating(trx, ratingId);
  const rating = await loadRating(trx, ratingId);
  if (rating.voided_at || rating.revoked_at || !isNegative(rating.level as Level)) return false;
  const items = await sup.itemsOfRating(trx, ratingId);
  if (items.some((i) => i.workflow === 'revocation' && i.state === 'proposed')) return false;
  const v = await relock(trx, items.filter((i) => i.workflow === 'verification').at(-1));
  if (v?.state === 'pending') await findObjective(trx, caller, v, rating, found, now, incidentId);
  else await proposeRevocation(trx, caller, rating, found, now, incidentId);
  return true;
}

// ——— appeals ———

/**
 * 申诉复核: the rated agency appeals a negative rating once, with its
 * reasons, within appealDays (5 working days) of being notified, that is of
 * the rating reaching verification.
 */
export async function fileAppeal(services: Services, caller: Caller, ratingId: number, input: { reason?: string }) {
  requireAccess(caller.actor, 'supervision.appeal');
  const reason = clean(input.reason);
  invalidFields(!reason || reason.length > TEXT_MAX ? [{ field: '/body/reason', message: `is required, at most ${TEXT_MAX} characters` }] : []);
  return services.db.transaction().execute(async (trx) => {
    const locked = await scores.lockRating(trx, ratingId);
    const rating = locked ? await sup.ratingForSupervision(trx, ratingId) : undefined;
    if (!rating) throw notFoundInScope('rating');
    requireAccess(caller.actor, 'supervision.appeal', {
      regionPath: rating.place.regionPath,
      agencyCode: rating.place.agencyCode,
      businessLineCode: rating.place.businessLineCode,
      staffId: rating.staff_id,
    });
    const now = services.now();
    const items = await sup.itemsOfRating(trx, ratingId);
    if (items.some((i) => i.workflow === 'appeal')) throw conflict('already_appealed', 'This rating has been appealed already; an appeal is made once');
    if (rating.voided_at || rating.revoked_at) throw conflict('rating_already_excluded', 'The rating no longer counts; there is nothing to appeal');
    const verification = items.find((i) => i.workflow === 'verification');
    if (!verification)
      throw conflict(
        'not_notified',
        isNegative(rating.level as Level)
          ? 'The rating is still in text review; the agency is notified when it reaches verification'
          : 'Only negative ratings are appealed',
      );
    return createItem(
      trx,
      caller,
      rating,
      'appeal',
      'file',
      stepActorOf(caller.actor),
      now,
      { policyVersionId: verification.policy_version_id, startedBy: caller.actor.type === 'user' ? caller.actor.id : null, details: { reason }, note: reason },
      { appealUntil: await deadlineUnder(trx, await policyById(trx, verification.policy_version_id), 'appealDays', verification.opened_at) },
    );
  });
}

// ——— the rater (with the rating link) ———

/** The rater grades a fix or reopens it (R12), with the link they rated with. */
export async function raterStep(services: Services, caller: Caller, ratingId: number, step: { event: 'grade'; grade: string } | { event: 'reopen' }) {
  if (step.event === 'grade' && !Object.hasOwn(GRADES, step.grade))
    invalidFields([{ field: '/body/grade', message: `must be one of ${Object.keys(GRADES).join(', ')}` }]);
  return services.db.transaction().execute(async (trx) => {
    await scores.lockRating(trx, ratingId);
    const item = await relock(trx, await itemOf(trx, ratingId, 'rectification'));
    if (!item) throw conflict('no_rectification', 'There is no rectification of this rating to grade or reopen');
    const now = services.now();
    const rater: StepActor = { party: 'rater' };
    if (step.event === 'grade') {
      return applyStep(
        trx,
        caller,
        item,
        'grade',
        rater,
        now,
        { grade: step.grade },
        { details: { grade: step.grade, gradedAt: now.toISOString() }, audit: { grade: step.grade } },
      );
    }
    const policy = await policyById(trx, item.policy_version_id);
    const due = await deadlineUnder(trx, policy, 'rectifyDays', now);
    return applyStep(
      trx,
      caller,
      item,
      'reopen',
      rater,
      now,
      {},
      {
        patch: { due_at: due, overdue_at: null, escalated_at: null, escalated_to: null },
        details: { reopened: true, reopenedAt: now.toISOString(), grade: null, feedback: null, completedAt: null, onTime: null, reopenUntil: null },
        audit: { dueAt: due.toISOString() },
      },
    );
  });
}

// ——— the deadlines (the supervision-deadlines job) ———

export interface DeadlineRun {
  deemed: number;
  flagged: number;
  escalated: number;
  closed: number;
}

/**
 * As of `now`: R6 reviews not decided in time are deemed approved (and go to
 * verification); R12 rectifications past their deadline are flagged overdue
 * and escalated to the department one level up; fixes whose days to reopen
 * are over are closed. One item per transaction; an item another process
 * took first is skipped (the table refuses the step again).
 */
export async function runDeadlines(services: Services, now: Date, batch = 500): Promise<DeadlineRun> {
  const caller = { actor: { type: 'system', name: 'supervision-deadlines' } } as Caller;
  const result: DeadlineRun = { deemed: 0, flagged: 0, escalated: 0, closed: 0 };
  const each = async (ids: number[], event: string, count: keyof DeadlineRun) => {
    for (const id of ids) {
      const took = await services.db.transaction().execute(async (trx) => {
        const first = await sup.findItem(trx, id, { kind: 'all' });
        if (!first) return false;
        await scores.lockRating(trx, first.rating_id);
        const item = (await sup.lockItem(trx, id))!;
        const step = next(machineOf(item.workflow as WorkflowName), item.state, event, { party: 'system' }, now, factsOf(item), {});
        if (!step.ok) return false;
        const change: Change = {};
        if (event === 'flag_overdue') change.patch = { overdue_at: now };
        if (event === 'escalate') {
          const parent = await sup.parentRegion(trx, item.region_code);
          change.patch = { escalated_at: now, escalated_to: parent };
          change.audit = { escalatedTo: parent };
        }
        await applyStep(trx, caller, item, event, { party: 'system' }, now, {}, change);
        if (event === 'deem') await openVerification(trx, caller, await loadRating(trx, item.rating_id), now);
        return true;
      });
      if (took) result[count]++;
    }
  };
  for (const item of await sup.reviewsWithoutDeadline(services.db, batch)) {
    await services.db.transaction().execute(async (trx) => {
      const locked = await sup.lockItem(trx, item.id);
      if (!locked || locked.due_at || locked.closed_at) return;
      const rating = await loadRating(trx, locked.rating_id);
      const due = await reviewDeadline(trx, await policyById(trx, locked.policy_version_id), rating.given_at);
      if (due.at) await sup.setDeadline(trx, locked.id, due.at, now);
    });
  }
  await each(await sup.dueItemIds(services.db, 'review', ['pending'], now, batch), 'deem', 'deemed');
  await each(await sup.dueItemIds(services.db, 'rectification', ['open'], now, batch, 'not_overdue'), 'flag_overdue', 'flagged');
  await each(await sup.dueItemIds(services.db, 'rectification', ['open'], now, batch, 'not_escalated'), 'escalate', 'escalated');
  await each(await sup.reopenPeriodsOver(services.db, now, batch), 'close', 'closed');
  return result;
}

/**
 * Bulk loads (the demo) store ratings without their use case: this opens the
 * loop for the negative ones given since `since` that have no item yet, one
 * transaction each, as `now`. Returns how many were opened.
 */
export async function openSupervisionForLoaded(services: Services, since: Date, now: Date, limit = 500): Promise<number> {
  const ids = await sup.negativeRatingsWithoutItems(services.db, since, limit);
  const caller: Caller = { actor: { type: 'system', name: 'demo' } };
  for (const id of ids) await services.db.transaction().execute((trx) => openSupervision(trx, caller, id, now));
  return ids.length;
}
