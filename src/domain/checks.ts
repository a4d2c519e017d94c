// R12: where a rater's tag can be checked against the case, the verification
// screen shows the result beside the claim. Evidence, not a decision: the
// supervisor decides. Pure; the use case loads the case and the calendar.
import { AppError } from './errors.ts';
import { deadlineAfter, endOfChinaDay, type Calendar } from './calendar.ts';
import { chinaDay } from './occasions.ts';
import { TAGS, type Tag } from './ratings.ts';

export type CheckResult = 'supported' | 'not_supported' | 'unknown';

export interface CaseCheck {
  tag: Tag;
  /** The rater's claim, as the tag reads. */
  claim: string;
  result: CheckResult;
  /** What the case data say, in words. */
  text: string;
}

const fmt = (at: Date) => `${chinaDay(at)} ${new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(11, 16)}`;
/** A deadline at 00:00 China time reads as 24:00 of the day before, as the rules say it. */
const fmtDeadline = (at: Date) => (fmt(at).endsWith(' 00:00') ? `${chinaDay(new Date(at.getTime() - 1))} 24:00` : fmt(at));
const DAY = 86_400_000;

/**
 * "超时办理" against the matter's time limit: the limit is in working days
 * counted from the day after acceptance (docs/decisions.md: matters' limits
 * are working days, 承诺时限 工作日), and a limit of 0 (an immediate matter)
 * ends at 24:00 of the day of acceptance. A case not completed is compared
 * with `now`.
 */
export function timeLimitCheck(c: { acceptedAt: Date; completedAt: Date | null; timeLimitDays: number }, now: Date, calendar: Calendar): CaseCheck {
  const tag: Tag = 'efficiency.overdue';
  const claim = TAGS[tag].zh;
  let limit: Date;
  try {
    limit = c.timeLimitDays === 0 ? endOfChinaDay(chinaDay(c.acceptedAt)) : deadlineAfter(c.acceptedAt, { days: c.timeLimitDays, unit: 'working' }, calendar);
  } catch (error) {
    if (error instanceof AppError) return { tag, claim, result: 'unknown', text: `无法判断：${error.message}` };
    throw error;
  }
  const end = c.completedAt ?? now;
  const late = end.getTime() > limit.getTime();
  const lateDays = Math.ceil((end.getTime() - limit.getTime()) / DAY);
  const limitText = `受理于 ${fmt(c.acceptedAt)}，承诺时限 ${c.timeLimitDays} 个工作日，应于 ${fmtDeadline(limit)} 前办结`;
  if (c.completedAt)
    return {
      tag,
      claim,
      result: late ? 'supported' : 'not_supported',
      text: `${limitText}；实际办结于 ${fmt(c.completedAt)}，${late ? `超时约 ${lateDays} 天` : '未超时'}`,
    };
  return { tag, claim, result: late ? 'supported' : 'not_supported', text: `${limitText}；至今未办结，${late ? `已超时约 ${lateDays} 天` : '尚未超时'}` };
}

/** Days before acceptance within which another case of the same applicant and matter counts as a repeat visit. */
export const REPEAT_VISIT_DAYS = 30;

/** "多次跑动" against the applicant's other cases for the same matter in the days before. */
export function repeatVisitCheck(earlier: readonly { acceptedAt: Date }[]): CaseCheck {
  const tag: Tag = 'efficiency.repeat_visits';
  const claim = TAGS[tag].zh;
  if (!earlier.length) return { tag, claim, result: 'not_supported', text: `该申请人此前 ${REPEAT_VISIT_DAYS} 天内没有同一事项的其他办件` };
  return {
    tag,
    claim,
    result: 'supported',
    // Dates only: the applicant's other cases may lie with other agencies, outside the reader's scope (R2, R9).
    text: `该申请人此前 ${REPEAT_VISIT_DAYS} 天内同一事项另有 ${earlier.length} 件，受理于 ${earlier.map((e) => chinaDay(e.acceptedAt)).join('、')}`,
  };
}

/** The tags a check exists for. */
export const CHECKED_TAGS: readonly Tag[] = ['efficiency.overdue', 'efficiency.repeat_visits'];
