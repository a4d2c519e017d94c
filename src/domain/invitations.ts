// R5-R7: the SMS that invites the applicant to rate an occasion (issue 12).
// It says who served, what was done, and until when it may be rated (R6, in
// China time), in at most 70 characters — one SMS — before the link.
import type { OccasionKind } from './occasions.ts';
import { POLICY } from './policy.ts';

/** One SMS holds 70 characters of Chinese text; the link follows it. */
export const SMS_TEXT_MAX = 70;

/** R7, R8: what happened at each occasion, as the citizen says it. */
export const OCCASION_DONE: Record<OccasionKind, string> = {
  acceptance: '受理',
  completion: '办结',
  approval: '审批',
  delivery: '出件',
  composite: '办结',
};

/** R7, R8: the occasion's name on the rating page. */
export const OCCASION_NAMES: Record<OccasionKind, string> = {
  acceptance: '受理',
  completion: '办结',
  approval: '审批',
  delivery: '出件',
  composite: '一件事整体',
};

/** The SMS signature every message of the platform opens with. */
export const SIGNATURE = '【政务服务好差评】';

/** "12月3日24时": the last China-time day an occasion may be rated (R6: until 24:00 of that day). */
export function lastRatingDay(deadline: Date, offsetHours: number = POLICY.utcOffsetHours): string {
  const last = new Date(deadline.getTime() - 1 + offsetHours * 3_600_000);
  return `${last.getUTCMonth() + 1}月${last.getUTCDate()}日24时`;
}

export interface InvitationFacts {
  kind: OccasionKind;
  /** The staff member who served; null for a package as a whole (R8). */
  staffName: string | null;
  /** The matter's name, or the package's. */
  what: string;
  deadline: Date;
}

/**
 * The SMS text before the link: 【政务服务好差评】韦一为您办理的“不动产登记”已受理，
 * 请于12月3日24时前评价： — the name of what was done (and a staff name over 10
 * characters) is shortened with "…" when the whole would pass 70 characters.
 */
export function invitationText(facts: InvitationFacts): string {
  const name = facts.staffName ? [...facts.staffName.trim()] : [];
  // A name longer than 10 characters (rare: a transliterated name) is shortened too, so the matter keeps room.
  const who = name.length ? `${name.length > 10 ? `${name.slice(0, 9).join('')}…` : name.join('')}为您办理的` : '您办理的';
  const compose = (what: string) => `${SIGNATURE}${who}“${what}”已${OCCASION_DONE[facts.kind]}，请于${lastRatingDay(facts.deadline)}前评价：`;
  const chars = (text: string) => [...text].length;
  const what = [...facts.what.trim()];
  if (chars(compose(what.join(''))) <= SMS_TEXT_MAX) return compose(what.join(''));
  const room = SMS_TEXT_MAX - chars(compose('')) - 1;
  return compose(`${what.slice(0, Math.max(1, room)).join('')}…`);
}

/** The rating link of a token ({PUBLIC_URL}/r/{token}); `via: 'qr'` for the code printed on the receipt. */
export function ratingLink(publicUrl: string, token: string, via?: 'qr'): string {
  return `${publicUrl.replace(/\/+$/, '')}/r/${token}${via ? `?via=${via}` : ''}`;
}
