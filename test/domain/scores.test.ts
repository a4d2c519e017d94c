// R3, R6, R13, R14: the arithmetic of scores and rankings, with every figure
// worked out by hand.
import { describe, expect, it } from 'vitest';
import {
  addRating,
  countsFor,
  emptyTotals,
  meanInterval,
  periodRange,
  periodSegments,
  presentScore,
  rankEntries,
  ratingDay,
  readRange,
  type Totals,
} from '../../src/domain/scores.ts';
import type { Level } from '../../src/domain/ratings.ts';
import { AppError } from '../../src/domain/errors.ts';

function totals(levels: Level[], defaults = 0): Totals {
  const t = emptyTotals();
  for (const l of levels) addRating(t, l, false);
  for (let i = 0; i < defaults; i++) addRating(t, 'very_satisfied', true);
  return t;
}

describe('R6 ratingDay: the China day a rating counts on', () => {
  it.each([
    ['2026-11-30T15:59:59.999Z', false, '2026-11-30'], // 23:59:59.999 China time
    ['2026-11-30T16:00:00.000Z', false, '2026-12-01'], // 00:00 China time: the next day
    ['2026-11-30T16:00:00.000Z', true, '2026-11-30'], // a default at 24:00 of 11-30 counts on 11-30
    ['2026-12-31T16:00:00.000Z', true, '2026-12-31'], // the last default of the year stays in the year
    ['2026-12-31T16:00:00.000Z', false, '2027-01-01'],
    ['2026-03-01T00:00:00.000Z', false, '2026-03-01'], // 08:00 China time
  ])('%s (default %s) → %s', (at, isDefault, day) => {
    expect(ratingDay(new Date(at), isDefault)).toBe(day);
  });
});

describe('R3/R8 what a rating counts for', () => {
  const PATHS: Record<string, string[]> = {
    '450102000000': ['450000000000', '450100000000', '450102000000'], // 兴宁区, 南宁市
    '450103000000': ['450000000000', '450100000000', '450103000000'], // 青秀区, 南宁市
    '450202000000': ['450000000000', '450200000000', '450202000000'], // 城中区, 柳州市
  };
  const ancestors = (g: string) => PATHS[g]!;
  const sorted = (pairs: [string, string][]) => pairs.map((p) => p.join(' ')).sort();

  it('a staff rating: the staff member, agency, line, center, region and every region above it', () => {
    const counts = countsFor({ kind: 'completion', staffId: 7, agency: 'A', line: 'L', region: '450102000000', center: 'C', parties: [] }, ancestors);
    expect(sorted(counts)).toEqual(
      sorted([
        ['staff', '7'],
        ['agency', 'A'],
        ['line', 'L'],
        ['line_region', 'L|450102000000'],
        ['center', 'C'],
        ['region', '450102000000'],
        ['region_tree', '450000000000'],
        ['region_tree', '450100000000'],
        ['region_tree', '450102000000'],
      ]),
    );
  });

  it('no center (a staff member without one): no center figure', () => {
    expect(
      countsFor({ kind: 'acceptance', staffId: 7, agency: 'A', line: 'L', region: '450102000000', center: null, parties: [] }, ancestors).map((p) => p[0]),
    ).not.toContain('center');
  });

  it('a composite across two districts of one city: each agency and district once, the city and the autonomous region once, no staff, line or center', () => {
    const counts = countsFor(
      {
        kind: 'composite',
        staffId: null,
        agency: null,
        line: null,
        region: null,
        center: null,
        parties: [
          { agency: 'A', region: '450102000000' },
          { agency: 'B', region: '450103000000' },
        ],
      },
      ancestors,
    );
    expect(sorted(counts)).toEqual(
      sorted([
        ['agency', 'A'],
        ['agency', 'B'],
        ['region', '450102000000'],
        ['region', '450103000000'],
        ['region_tree', '450000000000'],
        ['region_tree', '450100000000'],
        ['region_tree', '450102000000'],
        ['region_tree', '450103000000'],
      ]),
    );
  });

  it('a composite of two agencies in one district, and one in another city: the district once', () => {
    const counts = countsFor(
      {
        kind: 'composite',
        staffId: null,
        agency: null,
        line: null,
        region: null,
        center: null,
        parties: [
          { agency: 'A', region: '450102000000' },
          { agency: 'A2', region: '450102000000' },
          { agency: 'C', region: '450202000000' },
        ],
      },
      ancestors,
    );
    expect(sorted(counts)).toEqual(
      sorted([
        ['agency', 'A'],
        ['agency', 'A2'],
        ['agency', 'C'],
        ['region', '450102000000'],
        ['region', '450202000000'],
        ['region_tree', '450000000000'],
        ['region_tree', '450100000000'],
        ['region_tree', '450102000000'],
        ['region_tree', '450200000000'],
        ['region_tree', '450202000000'],
      ]),
    );
  });

  it('subtree vs this level only: a city has a subtree figure from its districts but no figure of its own level', () => {
    const counts = countsFor({ kind: 'completion', staffId: 1, agency: 'A', line: 'L', region: '450102000000', center: null, parties: [] }, ancestors);
    expect(counts).toContainEqual(['region_tree', '450100000000']);
    expect(counts).not.toContainEqual(['region', '450100000000']);
  });
});

