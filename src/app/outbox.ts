// The outbox (issue 12): everything that leaves the platform. An item is
// written in the same transaction as the event that causes it (an occasion
// opening: the SMS invitation, R7), so nothing acknowledged is lost. The
// deliver-outbox job sends due items one at a time: each is taken FOR UPDATE
// SKIP LOCKED and marked (sent, retry later, failed) in the same transaction
// as the attempt, so two deliverers never send one item twice. A failure is
// tried again with growing pauses; after MAX_ATTEMPTS, or when the gateway
// refuses the message itself, the item is failed with its reason, and an
// admin sees it in the console. An invitation whose occasion has closed
// (rated, defaulted, withdrawn) before it could go is cancelled, not sent.
import { sql, type Kysely } from 'kysely';
import { requireAccess } from '../domain/access.ts';
import { maskPhone } from '../domain/identifiers.ts';
import { invalidFields } from '../domain/errors.ts';
import type { DB } from '../storage/schema.ts';
import type { Protector } from '../storage/protect.ts';
import { SendFailure, type SmsSender } from './senders.ts';
import type { Caller, Services } from './context.ts';

/** Attempts before an item is failed: the pauses between them add up to about a day. */
export const MAX_ATTEMPTS = 10;
/** The pause after the n-th failed attempt (1-based): 1, 2, 4 … minutes, at most 4 hours. */
export const retryDelayMs = (attempt: number) => Math.min(60_000 * 2 ** (attempt - 1), 4 * 3_600_000);

export interface NewSms {
  topic: string;
  occasionId?: number | null;
  to: string;
  body: string;
}

