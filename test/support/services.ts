// Services for tests: a fixed protection key and a clock the test can move.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Services } from '../../src/app/context.ts';
import { Protector } from '../../src/storage/protect.ts';
import type { SmsMessage, SmsSender } from '../../src/app/senders.ts';
import type { DB } from '../../src/storage/schema.ts';

export const TEST_KEY = randomBytes(32);
export const TEST_PUBLIC_URL = 'https://hcp.test';

/** An SMS sender that keeps what it was given; `failNext` makes the next sends fail. */
export class RecordingSender implements SmsSender {
  readonly name = 'recording';
  sent: SmsMessage[] = [];
  failures: Error[] = [];
  async send(message: SmsMessage) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push(message);
    return { reference: `rec-${message.id}` };
  }
}

export class TestClock {
  constructor(public current = new Date('2026-03-02T02:00:00Z')) {}
  now = () => new Date(this.current);
  set(iso: string) {
    this.current = new Date(iso);
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export function testServices(database: { db: Kysely<DB> }, clock = new TestClock()): Services & { clock: TestClock } {
  return { db: database.db, protector: new Protector(TEST_KEY), now: clock.now, clock, outbox: { publicUrl: TEST_PUBLIC_URL, sms: new RecordingSender() } };
}
