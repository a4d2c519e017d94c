// R12: a confirmed negative rating is rectified (整改) within 15 natural days
// (the policy's rectifyDays); where that is impossible, the reason and a new
// deadline are recorded. When done, the measures go back to the rater (SMS
// and the rating link's page), who may grade the fix and, if not satisfied,
// reopen it once within 7 days (reopenDays). Overdue items are flagged and
// escalated to the department one level up by the supervision-deadlines job.
import { escalateGuard, flagOverdueGuard, refuse, type Machine } from './machine.ts';

export const RECTIFICATION_STATES = ['open', 'done', 'closed', 'cancelled'] as const;
export type RectificationState = (typeof RECTIFICATION_STATES)[number];
export const RECTIFICATION_EVENTS = ['open', 'extend', 'complete', 'flag_overdue', 'escalate', 'grade', 'reopen', 'close', 'cancel'] as const;
export type RectificationEvent = (typeof RECTIFICATION_EVENTS)[number];

/** How the rater grades the fix. */
export const GRADES = { satisfied: '满意', basically_satisfied: '基本满意', not_satisfied: '不满意' } as const;
export type Grade = keyof typeof GRADES;

/** R12 is silent on how far a deadline may move: at most this many natural days past the deadline in force (docs/decisions.md). */
export const EXTENSION_MAX_DAYS = 90;

export interface RectificationFacts {
  dueAt: Date;
  overdue: boolean;
  escalated: boolean;
  /** The rater's grade of the latest fix, if given. */
  grade: Grade | null;
  reopened: boolean;
  /** Until when the rater may reopen the latest fix (null while open). */
  reopenUntil: Date | null;
}

export interface RectificationInput {
  grade?: Grade;
  newDueAt?: Date;
}

const notGraded = (f: RectificationFacts) => (f.grade ? refuse('already_graded', 'conflict', 'This fix has been graded already') : null);
const reopenOver = (f: RectificationFacts, now: Date) => !!f.reopenUntil && now.getTime() >= f.reopenUntil.getTime();

export const rectification: Machine<RectificationState, RectificationEvent, RectificationFacts, RectificationInput> = {
  workflow: 'rectification',
  states: RECTIFICATION_STATES,
  events: RECTIFICATION_EVENTS,
  final: ['closed', 'cancelled'],
  transitions: [
    { from: 'none', event: 'open', to: 'open', by: ['system'] },
    {
      from: 'open',
      event: 'extend',
      to: 'open',
      by: ['supervisor'],
      // R12: asked for while the deadline runs ("where that is impossible, the reason and a new deadline"), not to undo lateness.
      guard: (f, _a, now, i) =>
        now.getTime() >= f.dueAt.getTime()
          ? refuse('extension_too_late', 'conflict', 'The rectification is overdue: a deadline is extended before it passes (R12)')
          : !i.newDueAt || i.newDueAt.getTime() <= f.dueAt.getTime()
            ? refuse('deadline_not_later', 'invalid', 'The new deadline must be later than the current one (R12)')
            : i.newDueAt.getTime() > f.dueAt.getTime() + EXTENSION_MAX_DAYS * 86_400_000
              ? refuse('extension_too_long', 'invalid', `A deadline is extended by at most ${EXTENSION_MAX_DAYS} days`)
              : null,
    },
    { from: 'open', event: 'complete', to: 'done', by: ['agency', 'supervisor'] },
    {
      from: 'open',
      event: 'flag_overdue',
      to: 'open',
      by: ['system'],
      guard: flagOverdueGuard('The rectification is not due yet'),
    },
    {
      from: 'open',
      event: 'escalate',
      to: 'open',
      by: ['system'],
      guard: escalateGuard('Only an overdue rectification is escalated'),
    },
    // The rater grades the fix: satisfied or basically satisfied closes it…
    {
      from: 'done',
      event: 'grade',
      to: 'closed',
      by: ['rater'],
      guard: (f, a, now, i) =>
        notGraded(f) ?? (i.grade === 'not_satisfied' ? refuse('transition_not_allowed', 'conflict', 'not satisfied keeps it open') : null),
    },
    // …not satisfied keeps it open to be reopened once.
    { from: 'done', event: 'grade', to: 'done', by: ['rater'], guard: (f) => notGraded(f) },
    {
      from: 'done',
      event: 'reopen',
      to: 'open',
      by: ['rater'],
      guard: (f, _a, now) =>
        f.grade !== 'not_satisfied'
          ? refuse('not_graded_unsatisfied', 'conflict', 'A fix is reopened only after grading it not satisfied')
          : f.reopened
            ? refuse('already_reopened', 'conflict', 'A rectification is reopened once only')
            : reopenOver(f, now)
              ? refuse('reopen_period_over', 'conflict', 'The 7 days to reopen are over')
              : null,
    },
    // The days to reopen are over (or there is nothing left to reopen).
    {
      from: 'done',
      event: 'close',
      to: 'closed',
      by: ['system'],
      guard: (f, _a, now) => (reopenOver(f, now) ? null : refuse('deadline_not_reached', 'conflict', 'The rater may still reopen it')),
    },
    { from: 'open', event: 'cancel', to: 'cancelled', by: ['system'] },
    { from: 'done', event: 'cancel', to: 'cancelled', by: ['system'] },
  ],
};
