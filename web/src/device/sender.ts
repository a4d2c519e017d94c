// Sends the ratings of the queue (queue.ts) to the API, oldest first, one at
// a time (issue 12, offline). Every rating is queued before it is sent, so a
// rating given while the network is down, or whose answer is lost, is sent
// again later with the same Idempotency-Key:
// - 201, or 200 for a key the API has seen (R7: the first rating back): sent, off the queue;
// - no answer, 5xx, 408, 429: kept, and the queue stops there (order is kept) until a retry;
// - 401: the device's key was revoked (the app goes back to pairing);
// - any other 4xx (409 already rated, 410 expired, 403 another window, 400): it can never
//   succeed, so it is dropped with a note in the log instead of being retried forever.
// The app calls flush() when it starts and when the browser says it is back online.
import { ref } from 'vue';
import { newIdempotencyKey, postRating, reportKeyRefused, type DeviceRating } from './api.ts';
import { backoffMs } from './events.ts';
import { clearQueue, countWaiting, enqueue, removeQueued, updateQueued, waitingRatings, type QueuedRating } from './queue.ts';

export type SendOutcome = { state: 'sent' } | { state: 'waiting' } | { state: 'refused'; status: number; errorId: string | undefined };

/** How many ratings wait to be sent (the banner shows it). */
export const waiting = ref(0);
/** The last attempt found no network (or no answer in time). */
export const unreachable = ref(false);

/** What became of the ratings a rating screen waits for (by queue seq); others are not recorded. */
const awaited = new Set<number>();
const outcomes = new Map<number, SendOutcome>();
const settle = (seq: number, outcome: SendOutcome) => {
  if (awaited.has(seq)) outcomes.set(seq, outcome);
};
let keyOf: () => string | null = () => null;
let running: Promise<void> | undefined;
let again = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let failures = 0;

/** Called once by the app: where the device's key is. */
export function useKey(key: () => string | null): void {
  keyOf = key;
}

async function refreshCount(): Promise<void> {
  waiting.value = await countWaiting().catch(() => waiting.value);
}

function retryLater(afterMs: number): void {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => void flush(), afterMs);
}

const permanent = (status: number) => status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429;

async function sendOne(item: QueuedRating, key: string): Promise<'next' | 'stop'> {
  const answer = await postRating(key, item.rating, item.idempotencyKey);
  if (answer.ok) {
    await removeQueued(item.seq!);
    settle(item.seq!, { state: 'sent' });
    unreachable.value = false;
    return 'next';
  }
  if (answer.status === 401) return 'stop'; // api.ts has told the app: it clears the queue and pairs again
  if (permanent(answer.status)) {
    await removeQueued(item.seq!);
    settle(item.seq!, { state: 'refused', status: answer.status, errorId: answer.errorId });
    console.warn(
      `评价器：评价 ${item.idempotencyKey}（办件环节 ${item.occasionId}）被拒绝（HTTP ${answer.status} ${answer.errorId ?? ''}），不再重试，已移出待提交队列`,
    );
    unreachable.value = false;
    return 'next';
  }
  unreachable.value = answer.status === 0;
  await updateQueued({ ...item, attempts: item.attempts + 1, lastProblem: answer.status ? `HTTP ${answer.status} ${answer.errorId ?? ''}` : 'network' });
  retryLater(answer.retryAfterSeconds ? answer.retryAfterSeconds * 1000 : backoffMs(failures++, 2000));
  return 'stop';
}

async function sendAll(): Promise<void> {
  const key = keyOf();
  if (!key) return;
  for (const item of await waitingRatings()) {
    if ((await sendOne(item, key)) === 'stop') return;
    waiting.value = Math.max(0, waiting.value - 1);
  }
  failures = 0;
  clearTimeout(retryTimer);
}

/** Sends what waits, oldest first. One pass at a time (and one tab at a time, where the browser has Web Locks); a call during a pass gets one more pass. */
export function flush(): Promise<void> {
  if (running) {
    again = true;
    return running;
  }
  const pass = async () => {
    try {
      if (navigator.locks) await navigator.locks.request('hcp-device-ratings', sendAll);
      else await sendAll();
    } catch (error) {
      console.warn('评价器：提交保存的评价失败', error);
      retryLater(backoffMs(failures++, 2000));
    }
    await refreshCount();
  };
  running = (async () => {
    do {
      again = false;
      await pass();
    } while (again);
  })().finally(() => (running = undefined));
  return running;
}

/** Keeps the rating, then tries to send it (and anything older first). Resolves with what became of it. */
export async function submit(rating: DeviceRating, occasionId: number): Promise<SendOutcome> {
  // A plain copy: the screen's rating holds Vue's reactive arrays (the tags), which IndexedDB cannot store (DataCloneError).
  const plain = JSON.parse(JSON.stringify(rating)) as DeviceRating;
  const item: QueuedRating = { idempotencyKey: newIdempotencyKey(), rating: plain, occasionId, queuedAt: new Date().toISOString(), attempts: 0 };
  let seq: number;
  try {
    seq = await enqueue(item);
  } catch (error) {
    // No IndexedDB (a locked-down profile): send it once directly, and say so if that fails.
    console.warn('评价器：无法保存到本机队列，直接提交', error);
    const key = keyOf();
    const answer = key ? await postRating(key, plain, item.idempotencyKey) : { ok: false as const, status: 0, errorId: undefined };
    if (answer.ok) return { state: 'sent' };
    if (answer.status === 401) reportKeyRefused(answer.errorId);
    return { state: 'refused', status: answer.status, errorId: answer.errorId };
  }
  waiting.value++;
  awaited.add(seq);
  await flush();
  const outcome = outcomes.get(seq) ?? { state: 'waiting' };
  awaited.delete(seq);
  outcomes.delete(seq);
  return outcome;
}

/** The key was revoked: what waits can never be sent with it. */
export async function dropAll(reason: string): Promise<void> {
  clearTimeout(retryTimer);
  const left = await waitingRatings().catch(() => []);
  if (left.length) console.warn(`评价器：${reason}，${left.length} 条待提交的评价无法再提交，已清除`, left);
  await clearQueue().catch(() => undefined);
  awaited.clear();
  outcomes.clear();
  waiting.value = 0;
  unreachable.value = false;
}
