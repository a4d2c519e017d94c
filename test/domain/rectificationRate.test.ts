// R12, R13: which rectifications are due in a period and which were done on
// time (the rules storage/supervision.ts rectificationRates applies in SQL;
// test/api/rectificationRate.test.ts checks the two on a real database).
import { describe, expect, it } from 'vitest';
import { deadlineWindow, isDueIn, isOnTime, rectificationRate, type RectificationItem } from '../../src/domain/rectificationRate.ts';

const november = deadlineWindow({ from: '2026-11-01', to: '2026-11-30' });
const at = (s: string) => new Date(s);
const item = (o: Partial<Omit<RectificationItem, 'dueAt' | 'completedAt'>> & { dueAt: string; completedAt?: string }): RectificationItem => ({
  state: o.state ?? (o.completedAt ? 'done' : 'open'),
  dueAt: at(o.dueAt),
  completedAt: o.completedAt ? at(o.completedAt) : null,
});

describe('deadlineWindow', () => {
  it('is after 00:00 of the first China day, up to and including 24:00 of the last', () => {
    expect(november).toEqual({ after: at('2026-10-31T16:00:00Z'), until: at('2026-11-30T16:00:00Z') });
    expect(deadlineWindow({ from: '2026-01-01', to: '2026-12-31' })).toEqual({ after: at('2025-12-31T16:00:00Z'), until: at('2026-12-31T16:00:00Z') });
  });
});

describe('isDueIn and isOnTime', () => {
  const later = at('2027-01-01T00:00:00Z');
  const cases: [string, RectificationItem, Date, boolean, boolean][] = [
    // what, item, now, due in November, on time
    ['done early, deadline still ahead', item({ dueAt: '2026-11-17T16:00:00Z', completedAt: '2026-11-05T02:00:00Z' }), at('2026-11-10T00:00:00Z'), true, true],
    ['open, deadline still ahead', item({ dueAt: '2026-11-17T16:00:00Z' }), at('2026-11-17T15:59:59.999Z'), false, false],
    ['open, deadline reached', item({ dueAt: '2026-11-17T16:00:00Z' }), at('2026-11-17T16:00:00Z'), true, false],
    ['done a moment before 24:00', item({ dueAt: '2026-11-17T16:00:00Z', completedAt: '2026-11-17T15:59:59.999Z' }), later, true, true],
    ['done at 24:00 itself', item({ dueAt: '2026-11-17T16:00:00Z', completedAt: '2026-11-17T16:00:00Z' }), later, true, false],
    ['closed after a late fix', item({ state: 'closed', dueAt: '2026-11-17T16:00:00Z', completedAt: '2026-11-20T02:00:00Z' }), later, true, false],
    [
      'cancelled (rating voided or revoked)',
      item({ state: 'cancelled', dueAt: '2026-11-17T16:00:00Z', completedAt: '2026-11-05T02:00:00Z' }),
      later,
      false,
      false,
    ],
    ['due 24:00 of October 31', item({ dueAt: '2026-10-31T16:00:00Z', completedAt: '2026-10-20T02:00:00Z' }), later, false, true],
    ['due 24:00 of November 30', item({ dueAt: '2026-11-30T16:00:00Z' }), later, true, false],
    ['due a moment after 24:00 of November 30', item({ dueAt: '2026-11-30T16:00:00.001Z' }), later, false, false],
    ['reopened: open again, its fix cleared', item({ dueAt: '2026-11-23T16:00:00Z' }), later, true, false],
  ];
  it.each(cases)('%s', (_what, rect, now, due, onTime) => {
    expect(isDueIn(rect, november, now)).toBe(due);
    expect(isOnTime(rect)).toBe(onTime);
  });
});

describe('rectificationRate', () => {
  it('is on time ÷ due, null when nothing was due', () => {
    expect(rectificationRate(4, 1)).toEqual({ due: 4, onTime: 1, rate: 0.25 });
    expect(rectificationRate(0, 0)).toEqual({ due: 0, onTime: 0, rate: null });
  });
});