/** Writes an SMS to the outbox, in the caller's transaction. */
export async function enqueueSms(trx: Kysely<DB>, protector: Protector, sms: NewSms, now: Date): Promise<number> {
  const row = await trx
    .insertInto('outbox')
    .values({
      channel: 'sms',
      topic: sms.topic,
      occasion_id: sms.occasionId ?? null,
      recipient_cipher: protector.encrypt(sms.to),
      recipient_masked: maskPhone(sms.to),
      body: sms.body,
      next_attempt_at: now,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface DeliveryResult {
  sent: number;
  retried: number;
  failed: number;
  cancelled: number;
}

type Outcome = keyof DeliveryResult;

/**
 * Sends what is due as of `now`, one item per transaction, at most `limit`
 * items (the job runs every minute; what is left goes next time).
 */
export async function deliverOutbox(
  deps: { db: Kysely<DB>; protector: Protector; sms: SmsSender },
  now: Date,
  options: { limit?: number } = {},
): Promise<DeliveryResult> {
  const result: DeliveryResult = { sent: 0, retried: 0, failed: 0, cancelled: 0 };
  for (let i = 0; i < (options.limit ?? 500); i++) {
    const outcome = await deps.db.transaction().execute((trx) => deliverOne(trx, deps, now));
    if (!outcome) break;
    result[outcome]++;
  }
  return result;
}

async function deliverOne(trx: Kysely<DB>, deps: { protector: Protector; sms: SmsSender }, now: Date): Promise<Outcome | null> {
  const { rows } = await sql<{
    id: number;
    recipient_cipher: string;
    body: string;
    attempts: number;
    created_at: Date;
    occasion_id: number | null;
    occasion_closed: boolean | null;
  }>`select o.id, o.recipient_cipher, o.body, o.attempts, o.created_at, o.occasion_id,
            (o.topic = 'invitation' and (oc.closed_at is not null or oc.deadline <= ${now})) as occasion_closed
       from outbox o left join occasion oc on oc.id = o.occasion_id
      where o.status = 'pending' and o.next_attempt_at <= ${now}
      order by o.next_attempt_at, o.id
      limit 1
      for update of o skip locked`.execute(trx);
  const item = rows[0];
  if (!item) return null;
  if (item.occasion_closed) {
    // R6, R7: the occasion was rated, defaulted or withdrawn before the invitation could go: it is no longer wanted.
    await trx
      .updateTable('outbox')
      .set({ status: 'cancelled', last_error: 'not sent: the occasion closed before it could go (rated, withdrawn or past its deadline)' })
      .where('id', '=', item.id)
      .execute();
    return 'cancelled';
  }
  const started = Date.now();
  let outcome: 'sent' | 'retry' | 'failed';
  let detail: string | null;
  try {
    const sent = await deps.sms.send({ id: item.id, to: deps.protector.decrypt(item.recipient_cipher), text: item.body, createdAt: item.created_at });
    outcome = 'sent';
    detail = sent.reference ?? null;
  } catch (error) {
    const permanent = error instanceof SendFailure && error.permanent;
    outcome = permanent || item.attempts + 1 >= MAX_ATTEMPTS ? 'failed' : 'retry';
    detail = (error instanceof Error ? error.message : String(error)).slice(0, 500);
  }
  const attempts = item.attempts + 1;
  await trx
    .insertInto('outbox_attempt')
    .values({ outbox_id: item.id, at: now, sender: deps.sms.name, outcome, detail, duration_ms: Date.now() - started })
    .execute();
  await trx
    .updateTable('outbox')
    .set({
      attempts,
      status: outcome === 'retry' ? 'pending' : outcome,
      sent_at: outcome === 'sent' ? now : null,
      last_error: outcome === 'sent' ? null : detail,
      next_attempt_at: outcome === 'retry' ? new Date(now.getTime() + retryDelayMs(attempts)) : now,
    })
    .where('id', '=', item.id)
    .execute();
  return outcome === 'retry' ? 'retried' : outcome;
}

// ——— the console (admins and auditors): what went out, what waits, what failed ———

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed', 'cancelled'] as const;

/** The link's token is a credential: shown cut short, so that nobody rates in the citizen's place. */
export const hideTokens = (text: string) => text.replace(/\/r\/([A-Za-z0-9_.~-]{6})[A-Za-z0-9_.~-]+/g, '/r/$1…');

export async function listOutbox(services: Services, caller: Caller, query: { status?: string; page: number; pageSize: number }) {
  requireAccess(caller.actor, 'outbox.read');
  if (query.status && !(OUTBOX_STATUSES as readonly string[]).includes(query.status))
    invalidFields([{ field: '/querystring/status', message: `must be one of ${OUTBOX_STATUSES.join(', ')}` }]);
  const db = services.db;
  let base = db.selectFrom('outbox');
  if (query.status) base = base.where('status', '=', query.status as (typeof OUTBOX_STATUSES)[number]);
  const items = await base
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize)
    .execute();
  const attempts = items.length
    ? await db
        .selectFrom('outbox_attempt')
        .selectAll()
        .where(
          'outbox_id',
          'in',
          items.map((i) => i.id),
        )
        .orderBy('id')
        .execute()
    : [];
  const byStatus = await db
    .selectFrom('outbox')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  const counts = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, Number(byStatus.find((c) => c.status === s)?.n ?? 0)]));
  return {
    // The total of the list shown: one status, or all of them.
    total: query.status ? counts[query.status]! : Object.values(counts).reduce((a, b) => a + b, 0),
    page: query.page,
    pageSize: query.pageSize,
    counts,
    items: items.map((i) => ({
      id: i.id,
      channel: i.channel,
      topic: i.topic,
      occasionId: i.occasion_id,
      to: i.recipient_masked,
      text: hideTokens(i.body),
      status: i.status,
      attempts: i.attempts,
      nextAttemptAt: i.status === 'pending' ? i.next_attempt_at.toISOString() : null,
      lastError: i.last_error,
      createdAt: i.created_at.toISOString(),
      sentAt: i.sent_at?.toISOString() ?? null,
      history: attempts
        .filter((a) => a.outbox_id === i.id)
        .map((a) => ({ at: a.at.toISOString(), sender: a.sender, outcome: a.outcome, detail: a.detail, durationMs: a.duration_ms })),
    })),
  };
}
