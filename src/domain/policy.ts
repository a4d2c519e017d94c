// The numbers of the rules. Those that provinces set differently (deadlines,
// the default level, the thresholds of R11) are versioned data since issue 13:
// one row per version in policy_version, each effective from a China day,
// edited by admins (docs/policy.md). PolicyNumbers below is their shape and
// DEFAULT_POLICY_NUMBERS the Guangxi defaults, the first version. What stays
// here, in POLICY, is what no province changes.
import { AppError, type FieldProblem } from './errors.ts';
import { isNegative, LEVELS, type Level } from './ratings.ts';
import type { DayCount } from './calendar.ts';

export const POLICY = {
  /** All deadlines are reckoned in China Standard Time. */
  timeZone: 'Asia/Shanghai',
  utcOffsetHours: 8,
  /** Business systems' clocks may run this far ahead: such an instant is still "now". */
  clockSkewMs: 5 * 60_000,
  /**
   * R13, R14: an entry with fewer counted ratings than this is listed in a
   * ranking but not ranked (the rules are silent; docs/decisions.md).
   */
  rankingMinCount: 10,
} as const;

export type Policy = typeof POLICY;

/** The deadlines of the policy, each a count of natural or working days. */
export type DeadlineKey = 'ratingDays' | 'reviewDays' | 'rectifyDays' | 'reopenDays' | 'appealDays';
export const DEADLINE_KEYS: readonly DeadlineKey[] = ['ratingDays', 'reviewDays', 'rectifyDays', 'reopenDays', 'appealDays'];

/** The versioned numbers (docs/policy.md says what each one governs). */
export interface PolicyNumbers {
  /** R6: an occasion not rated within this many days gets a default rating. */
  ratingDays: DayCount;
  /** R6: the default rating's level. */
  defaultLevel: Level;
  /** R6: a negative rating's text is reviewed within this many days, else deemed approved. */
  reviewDays: DayCount;
  /** R12: a confirmed negative rating is rectified within this many days. */
  rectifyDays: DayCount;
  /** A rater may reopen a closed item within this many days of the feedback. */
  reopenDays: DayCount;
  /** 申诉复核 (national rules): an agency appeals a rating within this many days. */
  appealDays: DayCount;
  /** R11: key targets (重点测评对象) — at least minCount ratings below "basically satisfied" in a period, and at least minShare of the counted ones. */
  keyTargets: { minShare: number; minCount: number };
  /** R11: staff ranked among the bottom N for M consecutive periods (months) are flagged for replacement. */
  replacement: { bottomN: number; periods: number };
}

/** The Guangxi defaults (桂数发〔2019〕21号; the thresholds of R11 are the project's, docs/policy.md): version 1. */
export const DEFAULT_POLICY_NUMBERS: PolicyNumbers = {
  ratingDays: { days: 7, unit: 'natural' },
  defaultLevel: 'very_satisfied',
  reviewDays: { days: 15, unit: 'natural' },
  rectifyDays: { days: 15, unit: 'natural' },
  reopenDays: { days: 7, unit: 'natural' },
  appealDays: { days: 5, unit: 'working' },
  keyTargets: { minShare: 0.05, minCount: 3 },
  replacement: { bottomN: 3, periods: 3 },
};

/** The limits of each number, shared by the API's schema and the checks below. */
export const POLICY_LIMITS = {
  days: { min: 1, max: 365 },
  minShare: { min: 0.001, max: 1 },
  minCount: { min: 1, max: 100_000 },
  bottomN: { min: 1, max: 1000 },
  periods: { min: 1, max: 24 },
} as const;

/** R6: a default rating is a good one: the levels it may take (a negative default would put every unrated occasion under review, R6, R12). */
export const DEFAULT_LEVELS: readonly Level[] = (Object.keys(LEVELS) as Level[]).filter((l) => !isNegative(l));

const isInt = (n: unknown, limits: { min: number; max: number }) => Number.isInteger(n) && (n as number) >= limits.min && (n as number) <= limits.max;

