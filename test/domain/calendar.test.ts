// Issue 13: natural and working days. Working days skip weekends and the
// official holidays and count the 调休 weekend days worked; the calendar is
// the one shipped in migration 0010 (scripts/holidays.ts, from the State
// Council General Office's notices). Every boundary date is written out.
import { describe, expect, it } from 'vitest';
import {
  addDays,
  calendarDayProblems,
  calendarOf,
  deadlineAfter,
  EMPTY_CALENDAR,
  firstPastDayChanged,
  isWorkingDay,
  weekdayOf,
  type CalendarDay,
  type DayCount,
} from '../../src/domain/calendar.ts';
import { AppError } from '../../src/domain/errors.ts';
import { ratingDeadline } from '../../src/domain/occasions.ts';
import { holidayYear } from '../../scripts/holidays.ts';

const shipped = (years: number[]) =>
  calendarOf(
    years,
    years.flatMap((y) => holidayYear(y).days),
  );
const CALENDAR = shipped([2024, 2025, 2026]);
const working = (days: number): DayCount => ({ days, unit: 'working' });
const natural = (days: number): DayCount => ({ days, unit: 'natural' });

function missingYear(fn: () => unknown): number | null {
  try {
    fn();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ id: 'calendar_year_missing', kind: 'conflict' });
    return Number(/\d{4}/.exec((error as Error).message)![0]);
  }
}

describe('the days of the week', () => {
  it.each([
    ['2025-09-27', 6], // Saturday
    ['2025-09-28', 7], // Sunday
    ['2025-09-29', 1],
    ['2025-10-03', 5],
    ['2028-02-29', 2], // leap day
  ])('%s is ISO weekday %i', (day, weekday) => {
    expect(weekdayOf(day)).toBe(weekday);
  });

  it.each([
    ['2025-12-31', 1, '2026-01-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2026-02-28', 1, '2026-03-01'],
    ['2025-09-30', 8, '2025-10-08'],
  ])('%s + %i day(s) = %s', (day, n, result) => {
    expect(addDays(day, n)).toBe(result);
  });
});

describe('issue 13: which days are working days (2025 National Day and Mid-Autumn: 10-01 to 10-08 off, Sunday 09-28 and Saturday 10-11 worked)', () => {
  it.each([
    ['2025-09-26', true], // Friday
    ['2025-09-27', false], // Saturday
    ['2025-09-28', true], // Sunday worked (调休)
    ['2025-09-30', true],
    ['2025-10-01', false], // 国庆节
    ['2025-10-04', false], // a Saturday inside the holiday
    ['2025-10-06', false], // 中秋节
    ['2025-10-08', false], // Wednesday, the last day off
    ['2025-10-09', true],
    ['2025-10-11', true], // Saturday worked (调休)
    ['2025-10-12', false], // Sunday
    ['2025-11-08', false], // an ordinary Saturday
    ['2025-11-10', true], // an ordinary Monday
    ['2026-01-01', false], // 元旦 2026: 01-01 to 01-03
    ['2026-01-04', true], // Sunday worked
    ['2026-02-14', true], // Saturday worked before 春节
    ['2026-02-23', false], // the last day of 春节 (Monday)
    ['2026-02-24', true],
    ['2026-02-28', true], // Saturday worked after 春节
  ])('%s → %s', (day, expected) => {
    expect(isWorkingDay(day, CALENDAR)).toBe(expected);
  });

  it('a day of a year the calendar lacks is an error naming the year, never a guess', () => {
    expect(missingYear(() => isWorkingDay('2027-01-04', CALENDAR))).toBe(2027);
    expect(missingYear(() => isWorkingDay('2023-06-01', CALENDAR))).toBe(2023);
  });
});

describe('issue 13: deadlines in working days — 24:00 China time of the N-th working day after day D', () => {
  it.each([
    // start (instant)                  count   deadline (first instant past it)  why
    ['2025-09-30T10:00:00+08:00', 5, '2025-10-15T00:00:00+08:00'], // 10-09, 10-10, 10-11 (Saturday worked), 10-13, 10-14
    ['2025-09-26T10:00:00+08:00', 5, '2025-10-11T00:00:00+08:00'], // 09-28 (Sunday worked), 09-29, 09-30, 10-09, 10-10
    ['2025-09-27T10:00:00+08:00', 5, '2025-10-11T00:00:00+08:00'], // from a Saturday: the same five
    ['2025-09-28T10:00:00+08:00', 5, '2025-10-12T00:00:00+08:00'], // day D itself never counts, worked or not: 09-29, 09-30, 10-09, 10-10, 10-11
    ['2025-10-01T10:00:00+08:00', 5, '2025-10-15T00:00:00+08:00'], // from a holiday
    ['2025-10-10T10:00:00+08:00', 1, '2025-10-12T00:00:00+08:00'], // the Saturday worked is the first
    ['2025-10-10T10:00:00+08:00', 2, '2025-10-14T00:00:00+08:00'], // then Sunday is skipped
    ['2025-11-03T10:00:00+08:00', 5, '2025-11-11T00:00:00+08:00'], // Monday: Tue–Fri, then Monday
    ['2025-11-07T10:00:00+08:00', 5, '2025-11-15T00:00:00+08:00'], // Friday: the weekend skipped
    ['2025-11-08T10:00:00+08:00', 1, '2025-11-11T00:00:00+08:00'], // Saturday + 1 = Monday
    ['2025-09-29T16:00:00Z', 5, '2025-10-15T00:00:00+08:00'], // 00:00 of 09-30 in China
    ['2025-09-29T15:59:59Z', 5, '2025-10-14T00:00:00+08:00'], // still 09-29 in China: 09-30, 10-09, 10-10, 10-11, 10-13
    ['2025-12-31T10:00:00+08:00', 1, '2026-01-05T00:00:00+08:00'], // across the year: 01-01 to 01-03 off, Sunday 01-04 worked
    ['2026-02-13T10:00:00+08:00', 1, '2026-02-15T00:00:00+08:00'], // Saturday 02-14 worked
    ['2026-02-13T10:00:00+08:00', 2, '2026-02-25T00:00:00+08:00'], // then 春节 02-15 to 02-23
    ['2026-12-25T10:00:00+08:00', 4, '2027-01-01T00:00:00+08:00'], // ends on 12-31: 2027 not needed
  ])('%s + %i working day(s) → %s', (start, days, deadline) => {
    expect(deadlineAfter(new Date(start), working(days), CALENDAR).toISOString()).toBe(new Date(deadline).toISOString());
  });

  it('a count reaching into a year the calendar lacks is refused naming it (2027)', () => {
    // 2026-12-28 (Monday) + 5: 12-29, 12-30, 12-31, then 2027.
    expect(missingYear(() => deadlineAfter(new Date('2026-12-28T10:00:00+08:00'), working(5), CALENDAR))).toBe(2027);
    // …and a count that starts in a missing year too.
    expect(missingYear(() => deadlineAfter(new Date('2023-12-29T10:00:00+08:00'), working(1), CALENDAR))).toBe(2023);
  });

  it('the start day’s own year is not needed when no day of it is counted', () => {
    const only2025 = shipped([2025]);
    // 2024-12-31 + 1: 2025-01-01 is 元旦, 01-02 the first working day.
    expect(deadlineAfter(new Date('2024-12-31T10:00:00+08:00'), working(1), only2025).toISOString()).toBe(new Date('2025-01-03T00:00:00+08:00').toISOString());
  });
});

