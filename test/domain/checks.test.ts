// R12: the checks of a rater's tags against the case, at their boundaries.
import { describe, expect, it } from 'vitest';
import { calendarOf } from '../../src/domain/calendar.ts';
import { repeatVisitCheck, timeLimitCheck } from '../../src/domain/checks.ts';

// 2026: National Day Oct 1–7 off, Saturday Oct 10 a 调休 working day.
const calendar = calendarOf(
  [2026],
  [
    ...['01', '02', '03', '04', '05', '06', '07'].map((d) => ({ day: `2026-10-${d}`, kind: 'holiday' as const })),
    { day: '2026-10-10', kind: 'workday' as const },
  ],
);
const at = (iso: string) => new Date(iso);

describe('超时办理 against the matter’s time limit (working days from the day after acceptance)', () => {
  it.each([
    // accepted Wednesday 09-30; 3 working days: Oct 8, 9, 10 (调休) → due 24:00 Oct 10
    ['done on the last day', '2026-10-10T15:59:59Z', 'not_supported', '2026-10-10 24:00'],
    ['done at 24:00 exactly is late', '2026-10-10T16:00:01Z', 'supported', '2026-10-10 24:00'],
  ])('%s', (_, completed, result, due) => {
    const check = timeLimitCheck(
      { acceptedAt: at('2026-09-30T02:00:00Z'), completedAt: at(completed), timeLimitDays: 3 },
      at('2026-11-01T00:00:00Z'),
      calendar,
    );
    expect(check).toMatchObject({ tag: 'efficiency.overdue', result });
    expect(check.text).toContain(due);
  });
  it('an immediate matter (0 days) is due at 24:00 of the day of acceptance', () => {
    const check = timeLimitCheck(
      { acceptedAt: at('2026-11-02T02:00:00Z'), completedAt: at('2026-11-02T15:00:00Z'), timeLimitDays: 0 },
      at('2026-11-03T00:00:00Z'),
      calendar,
    );
    expect(check).toMatchObject({ result: 'not_supported' });
  });
  it('not completed: compared with now', () => {
    const open = { acceptedAt: at('2026-09-30T02:00:00Z'), completedAt: null, timeLimitDays: 3 };
    expect(timeLimitCheck(open, at('2026-10-10T15:00:00Z'), calendar).result).toBe('not_supported');
    expect(timeLimitCheck(open, at('2026-10-11T01:00:00Z'), calendar).result).toBe('supported');
  });
  it('a year the calendar lacks: unknown, saying which', () => {
    const check = timeLimitCheck({ acceptedAt: at('2026-12-30T02:00:00Z'), completedAt: null, timeLimitDays: 5 }, at('2027-01-10T00:00:00Z'), calendar);
    expect(check.result).toBe('unknown');
    expect(check.text).toContain('2027');
  });
});

describe('多次跑动 against the applicant’s other cases', () => {
  it('none before: not supported; some: supported, by dates only (other cases may lie outside the reader’s scope)', () => {
    expect(repeatVisitCheck([]).result).toBe('not_supported');
    const check = repeatVisitCheck([{ acceptedAt: at('2026-10-20T02:00:00Z') }]);
    expect(check).toMatchObject({ result: 'supported' });
    expect(check.text).toContain('2026-10-20');
  });
});
