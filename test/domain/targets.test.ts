// R11: key targets (重点测评对象) and staff flagged for replacement — the
// months, thresholds, ranking groups, the bottom and the decision, every
// boundary written out (test/api/targets.test.ts runs the jobs on a real
// database).
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_NUMBERS } from '../../src/domain/policy.ts';
import {
  addMonths,
  daysOf,
  groupNumbers,
  hasRecovered,
  isBottom,
  isKeyTarget,
  keyTargetExplanation,
  keyTargetThresholds,
  lastInstantOf,
  monthBefore,
  monthStandings,
  percentZh,
  repeatOf,
  replacementDeadline,
  replacementDecision,
  replacementExplanation,
  type ReplacementFacts,
  type StaffMonth,
  type Standing,
} from '../../src/domain/targets.ts';

const at = (s: string) => new Date(s);

describe('months (China time, UTC+8)', () => {
  it.each([
    ['2026-10', 1, '2026-11'],
    ['2026-12', 1, '2027-01'],
    ['2026-01', -1, '2025-12'],
    ['2026-03', -14, '2025-01'],
    ['2026-10', 0, '2026-10'],
  ])('%s + %i months is %s', (month, n, expected) => {
    expect(addMonths(month, n)).toBe(expected);
  });

  it.each([
    // the job's now → the month it looks at
    ['2026-10-31T18:00:00Z', '2026-10'], // 02:00 of November 1 in China
    ['2026-10-31T16:00:00Z', '2026-10'], // 00:00 of November 1 in China
    ['2026-10-31T15:59:59.999Z', '2026-09'], // still October 31 in China
    ['2026-12-31T18:00:00Z', '2026-12'], // 02:00 of January 1, 2027
    ['2027-01-15T02:00:00Z', '2026-12'],
  ])('a run at %s looks at %s', (now, month) => {
    expect(monthBefore(at(now))).toBe(month);
  });

  it.each([
    ['2026-10', '2026-10-01', '2026-10-31'],
    ['2026-02', '2026-02-01', '2026-02-28'],
    ['2028-02', '2028-02-01', '2028-02-29'],
    ['2026-12', '2026-12-01', '2026-12-31'],
  ])('%s runs from %s to %s', (month, first, last) => {
    expect(daysOf(month)).toEqual({ first, last });
  });

  it('the last instant of a month is 23:59:59.999 China time of its last day', () => {
    expect(lastInstantOf('2026-10')).toEqual(at('2026-10-31T15:59:59.999Z'));
    expect(lastInstantOf('2026-12')).toEqual(at('2026-12-31T15:59:59.999Z'));
  });
});

describe('R11: a key target', () => {
  // The defaults: at least 3 bad ratings and 5 %, among at least 10 counted (the rankings' minimum sample).
  const t = keyTargetThresholds(DEFAULT_POLICY_NUMBERS);

  it('takes its thresholds from the policy and its minimum sample from the rankings', () => {
    expect(t).toEqual({ minShare: 0.05, minCount: 3, minSample: 10 });
  });

  it.each([
    // counted, bad, key target?
    [40, 5, true, 'the issue’s example: 12.5 %'],
    [10, 3, true, 'the smallest sample, the smallest count'],
    [9, 3, false, 'one rating short of the minimum sample'],
    [9, 9, false, 'every rating bad, but too few ratings to say'],
    [3, 1, false, '1 bad in 3 is no target'],
    [3, 3, false, '3 bad in 3: still too few ratings'],
    [60, 3, true, 'exactly 5 % (3 ÷ 60 compared as a quotient)'],
    [61, 3, false, 'just below 5 % (4.9 %)'],
    [20, 2, false, '10 %, but one bad rating short of 3'],
    [100, 5, true, 'exactly 5 % of 100'],
    [100, 4, false, '4 % of 100'],
    [4000, 40, false, 'a large agency’s steady trickle: 1 %'],
    [0, 0, false, 'no ratings'],
  ])('%i counted, %i bad → %s (%s)', (counted, bad, expected) => {
    expect(isKeyTarget({ counted, bad }, t)).toBe(expected);
  });

  it.each([
    [{ minShare: 1, minCount: 1, minSample: 10 }, 10, 10, true],
    [{ minShare: 1, minCount: 1, minSample: 10 }, 10, 9, false],
    [{ minShare: 0.001, minCount: 1, minSample: 10 }, 1000, 1, true],
    [{ minShare: 0.001, minCount: 1, minSample: 10 }, 1001, 1, false],
    [{ minShare: 0.05, minCount: 3, minSample: 0 }, 3, 3, true],
  ])('other numbers: %o with %i counted, %i bad → %s', (thresholds, counted, bad, expected) => {
    expect(isKeyTarget({ counted, bad }, thresholds)).toBe(expected);
  });

  it('is explained in one Chinese sentence, with the streak when it repeats', () => {
    expect(keyTargetExplanation('2026-10', { counted: 40, bad: 5 }, t)).toBe(
      '2026年10月 共 40 条计分评价，其中“不满意/非常不满意” 5 条（12.5%），达到重点测评对象标准（≥3 条且 ≥5%，计分评价 ≥10 条）',
    );
    expect(keyTargetExplanation('2026-11', { counted: 30, bad: 6 }, t, 2)).toBe(
      '2026年11月 共 30 条计分评价，其中“不满意/非常不满意” 6 条（20%），达到重点测评对象标准（≥3 条且 ≥5%，计分评价 ≥10 条）；已连续 2 个月被列为重点测评对象',
    );
    expect(percentZh(1 / 3)).toBe('33.33%');
    expect(percentZh(0.0125)).toBe('1.25%');
    expect(percentZh(0.05)).toBe('5%');
  });

  it('repeats the month before’s key target with its streak + 1', () => {
    expect(repeatOf(undefined)).toEqual({ repeated: false, previousId: null, streak: 1 });
    expect(repeatOf({ id: 7, streak: 1 })).toEqual({ repeated: true, previousId: 7, streak: 2 });
    expect(repeatOf({ id: 8, streak: 2 })).toEqual({ repeated: true, previousId: 8, streak: 3 });
    expect(repeatOf({ id: 9 })).toEqual({ repeated: true, previousId: 9, streak: 2 });
  });
});

