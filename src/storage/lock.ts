// A first-come-first-served mutex. The embedded database has one session, so
// every access to it (queries, whole transactions, the job queue) takes this
// lock; see pgliteDialect.ts.
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;

  /** Waits for the lock and returns the function that releases it (once). */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.#tail.then(() => {
      this.#waiting--;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    });
    this.#waiting++;
    this.#tail = this.#tail.then(() => held);
    return ready;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** How many callers wait for the lock now (for diagnostics). */
  get waiting(): number {
    return this.#waiting;
  }
}
