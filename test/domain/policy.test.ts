// Issue 13: the versioned numbers of the rules — which version is in force on
// a day, what a new version may say, and from when it may take effect.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.ts';
import {
  checkEffectiveFrom,
  completeNumbers,
  DEFAULT_POLICY_NUMBERS,
  numbersForAudit,
  policyNumberProblems,
  versionOn,
  type PolicyNumbers,
} from '../../src/domain/policy.ts';
import { DEFAULT_DETECTION } from '../../src/domain/detection/types.ts';

describe('the Guangxi defaults (version 1)', () => {
  it('R6: 7 natural days to rate, very satisfied by default, 15 to review; R12: 15 to rectify; 7 to reopen; 5 working days to appeal; R11 thresholds', () => {
    expect(DEFAULT_POLICY_NUMBERS).toEqual({
      ratingDays: { days: 7, unit: 'natural' },
      defaultLevel: 'very_satisfied',
      reviewDays: { days: 15, unit: 'natural' },
      rectifyDays: { days: 15, unit: 'natural' },
      reopenDays: { days: 7, unit: 'natural' },
      appealDays: { days: 5, unit: 'working' },
      keyTargets: { minShare: 0.05, minCount: 3 },
      // Issue 14 (R11): the agency has 30 natural days; an agency of fewer than 5 ranked staff ranks with its line at its level.
      replacement: { bottomN: 3, periods: 3, deadlineDays: 30, minGroupStaff: 5 },
      // Issue 14 (R10): the signals' thresholds (src/domain/detection/types.ts).
      detection: DEFAULT_DETECTION,
    });
    expect(policyNumberProblems(DEFAULT_POLICY_NUMBERS)).toEqual([]);
  });

  it('issue 14: a version stored before detection and the replacement deadline reads with their defaults, field by field', () => {
    const { detection: _d, ...old } = DEFAULT_POLICY_NUMBERS;
    const stored = { ...old, replacement: { bottomN: 2, periods: 4 } };
    expect(completeNumbers(stored)).toEqual({ ...DEFAULT_POLICY_NUMBERS, replacement: { bottomN: 2, periods: 4, deadlineDays: 30, minGroupStaff: 5 } });
    const partial = { ...stored, detection: { deviceBurst: { count: 12 } } };
    expect(completeNumbers(partial).detection.deviceBurst).toEqual({ count: 12, minutes: DEFAULT_DETECTION.deviceBurst.minutes });
  });

  it('issue 14: each detection threshold is checked with its field named', () => {
    const bad = {
      ...DEFAULT_POLICY_NUMBERS,
      detection: { ...DEFAULT_DETECTION, deviceBurst: { count: 0, minutes: 2.5 }, peerShare: { alpha: 0.9, minRatings: 30, minLift: 0.02 } },
    };
    expect(policyNumberProblems(bad).map((p) => p.field)).toEqual([
      '/body/numbers/detection/deviceBurst/count',
      '/body/numbers/detection/deviceBurst/minutes',
      '/body/numbers/detection/peerShare/alpha',
    ]);
  });
});

describe('the version in force on a China day: the greatest effective date on or before it, ties to the higher id', () => {
  const versions = [
    { id: 1, effectiveFrom: '2019-01-01' },
    { id: 2, effectiveFrom: '2026-12-01' },
    { id: 3, effectiveFrom: '2026-12-01' }, // the same day, added later: replaces 2 before it ever applies
    { id: 4, effectiveFrom: '2027-01-01' },
    { id: 5, effectiveFrom: '2026-11-15' }, // added last, effective before 2 and 3
  ];
  it.each([
    ['2018-12-31', 1], // before every version: the first (there was none before it)
    ['2019-01-01', 1],
    ['2026-11-14', 1],
    ['2026-11-15', 5],
    ['2026-11-30', 5],
    ['2026-12-01', 3],
    ['2026-12-31', 3],
    ['2027-01-01', 4],
    ['2030-06-30', 4],
  ])('on %s: version %i', (day, id) => {
    expect(versionOn(versions, day)?.id).toBe(id);
  });

  it('is undefined only when there is no version at all', () => {
    expect(versionOn([], '2026-11-02')).toBeUndefined();
  });
});

