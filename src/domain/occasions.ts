// R7, R8: the ratable moments of a case or a package, and R6: until when each
// can be rated.
import { DEFAULT_POLICY_NUMBERS, POLICY } from './policy.ts';

export type CaseKind = 'immediate' | 'promised';
export type OccasionKind = 'acceptance' | 'completion' | 'approval' | 'delivery' | 'composite';
export const OCCASION_KINDS: readonly OccasionKind[] = ['acceptance', 'completion', 'approval', 'delivery', 'composite'];

/**
 * R7: the occasions a case has once the given events happened.
 * An immediate case (即办件) is accepted and completed on the spot: one
 * occasion, at completion. A promised case (承诺件) has two: acceptance (受理)
 * and completion (办结).
 */
export function caseOccasions(kind: CaseKind, events: { accepted: boolean; completed: boolean }): OccasionKind[] {
  if (kind === 'immediate') return events.completed ? ['completion'] : [];
  return [...(events.accepted ? (['acceptance'] as const) : []), ...(events.completed ? (['completion'] as const) : [])];
}

export type PackageStage = 'acceptance' | 'approval' | 'delivery';
export const PACKAGE_STAGES: readonly PackageStage[] = ['acceptance', 'approval', 'delivery'];

/**
 * R8: a package ("一件事") is rated at each stage — acceptance (受理),
 * approval (审批), delivery (出件) — for the staff who handled it, and once as
 * a whole (composite), which opens at delivery and counts for every agency
 * and region involved, not for staff.
 */
export function packageOccasions(stagesDone: readonly PackageStage[]): OccasionKind[] {
  const done = PACKAGE_STAGES.filter((s) => stagesDone.includes(s));
  return [...done, ...(done.includes('delivery') ? (['composite'] as const) : [])];
}

/** R8: stages happen in order; returns the stage that may come next, or null. */
export function nextPackageStage(stagesDone: readonly PackageStage[]): PackageStage | null {
  return PACKAGE_STAGES.find((s) => !stagesDone.includes(s)) ?? null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The China-time calendar day of an instant, as 'YYYY-MM-DD'. */
export function chinaDay(at: Date, offsetHours: number = POLICY.utcOffsetHours): string {
  return new Date(at.getTime() + offsetHours * HOUR).toISOString().slice(0, 10);
}

/**
 * R6: an occasion on China-time day D may be rated until 24:00 of day D+N
 * (N = 7 natural days by default): the instant returned is the first one at
 * which it is no longer open, and the instant the default rating is timed
 * at. Occasions take N from the policy version in force (issue 13:
 * src/app/policy.ts deadlineUnder, which also counts working days).
 */
export function ratingDeadline(occurredAt: Date, days: number = DEFAULT_POLICY_NUMBERS.ratingDays.days, offsetHours: number = POLICY.utcOffsetHours): Date {
  const day = chinaDay(occurredAt, offsetHours);
  const midnightUtc = Date.parse(`${day}T00:00:00Z`);
  return new Date(midnightUtc + (days + 1) * DAY - offsetHours * HOUR);
}

export type OccasionState = 'not_open' | 'open' | 'closed';

/** R6, R7: an occasion can be rated from the moment it happened until its deadline (exclusive). */
export function occasionState(occurredAt: Date, deadline: Date, now: Date): OccasionState {
  if (now.getTime() < occurredAt.getTime()) return 'not_open';
  return now.getTime() < deadline.getTime() ? 'open' : 'closed';
}
