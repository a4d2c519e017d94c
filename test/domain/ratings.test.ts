import { describe, expect, it } from 'vitest';
import { isNegative, ratingFingerprint, scoreOf, TAGS, type Level } from '../../src/domain/ratings.ts';

describe('R6 levels and scores', () => {
  it.each([
    ['very_satisfied', 10, false],
    ['satisfied', 8, false],
    ['basically_satisfied', 6, false],
    ['dissatisfied', 3, true],
    ['very_dissatisfied', 0, true],
  ] as const)('%s scores %i (negative: %s)', (level, score, negative) => {
    expect(scoreOf(level as Level)).toBe(score);
    expect(isNegative(level as Level)).toBe(negative);
  });
});

describe('R4 tags', () => {
  it('every tag sits under one of the three aspects', () => {
    for (const [name, tag] of Object.entries(TAGS)) expect(name.startsWith(`${tag.aspect}.`)).toBe(true);
  });
});

describe('R7 the same rating sent again', () => {
  const base = {
    level: 'dissatisfied' as const,
    aspects: { efficiency: 'dissatisfied' as const },
    tags: ['efficiency.long_wait' as const, 'quality.unclear_guidance' as const],
    comment: '等了两小时',
    channel: 'sms' as const,
  };
  it.each([
    [{}, true],
    [{ tags: ['quality.unclear_guidance', 'efficiency.long_wait'] }, true],
    [{ comment: ' 等了两小时 ' }, true],
    [{ level: 'very_dissatisfied' }, false],
    [{ channel: 'app' }, false],
    [{ comment: '等了三小时' }, false],
    [{ aspects: {} }, false],
  ])('%j → same: %s', (change, same) => {
    expect(ratingFingerprint({ ...base, ...change } as typeof base) === ratingFingerprint(base)).toBe(same);
  });
});
