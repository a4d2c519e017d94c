// R12, R13, R14: the rectification rate (整改率) — rectifications done on time
// ÷ rectifications due in a period. Pure rules over one item's facts; the SQL
// of storage/supervision.ts rectificationRates applies the same predicates to
// supervision_item (test/domain/rectificationRate.test.ts and
// test/api/rectificationRate.test.ts check the two agree).
import { POLICY } from './policy.ts';
import type { DayRange } from './scores.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What the rate needs of one rectification (a supervision_item of workflow 'rectification'). */
export interface RectificationItem {
  state: 'open' | 'done' | 'closed' | 'cancelled';
  /** The current deadline: an extension or a reopening moves it (R12). */
  dueAt: Date;
  /** When the latest fix was recorded; a reopening clears it. */
  completedAt: Date | null;
}

/**
 * The deadlines that fall on the China days of `range`: after 00:00 of its
 * first day, up to and including 24:00 of its last. A deadline is "24:00 of
 * day D" (docs/rules.md, "Time"), stored as the first instant of D+1, and is
 * due on D — as a default rating timed at 24:00 of D+7 counts on D+7 (R6).
 */
export function deadlineWindow(range: DayRange, offsetHours: number = POLICY.utcOffsetHours): { after: Date; until: Date } {
  const start = (day: string) => Date.parse(`${day}T00:00:00Z`) - offsetHours * HOUR_MS;
  return { after: new Date(start(range.from)), until: new Date(start(range.to) + DAY_MS) };
}

const done = (f: RectificationItem) => (f.state === 'done' || f.state === 'closed') && f.completedAt !== null;

/**
 * R12, R13: whether a rectification counts as due in the window, as of
 * `now`. Its current deadline falls in the window; a cancelled one (its
 * rating voided or revoked) is never due; one still open counts only once
 * its deadline has passed — before that it may yet be done on time, and
 * counting it would lower the rate of a period still running.
 */
export function isDueIn(f: RectificationItem, window: { after: Date; until: Date }, now: Date): boolean {
  if (f.state === 'cancelled') return false;
  const due = f.dueAt.getTime();
  if (due <= window.after.getTime() || due > window.until.getTime()) return false;
  return done(f) || now.getTime() >= due;
}

/** R12: rectified on time — its latest fix was recorded before its current deadline (24:00 itself is late). */
export function isOnTime(f: RectificationItem): boolean {
  return done(f) && f.completedAt!.getTime() < f.dueAt.getTime();
}

export interface RectificationRate {
  due: number;
  onTime: number;
  /** onTime ÷ due; null when nothing was due. */
  rate: number | null;
}

export function rectificationRate(due: number, onTime: number): RectificationRate {
  return { due, onTime, rate: due ? onTime / due : null };
}
