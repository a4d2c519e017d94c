// R11 (issue 14): key targets (重点测评对象) and staff flagged for
// replacement, as pure rules over a month's figures. The jobs
// (src/app/targets.ts) read the figures, ask these functions and write the
// findings; docs/findings.md explains the choices.
//
// - A key target is a staff member, agency, business line or region whose
//   ratings below "basically satisfied" are concentrated in a China month:
//   enough ratings to be ranked at all, and both the count and the share of
//   bad ones at or above the policy's thresholds.
// - A staff member is flagged for replacement when, after a month in which
//   they were a key target, they were at the bottom of their ranking group
//   in each of the policy's `periods` consecutive months.
import { deadlineAfter, EMPTY_CALENDAR, endOfChinaDay } from './calendar.ts';
import { chinaDay } from './occasions.ts';
import { POLICY, type PolicyNumbers } from './policy.ts';
import { emptyTotals, periodRange, rankEntries } from './scores.ts';

// ——— months ———

/** A China calendar month, 'YYYY-MM'. */
export type Month = string;

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

export const isMonth = (s: string): boolean => MONTH_RE.test(s);

/** The China month `n` months after `month` (n may be negative). */
export function addMonths(month: Month, n: number): Month {
  const m = MONTH_RE.exec(month);
  if (!m) throw new Error(`not a month: ${month}`);
  const index = Number(m[1]) * 12 + Number(m[2]) - 1 + n;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** R11: the period a monthly job run at `now` looks at: the China month before the one `now` falls in (UTC+8). */
export const monthBefore = (now: Date): Month => addMonths(chinaDay(now).slice(0, 7), -1);

/** The first and last China days of a month ('YYYY-MM-DD', inclusive). */
export function daysOf(month: Month): { first: string; last: string } {
  const range = periodRange(month);
  if (!range || !isMonth(month)) throw new Error(`not a month: ${month}`);
  return { first: range.from, last: range.to };
}

/** The month of a China day. */
export const monthOfDay = (day: string): Month => day.slice(0, 7);

/** The last instant of a month in China time (23:59:59.999 of its last day): the policy in force then decides the month. */
export function lastInstantOf(month: Month): Date {
  return new Date(endOfChinaDay(daysOf(month).last).getTime() - 1);
}

/** '2026年10月'. */
export const monthZh = (month: Month): string => `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月`;

/** 0.125 → '12.5%', 1/3 → '33.33%', 0.05 → '5%': at most two decimals, none when whole. */
export const percentZh = (share: number): string => `${Number((share * 100).toFixed(2))}%`;

// ——— key targets ———

export const KEY_TARGET_SUBJECTS = ['staff', 'agency', 'business_line', 'region'] as const;
export type KeyTargetSubject = (typeof KEY_TARGET_SUBJECTS)[number];

/**
 * R11: the regions that are key targets are those with a supervisory
 * department below the autonomous region: cities (2) and counties (3). A
 * region counts its whole subtree (R3).
 */
export const KEY_TARGET_REGION_LEVELS = [2, 3] as const;

export interface KeyTargetThresholds {
  /** keyTargets.minShare of the policy: bad ÷ counted at least this. */
  minShare: number;
  /** keyTargets.minCount of the policy: at least this many bad ratings. */
  minCount: number;
  /** The rankings' minimum sample (POLICY.rankingMinCount): with fewer counted ratings nothing is concentrated (1 bad of 3 is no target). */
  minSample: number;
}

export const keyTargetThresholds = (numbers: Pick<PolicyNumbers, 'keyTargets'>): KeyTargetThresholds => ({
  minShare: numbers.keyTargets.minShare,
  minCount: numbers.keyTargets.minCount,
  minSample: POLICY.rankingMinCount,
});

/** A subject's month: its counted ratings (R6: neither voided nor revoked, defaults included) and how many of them are below "basically satisfied". */
export interface BadCount {
  counted: number;
  bad: number;
}

/**
 * R11: a key target has at least the minimum sample of counted ratings, at
 * least minCount of them below "basically satisfied", and at least minShare
 * of them. The share is compared as a quotient of the integers (3 ÷ 60 is
 * 0.05 exactly; 0.05 × 60 would not be 3).
 */
export function isKeyTarget(c: BadCount, t: KeyTargetThresholds): boolean {
  return c.counted >= Math.max(1, t.minSample) && c.bad >= t.minCount && c.bad / c.counted >= t.minShare;
}

/** R11: whether this month's key target repeats last month's (the same subject), and for how many consecutive months it has been one. */
export function repeatOf(previous: { id: number; streak?: unknown } | undefined): { repeated: boolean; previousId: number | null; streak: number } {
  if (!previous) return { repeated: false, previousId: null, streak: 1 };
  const before = typeof previous.streak === 'number' && previous.streak >= 1 ? previous.streak : 1;
  return { repeated: true, previousId: previous.id, streak: before + 1 };
}

/**
 * The sentence a key target's page and report show, e.g. "2026年10月 共 40
 * 条计分评价，其中“不满意/非常不满意” 5 条（12.5%），达到重点测评对象标准（≥3 条且 ≥5%）".
 */
export function keyTargetExplanation(month: Month, c: BadCount, t: KeyTargetThresholds, streak = 1): string {
  const base =
    `${monthZh(month)} 共 ${c.counted} 条计分评价，其中“不满意/非常不满意” ${c.bad} 条（${percentZh(c.bad / c.counted)}），` +
    `达到重点测评对象标准（≥${t.minCount} 条且 ≥${percentZh(t.minShare)}，计分评价 ≥${t.minSample} 条）`;
  return streak > 1 ? `${base}；已连续 ${streak} 个月被列为重点测评对象` : base;
}

// ——— staff rankings for replacement ———

/** One staff member's month: counted ratings and their score sum, and where they sat at the month's end. */
export interface StaffMonth {
  staffId: number;
  n: number;
  scoreSum: number;
  agencyCode: string;
  businessLineCode: string;
  /** The level of the agency's region (1 the autonomous region … 5 a village). */
  regionLevel: number;
}

export type RankingGroupKind = 'agency' | 'line_level';

export interface Standing {
  staffId: number;
  /** Competition rank within the group (1, 2, 2, 4), by month score, highest first. */
  rank: number;
  /** How many ranked staff the group has. */
  of: number;
  /** The month score: the mean of the counted ratings (R6 scores, defaults included). */
  score: number;
  group: RankingGroupKind;
  /** The agency's code, or 'line:level' for a pooled group. */
  groupKey: string;
  bottom: boolean;
}

export interface GroupNumbers {
  /** replacement.bottomN */
  bottomN: number;
  /** replacement.minGroupStaff */
  minGroupStaff: number;
  /** POLICY.rankingMinCount: staff with fewer counted ratings are not ranked. */
  minSample: number;
}

export const groupNumbers = (numbers: Pick<PolicyNumbers, 'replacement'>): GroupNumbers => ({
  bottomN: numbers.replacement.bottomN,
  minGroupStaff: numbers.replacement.minGroupStaff,
  minSample: POLICY.rankingMinCount,
});

/**
 * R11: "at the bottom" is among the lowest bottomN of a group of more than
 * bottomN (a group no bigger has no bottom). Under competition ranking a
 * staff member of rank r has r − 1 staff strictly above them: they are at
 * the bottom when they and everyone tied with them fit within the last
 * bottomN places (rank > of − bottomN). A tie across the boundary is not
 * the bottom: no one is picked among equals (docs/findings.md).
 */
export function isBottom(rank: number, of: number, bottomN: number): boolean {
  return of > bottomN && rank > of - bottomN;
}

/**
 * R11: each ranked staff member's standing in a month. Staff with fewer
 * counted ratings than the minimum sample are not ranked (and absent). A
 * staff member is ranked within their agency when it has at least
 * minGroupStaff ranked staff that month; the staff of smaller agencies are
 * pooled by business line and region level (all the small agencies of one
 * line at one level form one group).
 */
export function monthStandings(staff: readonly StaffMonth[], numbers: GroupNumbers): Map<number, Standing> {
  const ranked = staff.filter((s) => s.n >= Math.max(1, numbers.minSample));
  const perAgency = new Map<string, StaffMonth[]>();
  for (const s of ranked) perAgency.set(s.agencyCode, [...(perAgency.get(s.agencyCode) ?? []), s]);
  const groups = new Map<string, { kind: RankingGroupKind; members: StaffMonth[] }>();
  for (const [agency, members] of perAgency) {
    if (members.length >= numbers.minGroupStaff) groups.set(`agency:${agency}`, { kind: 'agency', members });
    else
      for (const s of members) {
        const key = `line_level:${s.businessLineCode}:${s.regionLevel}`;
        const group = groups.get(key) ?? { kind: 'line_level' as const, members: [] };
        group.members.push(s);
        groups.set(key, group);
      }
  }
  const out = new Map<number, Standing>();
  for (const [key, group] of groups) {
    // The rankings' own rule (R13: competition ranking on the exact mean).
    const entries = rankEntries(
      group.members.map((s) => ({ key: String(s.staffId), staff: s, totals: { ...emptyTotals(), n: s.n, scoreSum: s.scoreSum } })),
      'mean',
      numbers.minSample,
    );
    const of = entries.length;
    for (const e of entries)
      out.set(e.staff.staffId, {
        staffId: e.staff.staffId,
        rank: e.rank!,
        of,
        score: e.staff.scoreSum / e.staff.n,
        group: group.kind,
        groupKey: key.slice(key.indexOf(':') + 1),
        bottom: isBottom(e.rank!, of, numbers.bottomN),
      });
  }
  return out;
}

// ——— replacement ———

export interface ReplacementFacts {
  /** The last `periods` months, oldest first, ending with the job's month. */
  months: readonly Month[];
  /** The staff member's standing in each of them (undefined: not ranked that month). */
  standings: readonly (Standing | undefined)[];
  /** The months in which the staff member was a key target. */
  keyTargetMonths: readonly Month[];
  /** Whether a replacement of theirs is open. */
  openReplacement: boolean;
  /** The last month of their latest replacement (closed), if any: the months it counted do not count again. */
  lastReplacementEnd: Month | null;
  /** Whether they were transferred since the first of the months began (their agency has moved them already). */
  movedSince: boolean;
}

export type ReplacementDecision =
  | { flag: true; keyTargetMonth: Month }
  | { flag: false; why: 'not_bottom_throughout' | 'no_key_target_before' | 'replacement_open' | 'months_counted_before' | 'moved' };

/**
 * R11: flagged for replacement — at the bottom of their group in each of the
 * months, all of them after a month in which they were a key target (when
 * supervision began), with no replacement of theirs open, none of the
 * months counted by an earlier replacement, and not moved meanwhile.
 */
export function replacementDecision(f: ReplacementFacts): ReplacementDecision {
  if (!f.months.length || f.standings.length !== f.months.length || !f.standings.every((s) => s?.bottom)) return { flag: false, why: 'not_bottom_throughout' };
  const first = f.months[0]!;
  const before = f.keyTargetMonths.filter((m) => m < first).sort();
  if (!before.length) return { flag: false, why: 'no_key_target_before' };
  if (f.openReplacement) return { flag: false, why: 'replacement_open' };
  if (f.lastReplacementEnd !== null && f.lastReplacementEnd >= first) return { flag: false, why: 'months_counted_before' };
  if (f.movedSince) return { flag: false, why: 'moved' };
  return { flag: true, keyTargetMonth: before[before.length - 1]! };
}

/** R11: a flagged staff member ranked and not at the bottom in a month after the flag's months has recovered. */
export const hasRecovered = (standing: Standing | undefined): boolean => !!standing && !standing.bottom;

/** R11: the agency deals with a replacement by 24:00 China time of the deadlineDays-th natural day after `now`'s China day. */
export const replacementDeadline = (now: Date, deadlineDays: number): Date => deadlineAfter(now, { days: deadlineDays, unit: 'natural' }, EMPTY_CALENDAR);

export interface FlaggedMonth {
  month: Month;
  rank: number;
  of: number;
  score: number;
  group: RankingGroupKind;
}

/** The sentence a replacement's page shows. */
export function replacementExplanation(months: readonly FlaggedMonth[], keyTargetMonth: Month, bottomN: number, dueAt: Date): string {
  const each = months
    .map((m) => `${monthZh(m.month)} 第 ${m.rank}/${m.of} 名（${m.score.toFixed(2)} 分，${m.group === 'agency' ? '本机构' : '同条线同层级'}）`)
    .join('、');
  const first = months[0]!.month;
  const last = months[months.length - 1]!.month;
  return (
    `${monthZh(keyTargetMonth)} 被列为重点测评对象后，${monthZh(first)}至${monthZh(last)} 连续 ${months.length} 个月排名所在组后 ${bottomN} 位：${each}；` +
    `请所在机构于 ${chinaDay(new Date(dueAt.getTime() - 1))} 24:00 前予以调整`
  );
}
