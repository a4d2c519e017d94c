// Issue 12: the outbox. An occasion that opens (R7, R8) writes its SMS
// invitation in the same transaction; deliver-outbox sends it once, retries
// a failing sender with backoff, never sends one item twice even from two
// deliverers at once, cancels what is no longer wanted, and fails for good
// what the gateway refuses — which admins see, the number masked (R9).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { deliverOutbox, MAX_ATTEMPTS } from '../../src/app/outbox.ts';
import { SendFailure, webhookSignature, WebhookSmsSender, type SmsSender } from '../../src/app/senders.ts';
import { SMS_TEXT_MAX } from '../../src/domain/invitations.ts';
import { useTestApp } from '../support/app.ts';
import { RecordingSender, TEST_PUBLIC_URL } from '../support/services.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const { app, services, clock, database } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;
let seq = 0;

const business = async (method: 'GET' | 'POST', url: string, payload?: object) => {
  const res = await app().inject({ method, url, payload, headers: { authorization: `Bearer ${world.businessKey}` } });
  return { status: res.statusCode, body: res.json() };
};
const newCase = async (o: { promised?: boolean; phone?: string | null; ratesAtWindow?: boolean } = {}) => {
  const caseNumber = `OB-${++seq}`;
  const res = await business('POST', '/api/v1/cases', {
    caseNumber,
    matterCode: (o.promised ? world.promised : world.immediate).code,
    applicant: buildApplicant({ phone: o.phone === undefined ? '13877001234' : o.phone }),
    staffNumber: world.staffA.staffNumber,
    acceptedAt: clock.now().toISOString(),
    ...(o.ratesAtWindow ? { ratesAtWindow: true } : {}),
  });
  expect(res.status).toBe(201);
  return res.body as { caseNumber: string; occasions: { id: number; kind: string }[] };
};
const items = async () =>
  (
    await sql<{
      id: number;
      occasion_id: number;
      status: string;
      attempts: number;
      body: string;
      recipient_masked: string;
      next_attempt_at: Date;
      last_error: string | null;
    }>`select id, occasion_id, status, attempts, body, recipient_masked, next_attempt_at, last_error from outbox order by id`.execute(database().db)
  ).rows;
const deliver = (sms: SmsSender, at = clock.now()) => deliverOutbox({ db: services().db, protector: services().protector, sms }, at);
/** Drains what earlier tests left, so each test counts only its own. */
const drain = () => deliver({ name: 'drain', send: async () => ({}) });

beforeAll(async () => {
  clock.set('2026-11-02T02:00:00Z');
  world = await buildWorld(services(), 'OB');
});

describe('invitations are written when occasions open (R7, R8)', () => {
  it('a promised case invites at acceptance and at completion; the text fits one SMS and carries the link', async () => {
    await drain();
    const before = (await items()).length;
    const c = await newCase({ promised: true });
    clock.advance(3_600_000);
    await business('POST', `/api/v1/cases/${c.caseNumber}/complete`, { completedAt: clock.now().toISOString(), staffNumber: world.staffA.staffNumber });
    const written = (await items()).slice(before);
    expect(written.map((i) => i.status)).toEqual(['pending', 'pending']);
    for (const item of written) {
      const [text, link] = item.body.split(`${TEST_PUBLIC_URL}/r/`);
      expect([...text!].length).toBeLessThanOrEqual(SMS_TEXT_MAX);
      expect(text).toMatch(/^【政务服务好差评】.+为您办理的“.+”已(受理|办结)，请于\d+月\d+日24时前评价：$/);
      // The link opens the rating page of its occasion.
      const page = await app().inject({ url: `/api/v1/invitations/${link}`, headers: { authorization: '' } });
      expect(page.json()).toMatchObject({ state: 'open', occasion: { id: item.occasion_id } });
      expect(item.recipient_masked).toBe('138****1234');
    }
    expect(written.map((i) => i.body.includes('已受理'))).toEqual([true, false]);
  });

  it('a package invites at each stage, and for the package as a whole at delivery (R8)', async () => {
    const before = (await items()).length;
    const at = () => clock.now().toISOString();
    const packageNumber = `OB-PK-${++seq}`;
    const accepted = await business('POST', '/api/v1/packages', {
      packageNumber,
      name: '开办企业一件事',
      applicant: buildApplicant(),
      members: [
        { caseNumber: `${packageNumber}-1`, matterCode: world.promised.code },
        { caseNumber: `${packageNumber}-2`, matterCode: world.promisedB.code },
      ],
      acceptance: { staffNumber: world.staffA.staffNumber, at: at() },
    });
    expect(accepted.status).toBe(201);
    clock.advance(60_000);
    await business('POST', `/api/v1/packages/${packageNumber}/stages/approval`, { staffNumber: world.staffB.staffNumber, at: at() });
    clock.advance(60_000);
    await business('POST', `/api/v1/packages/${packageNumber}/stages/delivery`, { staffNumber: world.staffA.staffNumber, at: at(), ratesAtWindow: true });
    const texts = (await items()).slice(before).map((i) => i.body.split('：')[0]);
    // Delivery was rated at the window; the package as a whole is invited all the same (nobody rates it at a window).
    expect(texts).toEqual([
      expect.stringMatching(/为您办理的“开办企业一件事”已受理，请于/),
      expect.stringMatching(/为您办理的“开办企业一件事”已审批，请于/),
      expect.stringMatching(/^【政务服务好差评】您办理的“开办企业一件事”已办结，请于/),
    ]);
  });

  it('nothing is sent when the applicant rates at the window, or has no phone', async () => {
    const before = (await items()).length;
    await newCase({ ratesAtWindow: true });
    await newCase({ phone: null });
    expect((await items()).length).toBe(before);
  });

  it('the invitation is written with the occasion, or not at all: a refused case leaves no message', async () => {
    const before = (await items()).length;
    const res = await business('POST', '/api/v1/cases', {
      caseNumber: `OB-${++seq}`,
      matterCode: world.immediate.code,
      applicant: buildApplicant(),
      staffNumber: 'NO-SUCH-STAFF',
      acceptedAt: clock.now().toISOString(),
    });
    expect(res.status).toBe(400);
    expect((await items()).length).toBe(before);
  });
});

