// Natural days and working days (issue 13). Every number of the policy
// (src/domain/policy.ts) is a count of one or the other. A natural day (自然日)
// is any calendar day. A working day (工作日) is a Monday to Friday that is not
// an official holiday, or a weekend day worked in exchange (调休上班), as the
// State Council General Office announces each year. The calendar holds
// those announcements; a year it does not cover is an error naming the year,
// never counted as natural days. Days are China days, 'YYYY-MM-DD'.
import { AppError, type FieldProblem } from './errors.ts';
import { chinaDay } from './occasions.ts';
import { POLICY } from './policy.ts';

export type DayUnit = 'natural' | 'working';
export const DAY_UNITS: readonly DayUnit[] = ['natural', 'working'];

export interface DayCount {
  days: number;
  unit: DayUnit;
}

export interface Calendar {
  /** The years the calendar covers: only in these are working days known. */
  years: ReadonlySet<number>;
  /** Official holidays (放假), weekends within them included. */
  holidays: ReadonlySet<string>;
  /** Weekend days worked in exchange (调休上班). */
  workdays: ReadonlySet<string>;
}

export const EMPTY_CALENDAR: Calendar = { years: new Set(), holidays: new Set(), workdays: new Set() };

export type CalendarDayKind = 'holiday' | 'workday';
export interface CalendarDay {
  day: string;
  kind: CalendarDayKind;
  name: string;
}

/** The calendar of the given days, covering the given years. */
export function calendarOf(years: Iterable<number>, days: Iterable<{ day: string; kind: CalendarDayKind }>): Calendar {
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  for (const d of days) (d.kind === 'holiday' ? holidays : workdays).add(d.day);
  return { years: new Set(years), holidays, workdays };
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The day `n` calendar days after 'YYYY-MM-DD'. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

/** ISO weekday of 'YYYY-MM-DD': 1 = Monday … 7 = Sunday. */
export function weekdayOf(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay() || 7;
}

export const isWeekend = (day: string) => weekdayOf(day) >= 6;

const yearOf = (day: string) => Number(day.slice(0, 4));

/** The error of a working-day count that needs a year the calendar lacks (HTTP 409). */
export const calendarYearMissing = (year: number) =>
  new AppError(
    'calendar_year_missing',
    'conflict',
    `The holiday calendar has no year ${year}: working days in ${year} are unknown until an admin adds ${year}'s holidays (政策参数 → 节假日)`,
  );

/** Whether China day 'YYYY-MM-DD' is a working day; throws calendar_year_missing for a year the calendar lacks. */
export function isWorkingDay(day: string, calendar: Calendar): boolean {
  const year = yearOf(day);
  if (!calendar.years.has(year)) throw calendarYearMissing(year);
  if (calendar.workdays.has(day)) return true;
  if (calendar.holidays.has(day)) return false;
  return !isWeekend(day);
}

/** The China day that is `count` natural or working days after China day `day` (day D itself never counts). */
export function dayAfter(day: string, count: DayCount, calendar: Calendar): string {
  if (count.unit === 'natural') return addDays(day, count.days);
  let current = day;
  for (let counted = 0; counted < count.days;) {
    current = addDays(current, 1);
    if (isWorkingDay(current, calendar)) counted++;
  }
  return current;
}

/** 24:00 China time of China day 'YYYY-MM-DD': the first instant of the next day. */
export function endOfChinaDay(day: string, offsetHours: number = POLICY.utcOffsetHours): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY - offsetHours * HOUR);
}

/**
 * 24:00 China time of the day `count` natural or working days after the
 * China day of `start`: for an event on day D, day D+1 is the first day
 * (docs/rules.md, "Time"), and "within N days" ends at 24:00 of the N-th
 * (R6: an occasion on day D is rateable until 24:00 of D+7). Throws
 * calendar_year_missing (409) naming the year when a working-day count
 * needs a year the calendar lacks; natural days need no calendar.
 */
export function deadlineAfter(start: Date, count: DayCount, calendar: Calendar): Date {
  return endOfChinaDay(dayAfter(chinaDay(start), count, calendar));
}

/**
 * What is wrong with the days given for one year of the calendar (a
 * replacement from the console): each day a real date of that year, at most
 * once, a kind and a name; a 调休 working day is a Saturday or a Sunday
 * (any other day is a working day already).
 */
export function calendarDayProblems(year: number, days: readonly CalendarDay[], base = '/body/days'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  days.forEach((d, i) => {
    const field = `${base}/${i}`;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d.day) || Number.isNaN(Date.parse(`${d.day}T00:00:00Z`)) || addDays(d.day, 0) !== d.day)
      problems.push({ field: `${field}/day`, message: 'is not a date (YYYY-MM-DD)' });
    else if (yearOf(d.day) !== year) problems.push({ field: `${field}/day`, message: `is not in ${year}` });
    else if (seen.has(d.day)) problems.push({ field: `${field}/day`, message: `is given twice (${d.day})` });
    else if (d.kind === 'workday' && !isWeekend(d.day))
      problems.push({ field: `${field}/kind`, message: `${d.day} is a weekday: only a Saturday or Sunday can be a 调休 working day` });
    seen.add(d.day);
    if (!d.name.trim()) problems.push({ field: `${field}/name`, message: 'is empty' });
  });
  return problems;
}

/**
 * The first day before `today` whose kind (holiday, 调休 working day, or
 * neither) two versions of a year's calendar differ on, or null: whether a
 * past day was worked never changes, so that what was reckoned over it
 * stays true (a name may be corrected; a year not covered before may be
 * added whole — nothing was reckoned in it).
 */
export function firstPastDayChanged(before: readonly CalendarDay[], after: readonly CalendarDay[], today: string): string | null {
  const was = new Map(before.map((d) => [d.day, d.kind]));
  const now = new Map(after.map((d) => [d.day, d.kind]));
  const days = [...new Set([...was.keys(), ...now.keys()])].filter((d) => d < today).sort();
  return days.find((d) => was.get(d) !== now.get(d)) ?? null;
}

/**
 * What a person typed for a time: an ISO 8601 instant, or a China day — its
 * 24:00 for a deadline (`endOfDay`), its 00:00 otherwise. Null when neither.
 */
export function parseInstantOrDay(value: string, endOfDay = true): Date | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const t = Date.parse(`${value}T00:00:00+08:00`);
    return Number.isNaN(t) ? null : new Date(t + (endOfDay ? 86_400_000 : 0));
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t);
}