describe('a new version takes effect today or later (China days)', () => {
  it.each([
    ['2026-11-01', 'policy_effective_in_past'],
    ['2019-01-01', 'policy_effective_in_past'],
    ['2026-11-02', null], // today
    ['2026-11-03', null],
    ['2027-01-01', null],
  ])('with today 2026-11-02, effective %s → %s', (effectiveFrom, id) => {
    let error: unknown = null;
    try {
      checkEffectiveFrom(effectiveFrom, '2026-11-02');
    } catch (e) {
      error = e;
    }
    if (!id) return expect(error).toBeNull();
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ id, kind: 'invalid', fields: [{ field: '/body/effectiveFrom', message: 'is before today (2026-11-02)' }] });
  });
});

describe('what a version may say', () => {
  const with_ = (change: (n: PolicyNumbers) => void) => {
    const numbers = structuredClone(DEFAULT_POLICY_NUMBERS);
    change(numbers);
    return policyNumberProblems(numbers);
  };
  it.each([
    ['working days to rate', (n: PolicyNumbers) => (n.ratingDays = { days: 5, unit: 'working' }), []],
    ['365 days', (n: PolicyNumbers) => (n.reviewDays.days = 365), []],
    ['0 days', (n: PolicyNumbers) => (n.reviewDays.days = 0), ['/body/numbers/reviewDays/days']],
    ['366 days', (n: PolicyNumbers) => (n.rectifyDays.days = 366), ['/body/numbers/rectifyDays/days']],
    ['half a day', (n: PolicyNumbers) => (n.appealDays.days = 2.5), ['/body/numbers/appealDays/days']],
    ['another unit', (n: PolicyNumbers) => ((n.reopenDays as { unit: string }).unit = 'hours'), ['/body/numbers/reopenDays/unit']],
    ['a satisfied default', (n: PolicyNumbers) => (n.defaultLevel = 'satisfied'), []],
    ['a negative default', (n: PolicyNumbers) => (n.defaultLevel = 'dissatisfied'), ['/body/numbers/defaultLevel']],
    ['a share of 1', (n: PolicyNumbers) => (n.keyTargets.minShare = 1), []],
    ['a share of 0', (n: PolicyNumbers) => (n.keyTargets.minShare = 0), ['/body/numbers/keyTargets/minShare']],
    ['a share above 1', (n: PolicyNumbers) => (n.keyTargets.minShare = 1.5), ['/body/numbers/keyTargets/minShare']],
    ['a count of 0', (n: PolicyNumbers) => (n.keyTargets.minCount = 0), ['/body/numbers/keyTargets/minCount']],
    ['no bottom staff', (n: PolicyNumbers) => (n.replacement.bottomN = 0), ['/body/numbers/replacement/bottomN']],
    ['25 periods', (n: PolicyNumbers) => (n.replacement.periods = 25), ['/body/numbers/replacement/periods']],
    [
      'two problems at once',
      (n: PolicyNumbers) => {
        n.ratingDays.days = 0;
        n.replacement.periods = 0;
      },
      ['/body/numbers/ratingDays/days', '/body/numbers/replacement/periods'],
    ],
  ])('%s → problems at %j', (_, change, fields) => {
    expect(with_(change).map((p) => p.field)).toEqual(fields);
  });
});

describe('the audit log records numbers as flat fields', () => {
  it('one field per number, days with their unit', () => {
    expect(numbersForAudit(DEFAULT_POLICY_NUMBERS)).toEqual({
      ratingDays: '7 natural',
      reviewDays: '15 natural',
      rectifyDays: '15 natural',
      reopenDays: '7 natural',
      appealDays: '5 working',
      defaultLevel: 'very_satisfied',
      'keyTargets.minShare': 0.05,
      'keyTargets.minCount': 3,
      'replacement.bottomN': 3,
      'replacement.periods': 3,
      'replacement.deadlineDays': 30,
      'replacement.minGroupStaff': 5,
      ...Object.fromEntries(
        Object.entries(DEFAULT_DETECTION).flatMap(([signal, fields]) => Object.entries(fields).map(([field, v]) => [`detection.${signal}.${field}`, v])),
      ),
    });
  });
});
