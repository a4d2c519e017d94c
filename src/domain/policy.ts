// The numbers of the rules. Those that provinces set differently (deadlines,
// the default level, the thresholds of R11) are versioned data since issue 13:
// one row per version in policy_version, each effective from a China day,
// edited by admins (docs/policy.md). PolicyNumbers below is their shape and
// DEFAULT_POLICY_NUMBERS the Guangxi defaults, the first version. What stays
// here, in POLICY, is what no province changes.
import { AppError, type FieldProblem } from './errors.ts';
import { isNegative, LEVELS, type Level } from './ratings.ts';
import type { DayCount } from './calendar.ts';
import { DEFAULT_DETECTION, type DetectionThresholds } from './detection/types.ts';

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
  /**
   * R11: staff ranked among the bottom N of their ranking group for M consecutive periods (months) after they were a key target
   * are flagged for replacement, to be dealt with by their agency within deadlineDays. A ranking group is the agency, or, where it
   * has fewer than minGroupStaff ranked staff, the business line at the agency's region level (issue 14).
   */
  replacement: { bottomN: number; periods: number; deadlineDays: number; minGroupStaff: number };
  /** R10: the thresholds of the signals of faked good ratings (issue 14; src/domain/detection/types.ts says what each means). */
  detection: DetectionThresholds;
}

/** Numbers as a page or client sends them: what later issues added may be left out (completeNumbers fills it). */
export type PolicyNumbersInput = Omit<PolicyNumbers, 'replacement' | 'detection'> & {
  replacement: Pick<PolicyNumbers['replacement'], 'bottomN' | 'periods'> & Partial<PolicyNumbers['replacement']>;
  detection?: { [K in keyof DetectionThresholds]?: Partial<DetectionThresholds[K]> };
};

/** The Guangxi defaults (桂数发〔2019〕21号; the thresholds of R11 are the project's, docs/policy.md): version 1. */
export const DEFAULT_POLICY_NUMBERS: PolicyNumbers = {
  ratingDays: { days: 7, unit: 'natural' },
  defaultLevel: 'very_satisfied',
  reviewDays: { days: 15, unit: 'natural' },
  rectifyDays: { days: 15, unit: 'natural' },
  reopenDays: { days: 7, unit: 'natural' },
  appealDays: { days: 5, unit: 'working' },
  keyTargets: { minShare: 0.05, minCount: 3 },
  replacement: { bottomN: 3, periods: 3, deadlineDays: 30, minGroupStaff: 5 },
  detection: DEFAULT_DETECTION,
};

/**
 * A version's numbers with what later issues added filled in: a version
 * stored before issue 14 has no detection thresholds and no replacement
 * deadline; it reads with those of `base` (the defaults, or the version a
 * new one follows), field by field.
 */
export function completeNumbers(raw: unknown, base: PolicyNumbers = DEFAULT_POLICY_NUMBERS): PolicyNumbers {
  const n = (raw ?? {}) as Partial<PolicyNumbers> & { replacement?: Partial<PolicyNumbers['replacement']>; detection?: Partial<DetectionThresholds> };
  const detection = {} as Record<string, unknown>;
  for (const key of Object.keys(base.detection) as (keyof DetectionThresholds)[])
    detection[key] = { ...base.detection[key], ...(n.detection?.[key] as object | undefined) };
  return {
    ...(n as PolicyNumbers),
    replacement: { ...base.replacement, ...n.replacement } as PolicyNumbers['replacement'],
    detection: detection as unknown as DetectionThresholds,
  };
}

/** The limits of each number, shared by the API's schema and the checks below. */
export const POLICY_LIMITS = {
  days: { min: 1, max: 365 },
  minShare: { min: 0.001, max: 1 },
  minCount: { min: 1, max: 100_000 },
  bottomN: { min: 1, max: 1000 },
  periods: { min: 1, max: 24 },
  deadlineDays: { min: 1, max: 365 },
  minGroupStaff: { min: 1, max: 1000 },
  /** Detection: counts of ratings or submissions, and spans of time. */
  count: { min: 1, max: 100_000 },
  span: { min: 1, max: 100_000 },
  alpha: { min: 1e-12, max: 0.5 },
  lift: { min: 0, max: 0.99 },
} as const;

/** R6: a default rating is a good one: the levels it may take (a negative default would put every unrated occasion under review, R6, R12). */
export const DEFAULT_LEVELS: readonly Level[] = (Object.keys(LEVELS) as Level[]).filter((l) => !isNegative(l));

const range = (limits: { min: number; max: number }) => `must be a whole number from ${limits.min} to ${limits.max}`;

const isInt = (n: unknown, limits: { min: number; max: number }) => Number.isInteger(n) && (n as number) >= limits.min && (n as number) <= limits.max;

/** What is wrong with a set of numbers (every problem, with its field), for a new version. */
export function policyNumberProblems(numbers: PolicyNumbers, base = '/body/numbers'): FieldProblem[] {
  const problems: FieldProblem[] = [];
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
  if (!isInt(numbers.replacement?.deadlineDays, POLICY_LIMITS.deadlineDays))
    problems.push({ field: `${base}/replacement/deadlineDays`, message: range(POLICY_LIMITS.deadlineDays) });
  if (!isInt(numbers.replacement?.minGroupStaff, POLICY_LIMITS.minGroupStaff))
    problems.push({ field: `${base}/replacement/minGroupStaff`, message: range(POLICY_LIMITS.minGroupStaff) });
  problems.push(...detectionProblems(numbers.detection, `${base}/detection`));
  return problems;
}

/** What each detection threshold may be: counts and spans whole numbers, alpha a small probability, a lift a share. */
const DETECTION_FIELDS: Record<string, keyof typeof POLICY_LIMITS> = {
  count: 'count',
  hours: 'span',
  minutes: 'span',
  marginMinutes: 'span',
  caseSeconds: 'span',
  rateSeconds: 'span',
  days: 'span',
  minRatings: 'count',
  alpha: 'alpha',
  minLift: 'lift',
};

function detectionProblems(detection: DetectionThresholds | undefined, base: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [signal, defaults] of Object.entries(DEFAULT_DETECTION)) {
    const given = (detection as unknown as Record<string, Record<string, unknown>> | undefined)?.[signal];
    for (const field of Object.keys(defaults)) {
      const limits = POLICY_LIMITS[DETECTION_FIELDS[field]!];
      const v = given?.[field];
      const whole = DETECTION_FIELDS[field] === 'count' || DETECTION_FIELDS[field] === 'span';
      const ok = typeof v === 'number' && Number.isFinite(v) && v >= limits.min && v <= limits.max && (!whole || Number.isInteger(v));
      if (!ok)
        problems.push({
          field: `${base}/${signal}/${field}`,
          message: whole ? range(limits) : `must be a number from ${limits.min} to ${limits.max}`,
        });
    }
  }
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
  flat['replacement.deadlineDays'] = numbers.replacement.deadlineDays;
  flat['replacement.minGroupStaff'] = numbers.replacement.minGroupStaff;
  for (const [signal, fields] of Object.entries(numbers.detection))
    for (const [field, v] of Object.entries(fields)) flat[`detection.${signal}.${field}`] = v as number;
  return flat;
}