describe('issue 13: deadlines in natural days need no calendar', () => {
  it.each([
    ['2025-09-30T10:00:00+08:00', 5, '2025-10-06T00:00:00+08:00'], // holidays count
    ['2026-12-28T10:00:00+08:00', 7, '2027-01-05T00:00:00+08:00'], // into 2027, which no calendar has
    ['2026-03-02T10:00:00+08:00', 15, '2026-03-18T00:00:00+08:00'],
    ['2026-03-01T16:00:00Z', 7, '2026-03-10T00:00:00+08:00'],
  ])('%s + %i natural day(s) → %s', (start, days, deadline) => {
    expect(deadlineAfter(new Date(start), natural(days), EMPTY_CALENDAR).toISOString()).toBe(new Date(deadline).toISOString());
  });

  it('R6: 7 natural days is the rating deadline of docs/rules.md', () => {
    for (const at of ['2026-03-02T00:00:00+08:00', '2026-03-02T23:59:59+08:00', '2026-12-31T23:30:00+08:00', '2028-02-22T09:00:00+08:00']) {
      expect(deadlineAfter(new Date(at), natural(7), EMPTY_CALENDAR).toISOString()).toBe(ratingDeadline(new Date(at)).toISOString());
    }
  });
});

describe('issue 13: a year of the calendar as an admin gives it', () => {
  const day = (d: string, kind: CalendarDay['kind'] = 'holiday', name = '元旦'): CalendarDay => ({ day: d, kind, name });

  it('accepts the shipped years as they are', () => {
    for (let year = 2019; year <= 2026; year++) expect(calendarDayProblems(year, holidayYear(year).days)).toEqual([]);
  });

  it.each([
    [[day('2026-01-01')], []],
    [[day('2027-01-01')], [{ field: '/body/days/0/day', message: 'is not in 2026' }]],
    [[day('2026-02-30')], [{ field: '/body/days/0/day', message: 'is not a date (YYYY-MM-DD)' }]],
    [[day('2026-1-1')], [{ field: '/body/days/0/day', message: 'is not a date (YYYY-MM-DD)' }]],
    [[day('2026-01-01'), day('2026-01-01')], [{ field: '/body/days/1/day', message: 'is given twice (2026-01-01)' }]],
    [[day('2026-01-05', 'workday')], [{ field: '/body/days/0/kind', message: '2026-01-05 is a weekday: only a Saturday or Sunday can be a 调休 working day' }]],
    [[day('2026-01-04', 'workday')], []], // a Sunday
    [[day('2026-01-01', 'holiday', ' ')], [{ field: '/body/days/0/name', message: 'is empty' }]],
  ])('%j → %j', (days, problems) => {
    expect(calendarDayProblems(2026, days)).toEqual(problems);
  });

  const before = [day('2026-01-01'), day('2026-01-04', 'workday'), day('2026-10-01', 'holiday', '国庆节')];
  it.each([
    ['nothing changes', null, before],
    ['a past day loses its holiday', '2026-01-01', [before[1]!, before[2]!]],
    ['a past day becomes a holiday', '2026-03-02', [...before, day('2026-03-02')]],
    ['a past day changes kind', '2026-01-04', [day('2026-01-01'), day('2026-01-04', 'holiday'), before[2]!]],
    ['a past day is renamed', null, [day('2026-01-01', 'holiday', '元旦节'), before[1]!, before[2]!]],
    ['today changes', null, [...before, day('2026-11-02')]],
    ['a later day changes', null, [...before, day('2026-12-31')]],
  ])('with today 2026-11-02, when %s the first past day changed is %s', (_, changed, after) => {
    expect(firstPastDayChanged(before, after as CalendarDay[], '2026-11-02')).toBe(changed);
  });
});
