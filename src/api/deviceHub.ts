// The live streams of the evaluation devices (issue 12). Each paired device
// holds one server-sent-events stream; when the business system records an
// acceptance or completion at its window, the device gets the occasion within
// a second. One poller per process looks at new occasions every 250 ms with
// one cheap query by id (with a look-back, since a transaction that began
// earlier may commit later), whatever the number of devices; the same tick
// notices revoked devices every 2 s (at once when revoked in this process).
// Nothing is missed while a device is away: it reconnects with Last-Event-ID
// and gets the open occasions of its window after that id first.
import type { FastifyBaseLogger } from 'fastify';
import type { Services } from '../app/context.ts';
import { latestOccasionId, occasionIdsAtWindow, occasionsAtWindowsSince, openOccasionsAt, revokedAmong, type DeviceOccasion } from '../app/devices.ts';

const TICK_MS = 250;
const LOOK_BACK = 200;
const PING_MS = 15_000;

export interface DeviceStream {
  clientId: number;
  windowId: number;
  /** The last occasion id sent (the SSE id). */
  lastId: number;
  write(chunk: string): void;
  end(): void;
}

export const sseEvent = (event: string, data: unknown, id?: number) =>
  `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class DeviceHub {
  #streams = new Set<DeviceStream & { sent: Set<number> }>();
  #cursor: number | null = null;
  #timer: NodeJS.Timeout | null = null;
  #ticks = 0;
  #busy = false;

  constructor(
    private readonly services: Services,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Opens a device's stream: what it missed since `lastEventId` first, or a `ready` mark of where it stands now. */
  async open(stream: DeviceStream, lastEventId: number | null): Promise<void> {
    const entry = Object.assign(stream, { sent: new Set<number>() });
    const latest = await latestOccasionId(this.services.db);
    // A position beyond every occasion (a database restored from a backup, another server): start afresh from now.
    if (lastEventId !== null && lastEventId > latest) lastEventId = null;
    entry.lastId = lastEventId ?? latest;
    // What the window had up to that position is the device's past (rated, declined, timed out): the look-back
    // below is only for transactions that commit late, so those ids are marked as handled.
    for (const id of await occasionIdsAtWindow(this.services.db, entry.windowId, entry.lastId - LOOK_BACK, entry.lastId)) entry.sent.add(id);
    if (lastEventId === null) entry.write(sseEvent('ready', {}, entry.lastId));
    else await this.#sendOpen(entry, lastEventId);
    this.#streams.add(entry);
    this.#cursor ??= Math.max(0, latest - LOOK_BACK);
    this.#timer ??= setInterval(() => void this.#tick(), TICK_MS);
  }

  close(stream: DeviceStream): void {
    this.#streams.delete(stream as DeviceStream & { sent: Set<number> });
    if (!this.#streams.size && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
      this.#cursor = null;
    }
  }

  /** A device revoked in this process: its streams end at once. */
  revoke(clientId: number): void {
    for (const s of [...this.#streams]) {
      if (s.clientId !== clientId) continue;
      s.write(sseEvent('revoked', {}));
      s.end();
      this.close(s);
    }
  }

  /** Server shutdown: every stream ends (the devices reconnect to another process, or later). */
  stop(): void {
    for (const s of [...this.#streams]) {
      s.end();
      this.close(s);
    }
  }

  async #sendOpen(stream: DeviceStream & { sent: Set<number> }, afterId: number) {
    const occasions = await openOccasionsAt(this.services, stream.windowId, afterId);
    for (const o of occasions) this.#send(stream, o);
  }

  #send(stream: DeviceStream & { sent: Set<number> }, o: DeviceOccasion) {
    if (stream.sent.has(o.occasionId)) return;
    stream.sent.add(o.occasionId);
    if (stream.sent.size > 1000) stream.sent.delete(stream.sent.values().next().value!);
    stream.lastId = Math.max(stream.lastId, o.occasionId);
    stream.write(sseEvent('occasion', o, o.occasionId));
  }

  async #tick() {
    if (this.#busy || this.#cursor === null) return;
    this.#busy = true;
    try {
      this.#ticks++;
      const rows = await occasionsAtWindowsSince(this.services.db, this.#cursor - LOOK_BACK);
      const newest = rows.length ? rows[rows.length - 1]!.id : this.#cursor;
      this.#cursor = Math.max(this.#cursor, newest);
      const windows = new Set(rows.map((r) => r.window_id));
      for (const stream of [...this.#streams]) {
        if (!windows.has(stream.windowId)) continue;
        const wanted = rows.filter((r) => r.window_id === stream.windowId && !stream.sent.has(r.id) && r.id > stream.lastId - LOOK_BACK);
        if (wanted.length) await this.#sendOpen(stream, wanted[0]!.id - 1);
      }
      if (this.#ticks % Math.round(2000 / TICK_MS) === 0) {
        for (const id of await revokedAmong(this.services.db, [...new Set([...this.#streams].map((s) => s.clientId))])) this.revoke(id);
      }
      if (this.#ticks % Math.round(PING_MS / TICK_MS) === 0) for (const s of this.#streams) s.write(': ping\n\n');
    } catch (error) {
      this.log.warn({ err: error }, 'device streams: a poll failed; trying again');
    } finally {
      this.#busy = false;
    }
  }
}
