// R3, R8, R13, R14: how scores and rankings are computed. Pure functions over
// plain numbers; the sums come from storage/scores.ts, which keeps them per
// day, month and year and applies the same rules in SQL (the ranking order
// below is checked against the SQL in test/integration/scoresProperty.test.ts).
import { invalidFields, type FieldProblem } from './errors.ts';
import { POLICY } from './policy.ts';
import { LEVEL_NAMES, LEVELS, type Level } from './ratings.ts';

const DAY_MS = 86_400_000;

/** R3: the five dimensions scored (staff, agency, line, region, center), by their API names. */
export const DIMENSIONS = {
  staff: { zh: '窗口工作人员', stored: 'staff' },
  agencies: { zh: '政务服务机构', stored: 'agency' },
  'business-lines': { zh: '业务条线', stored: 'line' },
  regions: { zh: '地区', stored: 'region_tree' },
  centers: { zh: '政务服务中心', stored: 'center' },
} as const;
export type Dimension = keyof typeof DIMENSIONS;
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as Dimension[];

/** How a dimension's figures are kept in score_total. */
export type StoredDimension = 'staff' | 'agency' | 'line' | 'center' | 'region' | 'region_tree' | 'line_region';

/** The occasion a rating is of, as far as attribution goes (its R3 snapshot). */
export interface RatedOccasion {
  kind: string;
  staffId: number | null;
  agency: string | null;
  line: string | null;
  region: string | null;
  center: string | null;
  /** R8: a composite occasion's parties. */
  parties: { agency: string; region: string }[];
}

/**
 * R3, R8: what a rating counts for, as (stored dimension, key) pairs. A
 * rating of a staff member counts for them and for the agency, line, region
 * (with every region above it) and center of its snapshot; a composite
 * rating counts once for every agency and every region involved (and every
 * region above them, still once), not for staff, lines or centers. The SQL
 * view rating_attribution (migration 0004) says the same; the property test
 * holds them to it. `ancestors` gives a region and the regions above it.
 */
export function countsFor(o: RatedOccasion, ancestors: (region: string) => string[]): [StoredDimension, string][] {
  if (o.kind === 'composite') {
    const regions = [...new Set(o.parties.map((p) => p.region))];
    return [
      ...[...new Set(o.parties.map((p) => p.agency))].map((a): [StoredDimension, string] => ['agency', a]),
      ...regions.map((g): [StoredDimension, string] => ['region', g]),
      ...[...new Set(regions.flatMap(ancestors))].map((g): [StoredDimension, string] => ['region_tree', g]),
    ];
  }
  const out: [StoredDimension, string][] = [];
  if (o.staffId !== null) out.push(['staff', String(o.staffId)]);
  if (o.agency) out.push(['agency', o.agency]);
  if (o.line) out.push(['line', o.line]);
  if (o.line && o.region) out.push(['line_region', `${o.line}|${o.region}`]);
  if (o.center) out.push(['center', o.center]);
  if (o.region) out.push(['region', o.region], ...ancestors(o.region).map((g): [StoredDimension, string] => ['region_tree', g]));
  return out;
}

/** R3: a region's score covers its whole subtree; "this level only" is offered beside it. */
export type RegionScope = 'subtree' | 'level';

/**
 * R6: the China day a rating counts on: the day it was given; a default,
 * timed at 24:00 of D+7, counts on D+7 (the last day of its rating period).
 * The rating table computes the same (score_day, migration 0004).
 */
export function ratingDay(givenAt: Date, isDefault: boolean, offsetHours: number = POLICY.utcOffsetHours): string {
  return new Date(givenAt.getTime() + offsetHours * 3_600_000 - (isDefault ? 1 : 0)).toISOString().slice(0, 10);
}

// ——— periods ———

