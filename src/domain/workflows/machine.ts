// The pattern every workflow of the supervision loop follows (issue 13): one
// transition table (state × event → state, who may take it, and a guard) and
// one pure `next` that returns the new state or a typed refusal. The use
// case (src/app/supervision.ts) locks the item, asks `next`, writes the new
// state, the transition and its audit event in one transaction, and carries
// out what the transition causes. `none` is the state before an item exists:
// the transition out of it creates the item.
import { AppError } from '../errors.ts';

/** Who takes a step: a supervisory department, the rated agency, the rater (with the rating link), or a job. */
export type Party = 'supervisor' | 'agency' | 'rater' | 'system';

export interface StepActor {
  party: Party;
  /** The person, for the two-person rule (absent for the rater and jobs). */
  userId?: number;
  /** The region path of a supervisor's scope ('' for the whole autonomous region's admin-like scopes), for "the same or a higher scope". */
  scopePath?: string;
}

export type RefusalId =
  | 'transition_not_allowed'
  | 'party_not_allowed'
  | 'same_person'
  | 'scope_below_proposer'
  | 'extension_too_late'
  | 'extension_too_long'
  | 'not_the_proposer'
  | 'deadline_not_reached'
  | 'deadline_passed'
  | 'already_flagged'
  | 'already_graded'
  | 'not_graded_unsatisfied'
  | 'already_reopened'
  | 'reopen_period_over'
  | 'already_appealed'
  | 'appeal_period_over'
  | 'deadline_not_later'
  | 'visit_missing';

export interface Refusal {
  id: RefusalId;
  kind: 'conflict' | 'forbidden' | 'invalid';
  message: string;
}

export const refuse = (id: RefusalId, kind: Refusal['kind'], message: string): Refusal => ({ id, kind, message });

export type Guard<F, I> = (facts: F, actor: StepActor, now: Date, input: I) => Refusal | null;

export interface Transition<S extends string, E extends string, F, I> {
  from: S | 'none';
  event: E;
  to: S;
  by: readonly Party[];
  guard?: Guard<F, I>;
}

export interface Machine<S extends string, E extends string, F, I> {
  workflow: string;
  states: readonly S[];
  events: readonly E[];
  /** States in which the item is closed (nothing more is expected of anyone). */
  final: readonly S[];
  transitions: readonly Transition<S, E, F, I>[];
}

export type Step<S extends string> = { ok: true; to: S } | { ok: false; refusal: Refusal };

/**
 * The state `event` leads to from `state`, taken by `actor` at `now`, or why
 * not. Where one (state, event) has several rows (a grade that closes or
 * keeps open), the first whose guard passes wins; if none passes, the first
 * refusal is given.
 */
export function next<S extends string, E extends string, F, I>(
  machine: Machine<S, E, F, I>,
  state: S | 'none',
  event: E,
  actor: StepActor,
  now: Date,
  facts: F,
  input: I,
): Step<S> {
  const rows = machine.transitions.filter((t) => t.from === state && t.event === event);
  if (!rows.length)
    return {
      ok: false,
      refusal: refuse(
        'transition_not_allowed',
        'conflict',
        state === 'none'
          ? `There is no ${machine.workflow} item to ${event} yet`
          : `${article(machine.workflow)} ${machine.workflow} item that is ${state} cannot take "${event}"`,
      ),
    };
  const mine = rows.filter((t) => t.by.includes(actor.party));
  if (!mine.length)
    return {
      ok: false,
      refusal: refuse('party_not_allowed', 'forbidden', `"${event}" on a ${machine.workflow} item is for ${rows[0]!.by.join(' or ')}, not ${actor.party}`),
    };
  let first: Refusal | null = null;
  for (const t of mine) {
    const refusal = t.guard?.(facts, actor, now, input) ?? null;
    if (!refusal) return { ok: true, to: t.to };
    first ??= refusal;
  }
  return { ok: false, refusal: first! };
}

const article = (word: string) => (/^[aeiou]/.test(word) ? 'An' : 'A');

const STATUS: Record<Refusal['kind'], 'conflict' | 'forbidden' | 'invalid'> = { conflict: 'conflict', forbidden: 'forbidden', invalid: 'invalid' };

/** A refusal as the typed error the API maps to 409, 403 or 400 (the state is named in the message). */
export const refusalError = (r: Refusal) => new AppError(r.id, STATUS[r.kind], r.message);

export const isFinal = <S extends string>(machine: Machine<S, string, unknown, unknown>, state: S) => machine.final.includes(state);

/** The events a party could take from a state, ignoring guards (what a page may offer). */
export function eventsFrom<S extends string, E extends string, F, I>(machine: Machine<S, E, F, I>, state: S | 'none', party: Party): E[] {
  return [...new Set(machine.transitions.filter((t) => t.from === state && t.by.includes(party)).map((t) => t.event))];
}

/** A deadline's overdue flag, by the job: once, and only when the deadline is reached. */
export const flagOverdueGuard =
  (notDue: string) =>
  (f: { overdue: boolean; dueAt: Date }, _a: StepActor, now: Date): Refusal | null =>
    f.overdue
      ? refuse('already_flagged', 'conflict', 'Already flagged overdue')
      : now.getTime() >= f.dueAt.getTime()
        ? null
        : refuse('deadline_not_reached', 'conflict', notDue);

/** An overdue item's escalation, by the job: once, and only once flagged overdue. */
export const escalateGuard =
  (notOverdue: string) =>
  (f: { overdue: boolean; escalated: boolean }): Refusal | null =>
    !f.overdue ? refuse('deadline_not_reached', 'conflict', notOverdue) : f.escalated ? refuse('already_flagged', 'conflict', 'Already escalated') : null;