describe('deliver-outbox', () => {
  it('sends each item once, records the attempt, and sends nothing the second time', async () => {
    await drain();
    await newCase();
    const sender = new RecordingSender();
    expect(await deliver(sender)).toEqual({ sent: 1, retried: 0, failed: 0, cancelled: 0 });
    expect(sender.sent).toHaveLength(1);
    expect(sender.sent[0]!.to).toBe('13877001234');
    expect(await deliver(sender)).toEqual({ sent: 0, retried: 0, failed: 0, cancelled: 0 });
    const last = (await items()).at(-1)!;
    expect(last).toMatchObject({ status: 'sent', attempts: 1 });
    const attempts = await sql<{ outcome: string; sender: string }>`select outcome, sender from outbox_attempt where outbox_id = ${last.id}`.execute(
      database().db,
    );
    expect(attempts.rows).toEqual([{ outcome: 'sent', sender: 'recording' }]);
  });

  it('retries a failing sender after 1, then 2 minutes, and sends once it works', async () => {
    await drain();
    await newCase();
    const sender = new RecordingSender();
    sender.failures.push(new Error('connection reset'), new SendFailure('the gateway answered 503', false));
    const t0 = clock.now();
    expect(await deliver(sender, t0)).toMatchObject({ retried: 1 });
    expect((await items()).at(-1)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'connection reset' });
    expect((await items()).at(-1)!.next_attempt_at.getTime() - t0.getTime()).toBe(60_000);
    // Not due yet: nothing happens.
    expect(await deliver(sender, new Date(t0.getTime() + 59_000))).toEqual({ sent: 0, retried: 0, failed: 0, cancelled: 0 });
    const t1 = new Date(t0.getTime() + 60_000);
    expect(await deliver(sender, t1)).toMatchObject({ retried: 1 });
    expect((await items()).at(-1)!.next_attempt_at.getTime() - t1.getTime()).toBe(120_000);
    expect(await deliver(sender, new Date(t1.getTime() + 120_000))).toMatchObject({ sent: 1 });
    expect((await items()).at(-1)).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
    expect(sender.sent).toHaveLength(1);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts, or at once when the gateway refuses the message; admins see why, the number masked`, async () => {
    await drain();
    await newCase();
    const failing: SmsSender = {
      name: 'down',
      send: async () => {
        throw new SendFailure('the gateway could not be reached (ECONNREFUSED)', false);
      },
    };
    let at = clock.now();
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await deliver(failing, at);
      at = new Date(at.getTime() + 5 * 3_600_000);
    }
    expect((await items()).at(-1)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    expect(await deliver(failing, at)).toEqual({ sent: 0, retried: 0, failed: 0, cancelled: 0 });

    await newCase();
    const refusing: SmsSender = {
      name: 'refusing',
      send: async () => {
        throw new SendFailure('the gateway answered 400: invalid number', true);
      },
    };
    expect(await deliver(refusing)).toMatchObject({ failed: 1 });
    const shown = await app().inject('/api/v1/outbox?status=failed');
    const failed = shown.json().items;
    expect(failed[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: 'the gateway answered 400: invalid number', to: '138****1234' });
    expect(failed[0].history).toEqual([expect.objectContaining({ sender: 'refusing', outcome: 'failed' })]);
    // The link's token is a credential: cut short in the console.
    expect(failed[0].text).toMatch(/\/r\/[A-Za-z0-9_.~-]{6}…$/);
    expect(shown.body).not.toContain('13877001234');
  });

  it('two deliverers at once never send one item twice', async () => {
    await drain();
    for (let i = 0; i < 6; i++) await newCase();
    const sent: number[] = [];
    const slow: SmsSender = {
      name: 'slow',
      send: async (m) => {
        await new Promise((r) => setTimeout(r, 20));
        sent.push(m.id);
        return {};
      },
    };
    const [a, b] = await Promise.all([deliver(slow), deliver(slow)]);
    expect(a.sent + b.sent).toBe(6);
    expect(sent).toHaveLength(6);
    expect(new Set(sent).size).toBe(6);
  });

  it('an invitation whose occasion was rated before it could go is cancelled, not sent', async () => {
    await drain();
    const c = await newCase();
    const token = (await business('POST', `/api/v1/occasions/${c.occasions[0]!.id}/invitations`)).body.token;
    expect((await app().inject({ method: 'POST', url: '/api/v1/ratings', payload: { token, level: 'satisfied', channel: 'web' } })).statusCode).toBe(201);
    const sender = new RecordingSender();
    expect(await deliver(sender)).toMatchObject({ sent: 0, cancelled: 1 });
    expect(sender.sent).toEqual([]);
    expect((await items()).at(-1)).toMatchObject({ status: 'cancelled' });
  });
});

describe('the webhook sender (the province’s SMS gateway)', () => {
  const secret = 'a-secret-of-at-least-32-characters-shared';
  let gateway: http.Server;
  let url = '';
  const received: { body: string; verified: boolean; key: string | undefined }[] = [];
  const answers: (number | 'hang')[] = [];

  beforeAll(async () => {
    gateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const timestamp = String(req.headers['x-hcp-timestamp']);
        const verified = req.headers['x-hcp-signature'] === `sha256=${webhookSignature(secret, timestamp, body)}`;
        received.push({ body, verified, key: req.headers['idempotency-key'] as string | undefined });
        const answer = answers.shift() ?? 200;
        if (answer === 'hang') return; // never answers: the sender times out
        res.writeHead(verified ? answer : 401, { 'content-type': 'application/json' });
        res.end(answer === 200 ? JSON.stringify({ reference: `gw-${received.length}` }) : '{"error":"no"}');
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/send`;
    return () => new Promise<void>((r) => gateway.close(() => r()));
  });

  it('signs each message (HMAC-SHA256 of timestamp and body), which the gateway checks; 5xx, timeouts and a refused signature are retried; a refused message fails for good', async () => {
    await drain();
    const sender = new WebhookSmsSender({ url, secret, timeoutMs: 300 });
    await newCase();
    answers.push(503, 'hang', 200);
    let at = clock.now();
    expect(await deliver(sender, at)).toMatchObject({ retried: 1 });
    expect((await items()).at(-1)!.last_error).toContain('503');
    at = new Date(at.getTime() + 60_000);
    expect(await deliver(sender, at)).toMatchObject({ retried: 1 });
    expect((await items()).at(-1)!.last_error).toContain('no answer within 300 ms');
    at = new Date(at.getTime() + 120_000);
    expect(await deliver(sender, at)).toMatchObject({ sent: 1 });
    const item = (await items()).at(-1)!;
    expect(item.status).toBe('sent');
    expect(received.map((r) => r.verified)).toEqual([true, true, true]);
    // The same item, the same Idempotency-Key: the gateway can drop a repeat.
    expect(new Set(received.map((r) => r.key))).toEqual(new Set([`hcp-outbox-${item.id}`]));
    expect(JSON.parse(received[2]!.body)).toMatchObject({ id: item.id, to: '13877001234', text: item.body });
    const attempts = await sql<{ detail: string }>`select detail from outbox_attempt where outbox_id = ${item.id} order by id`.execute(database().db);
    expect(attempts.rows.at(-1)!.detail).toBe('gw-3');

    // A wrong secret is refused by the gateway (401): a mistake of the set-up, which an operator fixes; the message waits.
    await newCase();
    const wrong = new WebhookSmsSender({ url, secret: 'not-the-secret-but-also-32-characters', timeoutMs: 300 });
    expect(await deliver(wrong)).toMatchObject({ retried: 1 });
    expect((await items()).at(-1)).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await items()).at(-1)!.last_error).toContain('401');
    // Fixed, it goes at the next try.
    expect(await deliver(sender, new Date(clock.now().getTime() + 60_000))).toMatchObject({ sent: 1 });

    // The gateway refuses the message itself (422: a number it will not take): failed at once, with its reason.
    await newCase();
    answers.push(422);
    expect(await deliver(sender, new Date(clock.now().getTime() + 60_000))).toMatchObject({ failed: 1 });
    expect((await items()).at(-1)).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await items()).at(-1)!.last_error).toContain('422');
  });

  it('an unreachable gateway is retried, never lost', async () => {
    await drain();
    await newCase();
    const down = new WebhookSmsSender({ url: 'http://127.0.0.1:1/send', secret, timeoutMs: 300 });
    expect(await deliver(down)).toMatchObject({ retried: 1 });
    expect((await items()).at(-1)).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await items()).at(-1)!.last_error).toContain('could not be reached');
  });
});