export interface DayRange {
  from: string; // 'YYYY-MM-DD', China-time days, inclusive
  to: string;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(s: string): boolean {
  if (!DAY_RE.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}

export const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const lastDayOfMonth = (y: number, m: number): string => new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10); // m is 1-based
const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A standard period — a year '2026', a quarter '2026-Q3' or a month
 * '2026-11' — as its range of China days. Null when it is none of these.
 */
export function periodRange(period: string): DayRange | null {
  let m = /^(\d{4})$/.exec(period);
  if (m) return { from: `${m[1]}-01-01`, to: `${m[1]}-12-31` };
  m = /^(\d{4})-Q([1-4])$/.exec(period);
  if (m) {
    const y = Number(m[1]);
    const q = Number(m[2]);
    return { from: `${y}-${pad(3 * q - 2)}-01`, to: lastDayOfMonth(y, 3 * q) };
  }
  m = /^(\d{4})-(\d{2})$/.exec(period);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return { from: `${m[1]}-${m[2]}-01`, to: lastDayOfMonth(Number(m[1]), Number(m[2])) };
  return null;
}

/** The longest range one query may ask for (ten years of days). */
export const MAX_RANGE_DAYS = 3660;

/** The years figures may be asked for: the platform's data starts in 2000; nothing lies beyond next year. */
export const FIRST_YEAR = 2000;

/** Reads `period`, or `from` and `to`, within the given years; every problem names its field. */
export function readRange(
  q: { period?: string; from?: string; to?: string },
  years: { first: number; last: number } = { first: FIRST_YEAR, last: 9999 },
): DayRange {
  const problems: FieldProblem[] = [];
  let range: DayRange | null = null;
  if (q.period !== undefined) {
    if (q.from !== undefined || q.to !== undefined) problems.push({ field: '/querystring/period', message: 'give a period, or from and to, not both' });
    range = periodRange(q.period);
    if (!range) problems.push({ field: '/querystring/period', message: 'must be a year (2026), a quarter (2026-Q3) or a month (2026-11)' });
  } else if (q.from === undefined || q.to === undefined) {
    problems.push({ field: '/querystring/period', message: 'give a period (2026, 2026-Q3, 2026-11), or from and to (China days, inclusive)' });
  } else {
    if (!isDay(q.from)) problems.push({ field: '/querystring/from', message: 'must be a day, YYYY-MM-DD' });
    if (!isDay(q.to)) problems.push({ field: '/querystring/to', message: 'must be a day, YYYY-MM-DD' });
    if (!problems.length) {
      if (q.from > q.to) problems.push({ field: '/querystring/to', message: 'must not be before from' });
      else if ((Date.parse(q.to) - Date.parse(q.from)) / DAY_MS >= MAX_RANGE_DAYS)
        problems.push({ field: '/querystring/to', message: `a range is at most ${MAX_RANGE_DAYS} days` });
      else range = { from: q.from, to: q.to };
    }
  }
  if (range && (Number(range.from.slice(0, 4)) < years.first || Number(range.to.slice(0, 4)) > years.last)) {
    problems.push({
      field: q.period !== undefined ? '/querystring/period' : '/querystring/from',
      message: `must lie within the years ${years.first} to ${years.last}`,
    });
  }
  invalidFields(problems);
  return range!;
}

export interface Segments {
  years: string[]; // first days of whole years
  months: string[]; // first days of whole months
  days: DayRange[]; // the rest, as runs of days
}

/**
 * The fewest stored periods that cover a range exactly: whole years, then
 * whole months, then single days. A year's ranking reads one row per entry;
 * any range reads at most 2 × (11 months + 30 days) + years rows per entry.
 */
export function periodSegments(range: DayRange): Segments {
  const out: Segments = { years: [], months: [], days: [] };
  let day = range.from;
  while (day <= range.to) {
    const [y, m, d] = day.split('-').map(Number) as [number, number, number];
    if (m === 1 && d === 1 && `${y}-12-31` <= range.to) {
      out.years.push(day);
      day = `${y + 1}-01-01`;
    } else if (d === 1 && lastDayOfMonth(y, m) <= range.to) {
      out.months.push(day);
      day = addDays(lastDayOfMonth(y, m), 1);
    } else {
      const last = out.days[out.days.length - 1];
      if (last && addDays(last.to, 1) === day) last.to = day;
      else out.days.push({ from: day, to: day });
      day = addDays(day, 1);
    }
  }
  return out;
}

// ——— one score ———

/** The sums kept per dimension, key and period; they add up over periods. */
export interface Totals {
  n: number;
  scoreSum: number;
  levels: Record<Level, number>;
  nDefault: number;
  activeSum: number;
}

export const emptyTotals = (): Totals => ({
  n: 0,
  scoreSum: 0,
  levels: Object.fromEntries(LEVEL_NAMES.map((l) => [l, 0])) as Record<Level, number>,
  nDefault: 0,
  activeSum: 0,
});

/** Adds one counted rating (sign +1) or takes one away (sign -1). */
export function addRating(t: Totals, level: Level, isDefault: boolean, sign: 1 | -1 = 1): Totals {
  const score = LEVELS[level].score;
  t.n += sign;
  t.scoreSum += sign * score;
  t.levels[level] += sign;
  if (isDefault) t.nDefault += sign;
  else t.activeSum += sign * score;
  return t;
}

export const Z95 = 1.959963984540054;

/**
 * A 95% confidence interval for a mean score on 0..10 from n ratings: the
 * Wilson score interval of mean/10. It never shrinks to a point for a few
 * ratings (5 ratings of 10 give 5.66..10, 5,000 with mean 9.9 give
 * 9.87..9.92), and it is conservative for any score bounded by 0 and 10, as
 * the variance of such a score cannot exceed that of a 0-or-10 one with the
 * same mean. The SQL ranking uses the same formula (storage/scores.ts).
 */
export function meanInterval(n: number, sum: number, max = 10, z = Z95): { low: number; high: number } | null {
  if (n <= 0) return null;
  const p = sum / (max * n);
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt(Math.max(0, (p * (1 - p)) / n + z2 / (4 * n * n)));
  const denominator = 1 + z2 / n;
  return { low: Math.max(0, ((centre - spread) / denominator) * max), high: Math.min(max, ((centre + spread) / denominator) * max) };
}

export const negativeCount = (t: Totals): number => t.levels.dissatisfied + t.levels.very_dissatisfied;

/** R3: a score as shown: a mean over ratings (never of means), with what it is made of. */
export function presentScore(t: Totals) {
  const active = t.n - t.nDefault;
  const negative = negativeCount(t);
  return {
    count: t.n,
    scoreSum: t.scoreSum,
    mean: t.n ? t.scoreSum / t.n : null,
    interval: meanInterval(t.n, t.scoreSum),
    levels: { ...t.levels },
    negative,
    negativeShare: t.n ? negative / t.n : null,
    defaults: t.nDefault,
    active: {
      count: active,
      rate: t.n ? active / t.n : null,
      scoreSum: t.activeSum,
      mean: active ? t.activeSum / active : null,
      interval: meanInterval(active, t.activeSum),
    },
  };
}

// ——— rankings ———

/**
 * What a ranking is ordered by: the mean (best first), the lower bound of its
 * 95% interval (best first: few ratings cannot top many on noise), the mean
 * of active ratings only, its lower bound, or the share of negative ratings
 * (fewest first).
 */
export const ORDERS = ['mean', 'lower_bound', 'active_mean', 'active_lower_bound', 'negative_share'] as const;
export type RankingOrder = (typeof ORDERS)[number];

/** The count the minimum-count rule applies to: active ratings for the active orders. */
export const rankedCount = (t: Totals, order: RankingOrder): number => (order === 'active_mean' || order === 'active_lower_bound' ? t.n - t.nDefault : t.n);

/** The value an entry is ranked by; larger is better. */
export function rankValue(t: Totals, order: RankingOrder): number {
  switch (order) {
    case 'mean':
      return t.scoreSum / t.n;
    case 'lower_bound':
      return meanInterval(t.n, t.scoreSum)!.low;
    case 'active_mean':
      return t.activeSum / (t.n - t.nDefault);
    case 'active_lower_bound':
      return meanInterval(t.n - t.nDefault, t.activeSum)!.low;
    case 'negative_share':
      return -negativeCount(t) / t.n;
  }
}

export interface RankInput {
  key: string;
  totals: Totals;
}

/**
 * R13, R14: competition ranking (1, 2, 2, 4) by the chosen order. Entries
 * with fewer than `minCount` ratings (active ones for the active orders) are
 * listed after the ranked ones, unranked. Within a tie, and among the
 * unranked, entries are listed by key. Fractions are compared exactly.
 */
export function rankEntries<T extends RankInput>(entries: readonly T[], order: RankingOrder, minCount: number): (T & { rank: number | null })[] {
  const exact = order === 'mean' || order === 'active_mean' || order === 'negative_share';
  const fraction = (t: Totals): [number, number] =>
    order === 'mean' ? [t.scoreSum, t.n] : order === 'active_mean' ? [t.activeSum, t.n - t.nDefault] : [-negativeCount(t), t.n];
  // a/b vs c/d with positive denominators, in integers: no rounding.
  const compare = (x: Totals, y: Totals): number => {
    if (exact) {
      const [a, b] = fraction(x);
      const [c, d] = fraction(y);
      return c * b - a * d;
    }
    return rankValue(y, order) - rankValue(x, order);
  };
  const eligible = (e: T) => rankedCount(e.totals, order) >= Math.max(1, minCount);
  const byKey = (a: T, b: T) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  const ranked = entries.filter(eligible).sort((a, b) => compare(a.totals, b.totals) || byKey(a, b));
  const out: (T & { rank: number | null })[] = [];
  ranked.forEach((e, i) => {
    const previous = out[i - 1];
    const tie = previous && compare(previous.totals, e.totals) === 0;
    out.push({ ...e, rank: tie ? previous.rank : i + 1 });
  });
  const unranked = entries.filter((e) => !eligible(e)).sort(byKey);
  return [...out, ...unranked.map((e) => ({ ...e, rank: null }))];
}
