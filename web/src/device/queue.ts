// Ratings given on the device wait here, in IndexedDB, until the API has them
// (issue 12, offline): each with the Idempotency-Key it is always sent with,
// so that a rating whose answer was lost and is sent again is answered with
// the first one (R7), never stored twice. They are sent in the order given.
import type { DeviceRating } from './api.ts';

export interface QueuedRating {
  /** Order of giving (IndexedDB's key generator). */
  seq?: number;
  idempotencyKey: string;
  rating: DeviceRating;
  occasionId: number;
  queuedAt: string;
  attempts: number;
  lastProblem?: string;
}

const DB_NAME = 'hcp-device';
const STORE = 'ratings';

let opened: Promise<IDBDatabase> | undefined;
function database(): Promise<IDBDatabase> {
  opened ??= new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'seq', autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB unavailable'));
  }).catch((error: unknown) => {
    opened = undefined;
    throw error;
  });
  return opened;
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  return new Promise<T>((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const request = work(transaction.objectStore(STORE));
    // Resolved once the transaction is committed, so that a rating counted as kept is on disk.
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export const enqueue = (item: QueuedRating): Promise<number> => run('readwrite', (s) => s.add(item)) as Promise<number>;
/** Every waiting rating, oldest first. */
export const waitingRatings = (): Promise<QueuedRating[]> => run('readonly', (s) => s.getAll() as IDBRequest<QueuedRating[]>);
export const countWaiting = (): Promise<number> => run('readonly', (s) => s.count());
export const updateQueued = (item: QueuedRating): Promise<unknown> => run('readwrite', (s) => s.put(item));
export const removeQueued = (seq: number): Promise<unknown> => run('readwrite', (s) => s.delete(seq));
export const clearQueue = (): Promise<unknown> => run('readwrite', (s) => s.clear());
