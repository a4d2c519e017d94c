// The device's live stream of occasions (issue 12): server-sent events read
// with fetch and a ReadableStream, because EventSource cannot send the
// device's Authorization header. It reconnects with backoff and sends the
// id of the last event it saw as Last-Event-ID, so that the server replays
// the occasions opened while the device was away (nothing missed).

export interface StreamMessage {
  event: string;
  data: string;
  /** The last event id as of this message (the `id:` field, which stays set until a later one). */
  id: string | undefined;
}

/** The text/event-stream format (WHATWG HTML, "Server-sent events"): fed chunks of text, gives whole messages. */
export class EventStreamParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private lastEventId: string | undefined;
  /** The `retry:` field: the reconnection delay the server asks for, in ms. */
  retryMs: number | undefined;

  constructor(lastEventId?: string) {
    this.lastEventId = lastEventId;
  }

  push(chunk: string): StreamMessage[] {
    this.buffer += chunk;
    const messages: StreamMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (c === '\r' && i + 1 === this.buffer.length) break;
      const line = this.buffer.slice(start, i);
      if (c === '\r' && this.buffer[i + 1] === '\n') i++;
      start = i + 1;
      const message = this.line(line);
      if (message) messages.push(message);
    }
    this.buffer = this.buffer.slice(start);
    return messages;
  }

  private line(line: string): StreamMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined; // a comment: the server's keep-alive ": ping"
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }

  private dispatch(): StreamMessage | undefined {
    const message = this.data.length ? { event: this.event || 'message', data: this.data.join('\n'), id: this.lastEventId } : undefined;
    this.data = [];
    this.event = '';
    return message;
  }
}

export interface StreamHandlers {
  /** Each message, in order. */
  message: (message: StreamMessage) => void;
  /** The API refused the key (401): revoked or unknown. The stream has stopped. */
  refused: (errorId: string | undefined) => void;
  /** Connected (true) or waiting to reconnect (false). */
  connected?: (connected: boolean) => void;
}

/** No byte for this long (the server pings every 15 s) means a dead connection: drop it and connect again. */
const SILENCE_MS = 45_000;
const MAX_BACKOFF_MS = 30_000;

/** Delay before the attempt after `failures` failed ones: 1 s, 2 s, 4 s … up to 30 s, with jitter so that a room of devices does not reconnect at once. */
export function backoffMs(failures: number, baseMs = 1000, random = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.min(failures, 10));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class DeviceEventStream {
  private stopped = true;
  private controller: AbortController | undefined;
  private failures = 0;
  private wake: (() => void) | undefined;
  /** The base of the backoff: 1 s, or what the server asks for with `retry:`. */
  private retryMs = 1000;

  constructor(
    private readonly url: string,
    private readonly key: string,
    private readonly lastEventId: () => string | undefined,
    private readonly handlers: StreamHandlers,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
  }

  /**
   * Connect again now (the browser says it is back online): skips the backoff wait, and drops the current
   * connection, which may be dead without knowing it; Last-Event-ID resumes where it was.
   */
  reconnectNow(): void {
    this.failures = 0;
    this.controller?.abort();
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const heard = await this.connectOnce();
      if (this.stopped) return;
      this.handlers.connected?.(false);
      // A stream that carried messages and then ended (a server restart, a proxy's timeout) is resumed at once;
      // one that failed waits longer after each failure.
      if (heard) this.failures = 0;
      await this.sleep(heard ? 250 : backoffMs(this.failures++, this.retryMs));
    }
  }

  /** One connection, until it ends; true when it carried anything. */
  private async connectOnce(): Promise<boolean> {
    const controller = new AbortController();
    this.controller = controller;
    let heard = false;
    let silence: ReturnType<typeof setTimeout> | undefined;
    const listen = () => {
      clearTimeout(silence);
      silence = setTimeout(() => controller.abort(), SILENCE_MS);
    };
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${this.key}` };
      const last = this.lastEventId();
      if (last !== undefined) headers['last-event-id'] = last;
      listen();
      const response = await fetch(this.url, { headers, signal: controller.signal, cache: 'no-store', credentials: 'omit' });
      if (response.status === 401) {
        const body = (await response.json().catch(() => null)) as { error?: { id?: string } } | null;
        this.stopped = true;
        this.handlers.refused(body?.error?.id);
        return false;
      }
      if (!response.ok || !response.body) return false;
      this.handlers.connected?.(true);
      const parser = new EventStreamParser(last);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        listen();
        const { value, done } = await reader.read();
        if (done || this.stopped) break;
        heard = true;
        for (const message of parser.push(value)) {
          if (this.stopped) break;
          this.handlers.message(message);
        }
        if (parser.retryMs !== undefined) this.retryMs = parser.retryMs;
      }
      void reader.cancel().catch(() => undefined);
    } catch {
      // The network, an abort (silence, stop): connect again below.
    } finally {
      clearTimeout(silence);
    }
    return heard;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