describe('periods', () => {
  it.each([
    ['2026', { from: '2026-01-01', to: '2026-12-31' }],
    ['2026-Q1', { from: '2026-01-01', to: '2026-03-31' }],
    ['2024-Q1', { from: '2024-01-01', to: '2024-03-31' }],
    ['2026-Q4', { from: '2026-10-01', to: '2026-12-31' }],
    ['2024-02', { from: '2024-02-01', to: '2024-02-29' }], // leap year
    ['2026-02', { from: '2026-02-01', to: '2026-02-28' }],
    ['2026-11', { from: '2026-11-01', to: '2026-11-30' }],
    ['2026-13', null],
    ['2026-Q5', null],
    ['26', null],
  ])('%s → %j', (period, range) => {
    expect(periodRange(period)).toEqual(range);
  });

  it.each([
    // A whole year is one stored row per entry.
    [
      { from: '2026-01-01', to: '2026-12-31' },
      { years: ['2026-01-01'], months: [], days: [] },
    ],
    // A month is one row.
    [
      { from: '2026-11-01', to: '2026-11-30' },
      { years: [], months: ['2026-11-01'], days: [] },
    ],
    // Ragged ends are days; whole months in between are months.
    [
      { from: '2026-01-30', to: '2026-04-02' },
      {
        years: [],
        months: ['2026-02-01', '2026-03-01'],
        days: [
          { from: '2026-01-30', to: '2026-01-31' },
          { from: '2026-04-01', to: '2026-04-02' },
        ],
      },
    ],
    // Across years: whole year in the middle.
    [
      { from: '2024-12-31', to: '2026-01-01' },
      {
        years: ['2025-01-01'],
        months: [],
        days: [
          { from: '2024-12-31', to: '2024-12-31' },
          { from: '2026-01-01', to: '2026-01-01' },
        ],
      },
    ],
    // One day.
    [
      { from: '2026-11-25', to: '2026-11-25' },
      { years: [], months: [], days: [{ from: '2026-11-25', to: '2026-11-25' }] },
    ],
    // Dec 1 to Dec 31 is a month, not a year.
    [
      { from: '2026-12-01', to: '2026-12-31' },
      { years: [], months: ['2026-12-01'], days: [] },
    ],
  ])('segments of %j', (range, segments) => {
    expect(periodSegments(range)).toEqual(segments);
  });

  it('readRange takes a period, or from and to, and names the field of each problem', () => {
    expect(readRange({ period: '2026-Q3' })).toEqual({ from: '2026-07-01', to: '2026-09-30' });
    expect(readRange({ from: '2026-02-03', to: '2026-02-03' })).toEqual({ from: '2026-02-03', to: '2026-02-03' });
    const fields = (q: Record<string, string>) => {
      try {
        readRange(q);
        return null;
      } catch (e) {
        return (e as AppError).fields!.map((f) => f.field);
      }
    };
    expect(fields({})).toEqual(['/querystring/period']);
    expect(fields({ period: '2026-Q9' })).toEqual(['/querystring/period']);
    expect(fields({ period: '2026', from: '2026-01-01' })).toEqual(['/querystring/period']);
    expect(fields({ from: '2026-02-30', to: '2026-03-01' })).toEqual(['/querystring/from']);
    expect(fields({ from: '2026-03-02', to: '2026-03-01' })).toEqual(['/querystring/to']);
    expect(fields({ from: '2010-01-01', to: '2026-01-01' })).toEqual(['/querystring/to']);
  });
});

