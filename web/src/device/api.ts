// The device's calls to the API (issue 12), with plain fetch: the device has
// no session, only its own key (`Authorization: Bearer hcp_…`), which it got
// by pairing. A 401 on a call made with the key means the key was revoked or
// is unknown: the app goes back to pairing (see onKeyRefused).
import type { paths } from '../api/schema';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** GET /api/v1/device: the device, its window and the staff on duty there now. */
export type DeviceInfo = Json<paths['/api/v1/device']['get']['responses'][200]>;
export type DeviceWindow = DeviceInfo['window'];
export type OnDuty = DeviceInfo['onDuty'][number];

/** POST /api/v1/devices/pair */
export type Paired = Json<paths['/api/v1/devices/pair']['post']['responses'][200]>;

/** POST /api/v1/ratings */
type RatingOut = Json<paths['/api/v1/ratings']['post']['responses'][201]>;

/**
 * The data of an `occasion` event of GET /api/v1/device/events (R7: one occasion, one rating). An SSE body is
 * not in the OpenAPI document: this is the contract of issue 12 (src/app/devices.ts, DeviceOccasion).
 */
export interface OccasionEvent {
  occasionId: number;
  token: string;
  kind: string;
  kindName: string;
  occurredAt: string;
  deadline: string;
  matterName: string | null;
  agencyName: string | null;
  staff: { name: string; staffNumber: string } | null;
}

/** What the device sends (R4: a level, and tags for a negative one); R5: always through the `device` channel. */
type RatingIn = NonNullable<paths['/api/v1/ratings']['post']['requestBody']>['content']['application/json'];
export type DeviceRating = Required<Pick<RatingIn, 'token' | 'level'>> & Pick<RatingIn, 'tags'> & { channel: 'device' };

/** An answer; `status` 0 when none came (the network, or no answer in time). */
export type Answer<T> = { ok: true; status: number; value: T } | { ok: false; status: number; errorId?: string; retryAfterSeconds?: number };

const TIMEOUT_MS = 10_000;

let keyRefused: ((errorId: string | undefined) => void) | undefined;
/** What to do when the API refuses the device's key (401): set once by the app. */
export function onKeyRefused(callback: (errorId: string | undefined) => void): void {
  keyRefused = callback;
}
export const reportKeyRefused = (errorId: string | undefined): void => keyRefused?.(errorId);

async function call<T>(path: string, options: { method?: string; key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  // A hung request must not hold the citizen in front of a spinner: no answer in time counts as no network.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
      signal: controller.signal,
    });
  } catch {
    clearTimeout(timer);
    return { ok: false, status: 0 };
  }
  try {
    const body = (await response.json().catch(() => null)) as (T & { error?: { id?: string } }) | null;
    if (response.ok && body) return { ok: true, status: response.status, value: body };
    const errorId = body?.error?.id;
    if (response.status === 401 && options.key) reportKeyRefused(errorId);
    const retryAfter = Number(response.headers.get('retry-after'));
    return { ok: false, status: response.status, errorId, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined };
  } catch {
    return { ok: false, status: 0 };
  } finally {
    clearTimeout(timer);
  }
}

/** The code as the console shows it may be typed with a space or a dash: only its digits count. */
export const normalizePairingCode = (typed: string): string => typed.replace(/[\s-]/g, '');

export const pair = (code: string) => call<Paired>('/api/v1/devices/pair', { method: 'POST', body: { code } });

export const loadDevice = (key: string) => call<DeviceInfo>('/api/v1/device', { key });

/** R7: the same Idempotency-Key on every attempt of one rating, so a retry after a lost answer is given the first rating back. */
export const postRating = (key: string, rating: DeviceRating, idempotencyKey: string) =>
  call<RatingOut>('/api/v1/ratings', {
    method: 'POST',
    key,
    body: rating,
    headers: { 'idempotency-key': idempotencyKey },
  });

/** A random UUID (v4); crypto.randomUUID exists only in secure contexts, and a device may be served over plain http on the LAN. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
