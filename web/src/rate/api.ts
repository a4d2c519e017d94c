// The two calls of the rater's page (issue 12), with plain fetch: the
// console's client (openapi-fetch with its session handling) is not needed
// by a page that has no session, only a signed link.
import type { Aspect, Level, Tag } from '../../../src/domain/ratings.ts';
import type { paths } from '../api/schema';
import type { ProblemKind } from './messages.ts';

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

/** What a link is for: the occasion, who served and where (GET /api/v1/invitations/{token}, types generated from the API). */
export type Invitation = Json<paths['/api/v1/invitations/{token}']['get']['responses'][200]>;
/** What became of the rating given with the link (R6, R11, R12): null while the link is open. */
export type RaterSupervision = NonNullable<Invitation['supervision']>;
/** A rating as stored (R4-R6). */
export type RatingOut = Json<paths['/api/v1/ratings']['post']['responses'][201]>;
type RatingBody = NonNullable<paths['/api/v1/ratings']['post']['requestBody']>['content']['application/json'];

export interface RatingInput {
  level: Level;
  aspects: Partial<Record<Aspect, Level>>;
  tags: Tag[];
  comment: string;
}

/** R5: the SMS link is the 'sms' channel; the QR code printed on the receipt adds ?via=qr, the 'web' channel. */
export type RaterChannel = 'sms' | 'web';

/** An answer, or the page of its own it calls for; `status` 0 when no answer came (the network); `id` the API's error id. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; problem: ProblemKind; status: number; id?: string };

/** Which page of its own an error answer gets: the API's error ids (contract of issue 12). */
export function problemOf(status: number, errorId: string | undefined): ProblemKind {
  switch (errorId) {
    case 'invalid_token':
      return 'invalid';
    case 'token_expired':
    case 'occasion_defaulted': // R6: the period is over and the default rating was given
      return 'expired';
    case 'token_already_used':
      return 'used';
    case 'rating_already_given':
      return 'ratedElsewhere';
    case 'occasion_cancelled':
      return 'cancelled';
  }
  if (status === 429) return 'busy';
  if (status === 401 || status === 404) return 'invalid';
  if (status === 410) return 'expired';
  return 'server';
}

async function call<T>(url: string, init?: RequestInit): Promise<Outcome<T>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, credentials: 'omit', headers: { accept: 'application/json', ...init?.headers } });
  } catch {
    return { ok: false, problem: 'network', status: 0 };
  }
  const body = (await response.json().catch(() => null)) as (T & { error?: { id?: string } }) | null;
  if (response.ok && body) return { ok: true, value: body };
  return { ok: false, problem: problemOf(response.status, body?.error?.id), status: response.status, id: body?.error?.id };
}

export const loadInvitation = (token: string) => call<Invitation>(`/api/v1/invitations/${encodeURIComponent(token)}`);

/**
 * R7: the same Idempotency-Key on every attempt of one page load, so a retry
 * after a lost answer is given the first rating back, never a second one.
 */
export function submitRating(token: string, input: RatingInput, channel: RaterChannel, idempotencyKey: string) {
  const body: RatingBody = {
    token,
    level: input.level,
    ...(Object.keys(input.aspects).length ? { aspects: input.aspects } : {}),
    ...(input.tags.length ? { tags: input.tags } : {}),
    ...(input.comment.trim() ? { comment: input.comment.trim() } : {}),
    channel,
  };
  return call<RatingOut>('/api/v1/ratings', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    body: JSON.stringify(body),
  });
}

/** R12: the rater grades the fix of their rating, with the link they rated with. */
export const gradeRectification = (token: string, grade: 'satisfied' | 'basically_satisfied' | 'not_satisfied') =>
  call<RaterSupervision>(`/api/v1/invitations/${encodeURIComponent(token)}/rectification/grade`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grade }),
  });

/** R12: not satisfied, the rater has it rectified again (once, within the days allowed). */
export const reopenRectification = (token: string) =>
  call<RaterSupervision>(`/api/v1/invitations/${encodeURIComponent(token)}/rectification/reopen`, { method: 'POST' });

/** A random UUID (v4) even where crypto.randomUUID is missing (it needs a secure context; the link may be plain http). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The token of a link /r/{token}, and the channel it was opened through (R5). */
export function linkOf(location: { pathname: string; search: string }): { token: string; channel: RaterChannel } {
  const match = /^\/r\/([^/]+)/.exec(location.pathname);
  let token: string;
  try {
    token = match ? decodeURIComponent(match[1]!) : '';
  } catch {
    token = ''; // a malformed escape: no link at all
  }
  return { token, channel: new URLSearchParams(location.search).get('via') === 'qr' ? 'web' : 'sms' };
}