/** What is wrong with a set of numbers (every problem, with its field), for a new version. */
export function policyNumberProblems(numbers: PolicyNumbers, base = '/body/numbers'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const range = (limits: { min: number; max: number }) => `must be a whole number from ${limits.min} to ${limits.max}`;
  for (const key of DEADLINE_KEYS) {
    const count = numbers[key];
    if (!isInt(count?.days, POLICY_LIMITS.days)) problems.push({ field: `${base}/${key}/days`, message: range(POLICY_LIMITS.days) });
    if (count?.unit !== 'natural' && count?.unit !== 'working') problems.push({ field: `${base}/${key}/unit`, message: 'must be natural or working' });
  }
  if (!DEFAULT_LEVELS.includes(numbers.defaultLevel))
    problems.push({ field: `${base}/defaultLevel`, message: `must be one of ${DEFAULT_LEVELS.join(', ')} (a default rating is never negative)` });
  const share = numbers.keyTargets?.minShare;
  if (typeof share !== 'number' || !(share >= POLICY_LIMITS.minShare.min && share <= POLICY_LIMITS.minShare.max))
    problems.push({ field: `${base}/keyTargets/minShare`, message: `must be a share from ${POLICY_LIMITS.minShare.min} to 1` });
  if (!isInt(numbers.keyTargets?.minCount, POLICY_LIMITS.minCount))
    problems.push({ field: `${base}/keyTargets/minCount`, message: range(POLICY_LIMITS.minCount) });
  if (!isInt(numbers.replacement?.bottomN, POLICY_LIMITS.bottomN))
    problems.push({ field: `${base}/replacement/bottomN`, message: range(POLICY_LIMITS.bottomN) });
  if (!isInt(numbers.replacement?.periods, POLICY_LIMITS.periods))
    problems.push({ field: `${base}/replacement/periods`, message: range(POLICY_LIMITS.periods) });
  return problems;
}

/**
 * A new version takes effect today or later (China days), never before:
 * what was reckoned under the versions in force on past days stays as it was.
 */
export function checkEffectiveFrom(effectiveFrom: string, today: string, field = '/body/effectiveFrom'): void {
  if (effectiveFrom < today)
    throw new AppError('policy_effective_in_past', 'invalid', `A new policy version cannot take effect before today (${today}): ${effectiveFrom} is past`, [
      { field, message: `is before today (${today})` },
    ]);
}

/**
 * The version in force on China day `day`: the one with the greatest
 * effectiveFrom on or before it, ties to the higher id (the later one).
 * A day before every version is under the first (there was none before it).
 */
export function versionOn<T extends { id: number; effectiveFrom: string }>(versions: readonly T[], day: string): T | undefined {
  let best: T | undefined;
  let first: T | undefined;
  for (const v of versions) {
    if (!first || v.effectiveFrom < first.effectiveFrom || (v.effectiveFrom === first.effectiveFrom && v.id < first.id)) first = v;
    if (v.effectiveFrom > day) continue;
    if (!best || v.effectiveFrom > best.effectiveFrom || (v.effectiveFrom === best.effectiveFrom && v.id > best.id)) best = v;
  }
  return best ?? first;
}

/** The numbers as flat fields for the audit log: { ratingDays: '7 natural', 'keyTargets.minShare': 0.05, … }. */
export function numbersForAudit(numbers: PolicyNumbers): Record<string, string | number> {
  const flat: Record<string, string | number> = {};
  for (const key of DEADLINE_KEYS) flat[key] = `${numbers[key].days} ${numbers[key].unit}`;
  flat.defaultLevel = numbers.defaultLevel;
  flat['keyTargets.minShare'] = numbers.keyTargets.minShare;
  flat['keyTargets.minCount'] = numbers.keyTargets.minCount;
  flat['replacement.bottomN'] = numbers.replacement.bottomN;
  flat['replacement.periods'] = numbers.replacement.periods;
  return flat;
}
