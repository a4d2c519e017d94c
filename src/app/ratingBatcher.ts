// Group commit (issue 15): submissions that arrive close together are settled
// in one transaction, and each caller is answered with its own outcome once
// that transaction has committed — never before, so an answered submission
// is stored (nothing acknowledged is ever lost), and one submission's
// refusal is that submission's alone.
//
// A batch opens with its first submission and closes `windowMs` later, or at
// once when it holds `maxSize`. At most `maxInFlight` batches are being
// settled at a time; while they are, new submissions wait and their batch
// grows — the busier the database, the larger the batches, the fewer the
// commits. Should a whole batch fail (a bug, a lost connection), its
// submissions are settled again one by one, so that one bad submission
// cannot fail the others.
//
// Batches in flight side by side still settle in the order they closed: each
// waits, before it locks what it needs, until the batch before it has taken
// its locks (`Turn`). A submission about the same occasion as an earlier one
// in another batch therefore waits for that batch's commit and sees its
// rating, as if the two had come one after the other (R7).
import type { RatingBatchOptions } from './context.ts';

export const DEFAULT_RATING_BATCH: RatingBatchOptions = { windowMs: 2, maxSize: 256, maxInFlight: 4 };

/** A batch's place in line: it locks after `previous` has locked, and says `locked()` once it has (or has failed). */
export interface Turn {
  previous: Promise<void>;
  locked: () => void;
}

const FREE_TURN: Turn = { previous: Promise.resolve(), locked: () => {} };

/** One submission's outcome within its batch. */
export type Settled<O> = { ok: true; value: O } | { ok: false; error: unknown };

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<I, O> {
  private open: Waiting<I, O>[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  /** The open batch's window has passed (or it is full): it goes as soon as a slot is free. */
  private due = false;
  private inFlight = 0;
  /** When the last batch sent has taken its locks. */
  private lastLocked: Promise<void> = Promise.resolve();

  constructor(
    /** Settles a batch in one transaction: an outcome per item, in order; throws if the transaction failed. */
    private readonly settle: (items: I[], turn: Turn) => Promise<Settled<O>[]>,
    private readonly options: RatingBatchOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.open.push({ item, resolve, reject });
      if (this.open.length >= this.options.maxSize) this.closeBatch();
      else if (!this.timer && !this.due) {
        this.timer = this.options.windowMs > 0 ? setTimeout(() => this.closeBatch(), this.options.windowMs) : setImmediate(() => this.closeBatch());
      }
    });
  }

  /** Batches being settled now, and submissions waiting for a batch (for tests and metrics). */
  get load() {
    return { inFlight: this.inFlight, waiting: this.open.length };
  }

  private closeBatch() {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    this.due = true;
    this.dispatch();
  }

  private dispatch() {
    while (this.due && this.open.length && this.inFlight < this.options.maxInFlight) {
      const batch = this.open.splice(0, this.options.maxSize);
      if (!this.open.length) this.due = false;
      this.inFlight++;
      let locked = () => {};
      const turn: Turn = { previous: this.lastLocked, locked: () => locked() };
      this.lastLocked = new Promise<void>((resolve) => (locked = resolve));
      void this.run(batch, turn).finally(() => {
        this.inFlight--;
        this.dispatch();
      });
    }
    if (!this.open.length) this.due = false;
  }

  private async run(batch: Waiting<I, O>[], turn: Turn): Promise<void> {
    let outcomes: Settled<O>[];
    try {
      outcomes = await this.settle(
        batch.map((w) => w.item),
        turn,
      );
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // The whole batch failed: settle each alone, so that the failure stays with its cause (here, out of line).
      for (const waiting of batch) await this.run([waiting], FREE_TURN);
      return;
    } finally {
      turn.locked();
    }
    batch.forEach((waiting, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }
}