describe('R11: the bottom of a ranking group', () => {
  it.each([
    // rank, of, bottomN, at the bottom?
    [1, 3, 3, false, 'a group of 3 has no bottom 3'],
    [3, 3, 3, false, 'not even its last'],
    [1, 4, 3, false, 'the first of 4'],
    [2, 4, 3, true, 'the second of 4 is among the last 3'],
    [4, 4, 3, true, 'the last of 4'],
    [3, 6, 3, false, 'ranks 1,2,3,3,3,6: the three tied at 3 straddle the boundary, none is picked'],
    [6, 6, 3, true, 'ranks 1,2,3,3,3,6: the last'],
    [4, 6, 3, true, 'ranks 1,2,3,4,4,6: the two tied at 4 fit in the last 3'],
    [1, 2, 1, false, 'bottom 1 of 2: the first'],
    [2, 2, 1, true, 'bottom 1 of 2: the last'],
    [1, 2, 1, false, 'bottom 1 of 2, both tied at 1: nobody'],
  ])('rank %i of %i, bottom %i → %s (%s)', (rank, of, bottomN, expected) => {
    expect(isBottom(rank, of, bottomN)).toBe(expected);
  });
});

describe('R11: ranking groups of a month', () => {
  const numbers = groupNumbers(DEFAULT_POLICY_NUMBERS); // bottom 3, groups of 5, 10 ratings
  const staff = (staffId: number, agencyCode: string, mean: number, o: Partial<StaffMonth> = {}): StaffMonth => ({
    staffId,
    n: 10,
    scoreSum: mean * 10,
    agencyCode,
    businessLineCode: 'L1',
    regionLevel: 3,
    ...o,
  });

  it('ranks within the agency when it has enough ranked staff, competition ranking by mean', () => {
    const s = monthStandings(
      [staff(1, 'A', 9), staff(2, 'A', 8), staff(3, 'A', 8), staff(4, 'A', 7), staff(5, 'A', 6), staff(6, 'A', 2, { n: 9, scoreSum: 18 })],
      numbers,
    );
    expect(s.get(6)).toBeUndefined(); // 9 ratings: not ranked
    expect([...s.values()].map((x) => [x.staffId, x.rank, x.of, x.group, x.groupKey, x.bottom])).toEqual([
      [1, 1, 5, 'agency', 'A', false],
      [2, 2, 5, 'agency', 'A', false],
      [3, 2, 5, 'agency', 'A', false],
      [4, 4, 5, 'agency', 'A', true],
      [5, 5, 5, 'agency', 'A', true],
    ]);
    expect(s.get(1)!.score).toBe(9);
  });

  it('pools the staff of agencies too small by line and region level; other lines and levels apart', () => {
    const s = monthStandings(
      [
        staff(1, 'A', 9),
        staff(2, 'A', 8),
        staff(3, 'B', 7),
        staff(4, 'B', 6),
        staff(5, 'C', 5),
        staff(6, 'D', 1, { regionLevel: 2 }),
        staff(7, 'E', 1, { businessLineCode: 'L2' }),
        // An agency of 5 ranked staff keeps its own group, even of the same line and level.
        ...[10, 11, 12, 13, 14].map((id) => staff(id, 'F', id - 5)),
      ],
      numbers,
    );
    expect(s.get(3)).toMatchObject({ group: 'line_level', groupKey: 'L1:3', rank: 3, of: 5, bottom: true });
    expect(s.get(2)).toMatchObject({ group: 'line_level', rank: 2, of: 5, bottom: false });
    expect(s.get(5)).toMatchObject({ group: 'line_level', rank: 5, of: 5, bottom: true });
    expect(s.get(1)).toMatchObject({ rank: 1, of: 5, bottom: false });
    expect(s.get(6)).toMatchObject({ group: 'line_level', groupKey: 'L1:2', rank: 1, of: 1, bottom: false });
    expect(s.get(7)).toMatchObject({ group: 'line_level', groupKey: 'L2:3', of: 1, bottom: false });
    expect(s.get(14)).toMatchObject({ group: 'agency', groupKey: 'F', rank: 1, of: 5 });
  });

  it('compares means exactly: 88 of 11 ties with 80 of 10', () => {
    const s = monthStandings([staff(1, 'A', 9), staff(2, 'A', 8.5), staff(3, 'A', 8, { n: 11, scoreSum: 88 }), staff(4, 'A', 8), staff(5, 'A', 9.5)], numbers);
    expect([s.get(3)!.rank, s.get(4)!.rank, s.get(3)!.bottom, s.get(4)!.bottom]).toEqual([4, 4, true, true]);
  });
});