describe('R3 a score is a mean over ratings, never a mean of means', () => {
  it('two staff with 1 and 3 ratings: the agency mean is over the 4 ratings', () => {
    // Staff A: 0. Staff B: 10, 10, 10. Mean of means would be 5; over ratings it is 30/4 = 7.5.
    const agency = totals(['very_dissatisfied', 'very_satisfied', 'very_satisfied', 'very_satisfied']);
    expect(presentScore(agency).mean).toBe(7.5);
  });

  it('counts levels, negatives, defaults and active ratings', () => {
    // Given: 10, 8, 6, 3, 0 by raters, and two defaults (10 each).
    const s = presentScore(totals(['very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied'], 2));
    expect(s.count).toBe(7);
    expect(s.scoreSum).toBe(47);
    expect(s.mean).toBeCloseTo(47 / 7, 12);
    expect(s.levels).toEqual({ very_satisfied: 3, satisfied: 1, basically_satisfied: 1, dissatisfied: 1, very_dissatisfied: 1 });
    expect(s.negative).toBe(2);
    expect(s.negativeShare).toBeCloseTo(2 / 7, 12);
    expect(s.defaults).toBe(2);
    expect(s.active).toMatchObject({ count: 5, scoreSum: 27, mean: 27 / 5 });
    expect(s.active.rate).toBeCloseTo(5 / 7, 12);
  });

  it('a voided or revoked rating is taken away (sign -1) and the score is as if it never counted', () => {
    const t = totals(['very_satisfied', 'dissatisfied']);
    addRating(t, 'dissatisfied', false, -1);
    expect(presentScore(t)).toEqual(presentScore(totals(['very_satisfied'])));
  });

  it('no ratings: no mean, no interval', () => {
    const s = presentScore(emptyTotals());
    expect(s).toMatchObject({ count: 0, mean: null, interval: null, negativeShare: null, active: { count: 0, mean: null, rate: null, interval: null } });
  });
});

describe('95% interval of a mean (Wilson on mean/10)', () => {
  it.each([
    // n, sum, low, high — worked out with p = sum/(10n), z = 1.96
    [5, 50, 5.6552, 10], // 5 ratings of 10: far from certain
    [5000, 49500, 9.8684, 9.9241], // 5,000 with mean 9.9
    [1, 0, 0, 7.9345],
    [100, 800, 7.1117, 8.6663],
  ])('n=%i sum=%i → [%f, %f]', (n, sum, low, high) => {
    const i = meanInterval(n, sum)!;
    expect(i.low).toBeCloseTo(low, 4);
    expect(i.high).toBeCloseTo(high, 4);
  });

  it('contains the mean and narrows as ratings grow', () => {
    let width = Infinity;
    for (const n of [2, 10, 100, 1000, 10000]) {
      const i = meanInterval(n, 9 * n)!;
      expect(i.low).toBeLessThan(9);
      expect(i.high).toBeGreaterThan(9);
      expect(i.high - i.low).toBeLessThan(width);
      width = i.high - i.low;
    }
  });
});

