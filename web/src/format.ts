// Numbers and dates as a Chinese reader expects them: zh-CN grouping, and
// every date and time in China time (Asia/Shanghai), whatever the browser's zone.
const TIME_ZONE = 'Asia/Shanghai';

export const formatCount = (n: number | null | undefined, locale = 'zh-CN') => (n === null || n === undefined ? '—' : n.toLocaleString(locale));

export const formatMean = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toFixed(2));

export const formatShare = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${(n * 100).toFixed(1)}%`);

export function formatDateTime(value: string | Date | null | undefined, locale = 'zh-CN'): string {
  if (!value) return '—';
  return new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

const DAY_MS = 86_400_000;
/** China time is UTC+8 all year (no daylight saving since 1991). */
const CHINA_OFFSET_MS = 8 * 3_600_000;

/**
 * A deadline as people say it: an instant exactly at 00:00:00 China time is
 * the end (24:00) of the day before — "2026年12月20日 24:00" for
 * 2026-12-21T00:00:00+08:00 — since a deadline "of day D" is stored as D+1
 * 00:00. Any other instant reads as formatDateTime does.
 */
export function formatDeadline(value: string | Date | null | undefined, locale = 'zh-CN'): string {
  if (!value) return '—';
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return '—';
  if ((at.getTime() + CHINA_OFFSET_MS) % DAY_MS !== 0) return formatDateTime(at, locale);
  const day = new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, dateStyle: 'medium' }).format(new Date(at.getTime() - 1));
  return locale.startsWith('zh') ? `${day} 24:00` : `${day}, 24:00`;
}

/** An instant that is a China day's start (a day recorded without a time) as that day alone; any other as formatDateTime does. */
export function formatDayOrTime(value: string | Date | null | undefined, locale = 'zh-CN'): string {
  if (!value) return '—';
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return '—';
  if ((at.getTime() + CHINA_OFFSET_MS) % DAY_MS !== 0) return formatDateTime(at, locale);
  return new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, dateStyle: 'medium' }).format(at);
}

/** Today's year, quarter and month in China time. */
export function chinaToday(now = new Date()): { year: number; quarter: number; month: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: 'numeric' }).formatToParts(now);
  const year = Number(parts.find((p) => p.type === 'year')!.value);
  const month = Number(parts.find((p) => p.type === 'month')!.value);
  return { year, quarter: Math.ceil(month / 3), month };
}

/** Today's date in China time, YYYY-MM-DD (the day the API reads a date as). */
export const chinaDate = (now = new Date()) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);

/** A day picked as YYYY-MM-DD, as a deadline the API stores it: 24:00 China time of it (the next day's 00:00). */
export const endOfChinaDay = (day: string) => new Date(new Date(`${day}T00:00:00+08:00`).getTime() + DAY_MS);

export type PeriodKind = 'year' | 'quarter' | 'month';

/** The API's period text: 2026, 2026-Q3, 2026-07. */
export function periodText(kind: PeriodKind, year: number, part: number): string {
  if (kind === 'year') return String(year);
  if (kind === 'quarter') return `${year}-Q${part}`;
  return `${year}-${String(part).padStart(2, '0')}`;
}

/** Reads a period text back; null when it is not one. */
export function parsePeriod(text: string | null | undefined): { kind: PeriodKind; year: number; part: number } | null {
  const m = /^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/.exec(text ?? '');
  if (!m) return null;
  if (m[2]) return { kind: 'quarter', year: Number(m[1]), part: Number(m[2]) };
  if (m[3]) return { kind: 'month', year: Number(m[1]), part: Number(m[3]) };
  return { kind: 'year', year: Number(m[1]), part: 0 };
}

/**
 * An audit event's changes as lines a person reads: each field by its name
 * in the forms, "before → after" for an update, "changed" for a protected
 * field whose value is never recorded. `label` gives a field's name (or
 * undefined to keep the API's); `words` the words for yes, no, empty, changed.
 */
export function describeChanges(
  changes: unknown,
  label: (field: string) => string | undefined,
  words: { yes: string; no: string; empty: string; changed: string },
): string[] {
  if (changes === null || changes === undefined) return [];
  const value = (v: unknown): string => {
    if (v === null || v === undefined || v === '') return words.empty;
    if (v === true) return words.yes;
    if (v === false) return words.no;
    if (v === 'changed') return words.changed;
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  };
  if (typeof changes !== 'object' || Array.isArray(changes)) return [value(changes)];
  return Object.entries(changes as Record<string, unknown>).map(([field, v]) => {
    const name = label(field) ?? field;
    if (Array.isArray(v) && v.length === 2) return `${name}：${value(v[0])} → ${value(v[1])}`;
    return `${name}：${value(v)}`;
  });
}
