import { describe, expect, it } from 'vitest';
import { caseOccasions, chinaDay, nextPackageStage, occasionState, packageOccasions, ratingDeadline } from '../../src/domain/occasions.ts';

describe('R7 occasions of a case', () => {
  it.each([
    ['immediate', { accepted: true, completed: true }, ['completion']],
    ['immediate', { accepted: true, completed: false }, []],
    ['promised', { accepted: true, completed: false }, ['acceptance']],
    ['promised', { accepted: true, completed: true }, ['acceptance', 'completion']],
    ['promised', { accepted: false, completed: false }, []],
  ] as const)('%s case, %j → %j', (kind, events, expected) => {
    expect(caseOccasions(kind, events)).toEqual(expected);
  });
});

describe('R8 occasions of a package', () => {
  it.each([
    [[], []],
    [['acceptance'], ['acceptance']],
    [
      ['acceptance', 'approval'],
      ['acceptance', 'approval'],
    ],
    [
      ['acceptance', 'approval', 'delivery'],
      ['acceptance', 'approval', 'delivery', 'composite'],
    ],
  ] as const)('stages %j → %j', (stages, expected) => {
    expect(packageOccasions(stages)).toEqual(expected);
  });

  it.each([
    [[], 'acceptance'],
    [['acceptance'], 'approval'],
    [['acceptance', 'approval'], 'delivery'],
    [['acceptance', 'approval', 'delivery'], null],
  ] as const)('after %j the next stage is %s', (stages, next) => {
    expect(nextPackageStage(stages)).toBe(next);
  });
});

describe('R6 deadline: 24:00 China time of day D+7', () => {
  it.each([
    // occurred at (instant)            China day      deadline (first instant no longer open)
    ['2026-03-02T10:00:00+08:00', '2026-03-02', '2026-03-10T00:00:00+08:00'],
    ['2026-03-02T00:00:00+08:00', '2026-03-02', '2026-03-10T00:00:00+08:00'], // first instant of the day
    ['2026-03-02T23:59:59+08:00', '2026-03-02', '2026-03-10T00:00:00+08:00'], // last second of the day
    ['2026-03-01T16:00:00Z', '2026-03-02', '2026-03-10T00:00:00+08:00'], // UTC evening is the next China day
    ['2026-03-01T15:59:59Z', '2026-03-01', '2026-03-09T00:00:00+08:00'],
    ['2026-01-28T09:00:00+08:00', '2026-01-28', '2026-02-05T00:00:00+08:00'], // month end
    ['2026-02-22T09:00:00+08:00', '2026-02-22', '2026-03-02T00:00:00+08:00'], // February (28 days)
    ['2028-02-22T09:00:00+08:00', '2028-02-22', '2028-03-01T00:00:00+08:00'], // leap year
    ['2026-12-25T09:00:00+08:00', '2026-12-25', '2027-01-02T00:00:00+08:00'], // year end
    ['2026-12-31T23:30:00+08:00', '2026-12-31', '2027-01-08T00:00:00+08:00'],
    ['2026-10-01T09:00:00+08:00', '2026-10-01', '2026-10-09T00:00:00+08:00'], // holidays count: natural days
  ])('occurred %s (day %s) → deadline %s', (occurred, day, deadline) => {
    expect(chinaDay(new Date(occurred))).toBe(day);
    expect(ratingDeadline(new Date(occurred)).toISOString()).toBe(new Date(deadline).toISOString());
  });

  const occurred = new Date('2026-03-02T10:00:00+08:00');
  const deadline = ratingDeadline(occurred);
  it.each([
    ['2026-03-02T09:59:59+08:00', 'not_open'],
    ['2026-03-02T10:00:00+08:00', 'open'],
    ['2026-03-09T23:59:59+08:00', 'open'],
    ['2026-03-09T23:59:59.999+08:00', 'open'],
    ['2026-03-10T00:00:00+08:00', 'closed'],
    ['2026-03-10T00:00:01+08:00', 'closed'],
  ])('at %s the occasion is %s', (now, state) => {
    expect(occasionState(occurred, deadline, new Date(now))).toBe(state);
  });
});
