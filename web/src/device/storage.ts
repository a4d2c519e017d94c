// What the device remembers across reloads and power cuts, in localStorage
// (issue 12): its key (its credential, from pairing), the id of the last
// event of its stream (sent back as Last-Event-ID), what it last knew of its
// window (shown while the network is down), the occasions it was told of and
// has not yet shown to the end, and the last ones it has.
import type { DeviceInfo, OccasionEvent } from './api.ts';

const KEY = 'hcp.device.key';
const LAST_EVENT_ID = 'hcp.device.lastEventId';
const INFO = 'hcp.device.info';
const PENDING = 'hcp.device.pending';
const FINISHED = 'hcp.device.finished';
/** Enough to recognise an occasion the stream sends again (it looks back 200 occasions at most). */
const FINISHED_KEPT = 200;

function read(name: string): string | null {
  try {
    return localStorage.getItem(name);
  } catch {
    return null;
  }
}
function write(name: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(name);
    else localStorage.setItem(name, value);
  } catch {
    // Storage full or disabled: the device still works until it is reloaded.
  }
}
function readJson<T>(name: string): T | null {
  try {
    return JSON.parse(read(name) ?? 'null') as T | null;
  } catch {
    return null;
  }
}

export const storedKey = (): string | null => read(KEY);
export const storeKey = (key: string | null): void => write(KEY, key);

export const storedLastEventId = (): string | undefined => read(LAST_EVENT_ID) ?? undefined;
export const storeLastEventId = (id: string | undefined): void => write(LAST_EVENT_ID, id ?? null);

export const storedInfo = (): DeviceInfo | null => readJson<DeviceInfo>(INFO);
export const storeInfo = (info: DeviceInfo | null): void => write(INFO, info ? JSON.stringify(info) : null);

export const storedPending = (): OccasionEvent[] => readJson<OccasionEvent[]>(PENDING) ?? [];
export const storePending = (pending: OccasionEvent[]): void => write(PENDING, pending.length ? JSON.stringify(pending) : null);

export const storedFinished = (): number[] => readJson<number[]>(FINISHED) ?? [];
export const storeFinished = (ids: number[]): void => write(FINISHED, JSON.stringify(ids.slice(-FINISHED_KEPT)));

/** Forgets everything of the paired device (revoked: it pairs again, maybe for another window). */
export function forgetDevice(): void {
  for (const name of [KEY, LAST_EVENT_ID, INFO, PENDING, FINISHED]) write(name, null);
}