describe('R11: flagged for replacement', () => {
  const bottom = (rank = 5): Standing => ({ staffId: 1, rank, of: 5, score: 3, group: 'agency', groupKey: 'A', bottom: true });
  const fine: Standing = { ...bottom(1), bottom: false };
  const months = ['2026-08', '2026-09', '2026-10'];
  const facts = (o: Partial<ReplacementFacts> = {}): ReplacementFacts => ({
    months,
    standings: [bottom(), bottom(), bottom()],
    keyTargetMonths: ['2026-07'],
    openReplacement: false,
    lastReplacementEnd: null,
    movedSince: false,
    ...o,
  });

  it.each([
    ['at the bottom 3 months after a key target', facts(), { flag: true, keyTargetMonth: '2026-07' }],
    [
      'the latest key target before the months is named',
      facts({ keyTargetMonths: ['2026-03', '2026-06', '2026-10'] }),
      { flag: true, keyTargetMonth: '2026-06' },
    ],
    ['2 bottom months of 3', facts({ standings: [fine, bottom(), bottom()] }), { flag: false, why: 'not_bottom_throughout' }],
    ['not ranked in one month', facts({ standings: [bottom(), undefined, bottom()] }), { flag: false, why: 'not_bottom_throughout' }],
    ['never a key target', facts({ keyTargetMonths: [] }), { flag: false, why: 'no_key_target_before' }],
    ['a key target only in the first bottom month', facts({ keyTargetMonths: ['2026-08'] }), { flag: false, why: 'no_key_target_before' }],
    ['a replacement open', facts({ openReplacement: true }), { flag: false, why: 'replacement_open' }],
    ['the months counted by a closed replacement ending in September', facts({ lastReplacementEnd: '2026-09' }), { flag: false, why: 'months_counted_before' }],
    ['a closed replacement ended before the months', facts({ lastReplacementEnd: '2026-07' }), { flag: true, keyTargetMonth: '2026-07' }],
    ['moved since the months began', facts({ movedSince: true }), { flag: false, why: 'moved' }],
  ])('%s', (_what, f, expected) => {
    expect(replacementDecision(f)).toEqual(expected);
  });

  it('recovers when ranked and not at the bottom; not ranked is no recovery', () => {
    expect(hasRecovered(fine)).toBe(true);
    expect(hasRecovered(bottom())).toBe(false);
    expect(hasRecovered(undefined)).toBe(false);
  });

  it.each([
    // now, deadlineDays, due (24:00 China time of the N-th natural day after now's China day)
    ['2026-10-31T18:30:00Z', 30, '2026-12-01T16:00:00.000Z'], // 02:30 of November 1 → 24:00 of December 1
    ['2026-10-31T16:00:00Z', 30, '2026-12-01T16:00:00.000Z'], // 00:00 of November 1
    ['2026-10-31T15:59:59.999Z', 30, '2026-11-30T16:00:00.000Z'], // still October 31
    ['2026-10-31T18:30:00Z', 1, '2026-11-02T16:00:00.000Z'],
  ])('flagged at %s with %i days: due %s', (now, days, due) => {
    expect(replacementDeadline(at(now), days).toISOString()).toBe(due);
  });

  it('is explained in one Chinese sentence', () => {
    const text = replacementExplanation(
      [
        { month: '2026-08', rank: 5, of: 5, score: 6.4, group: 'agency' },
        { month: '2026-09', rank: 4, of: 6, score: 7, group: 'line_level' },
      ],
      '2026-07',
      3,
      at('2026-12-01T16:00:00Z'),
    );
    expect(text).toBe(
      '2026年7月 被列为重点测评对象后，2026年8月至2026年9月 连续 2 个月排名所在组后 3 位：2026年8月 第 5/5 名（6.40 分，本机构）、2026年9月 第 4/6 名（7.00 分，同条线同层级）；请所在机构于 2026-12-01 24:00 前予以调整',
    );
  });
});