describe('R13/R14 rankings', () => {
  const entry = (key: string, levels: Level[], defaults = 0) => ({ key, totals: totals(levels, defaults) });
  const ranks = (rows: { key: string; rank: number | null }[]) => rows.map((r) => `${r.key}:${r.rank ?? '-'}`);
  const ten = (n: number): Level[] => Array(n).fill('very_satisfied');

  it('competition ranking: ties share a rank and the next rank is skipped (1, 2, 2, 4)', () => {
    const rows = rankEntries(
      [
        entry('D', ['satisfied', 'satisfied']), // 8
        entry('B', ['very_satisfied', 'basically_satisfied']), // 8
        entry('A', ['very_satisfied']), // 10
        entry('C', ['very_satisfied', 'satisfied', 'basically_satisfied']), // 8
        entry('E', ['basically_satisfied']), // 6
      ],
      'mean',
      1,
    );
    expect(ranks(rows)).toEqual(['A:1', 'B:2', 'C:2', 'D:2', 'E:5']);
  });

  it('ties are exact fractions: 2/3 and 4/6 tie, 6.6667 does not', () => {
    // means 20/3 and 40/6 are equal; 6.6 (33/5) is below
    const rows = rankEntries(
      [
        entry('X', ['very_satisfied', 'very_satisfied', 'very_dissatisfied']),
        entry('Y', ['very_satisfied', 'very_satisfied', 'very_satisfied', 'very_satisfied', 'very_dissatisfied', 'very_dissatisfied']),
        entry('Z', ['very_satisfied', 'satisfied', 'basically_satisfied', 'basically_satisfied', 'dissatisfied']),
      ],
      'mean',
      1,
    );
    expect(ranks(rows)).toEqual(['X:1', 'Y:1', 'Z:3']);
  });

  it('below the minimum count: listed after the ranked entries, unranked', () => {
    const rows = rankEntries([entry('small', ten(5)), entry('big', [...ten(9), 'satisfied']), entry('mid', ten(10))], 'mean', 10);
    expect(ranks(rows)).toEqual(['mid:1', 'big:2', 'small:-']);
  });

  it('by lower bound, 5 ratings of 10 do not top 5,000 with a mean of 9.9', () => {
    const many = { key: 'many', totals: { ...emptyTotals(), n: 5000, scoreSum: 49500, activeSum: 49500 } };
    const few = entry('few', ten(5));
    expect(ranks(rankEntries([few, many], 'mean', 1))).toEqual(['few:1', 'many:2']);
    expect(ranks(rankEntries([few, many], 'lower_bound', 1))).toEqual(['many:1', 'few:2']);
  });

  it('by active mean: defaults left out; the minimum applies to active ratings', () => {
    const a = entry('A', ['satisfied', 'satisfied'], 8); // mean 9.6, active 8
    const b = entry('B', ['basically_satisfied', 'very_satisfied', 'very_satisfied']); // mean 8.67, active 8.67
    const c = entry('C', [], 10); // defaults only: no active mean
    expect(ranks(rankEntries([a, b, c], 'mean', 1))).toEqual(['C:1', 'A:2', 'B:3']);
    expect(ranks(rankEntries([a, b, c], 'active_mean', 1))).toEqual(['B:1', 'A:2', 'C:-']);
    expect(ranks(rankEntries([a, b, c], 'active_mean', 3))).toEqual(['B:1', 'A:-', 'C:-']);
  });

  it('by negative share: fewest first', () => {
    const rows = rankEntries(
      [
        entry('A', ['dissatisfied', 'very_satisfied']),
        entry('B', ['very_satisfied', 'very_satisfied', 'very_satisfied', 'dissatisfied']),
        entry('C', ['basically_satisfied']),
      ],
      'negative_share',
      1,
    );
    expect(ranks(rows)).toEqual(['C:1', 'B:2', 'A:3']);
  });
});
