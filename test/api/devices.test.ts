// Issue 12: the evaluation device at a window and the rater's link. A device
// is paired with a one-time code, shows who is on duty, gets the occasions
// opened at its window over server-sent events (and what it missed, with
// Last-Event-ID), rates them through the device channel (R5) for its own
// window only, and stops at once when revoked. The rating link's page data:
// open, rated (shown again), used elsewhere, expired (R6), withdrawn, forged.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type AppInstance } from '../../src/api/server.ts';
import { TEST_APP_CONFIG } from '../support/auth.ts';
import { testServices } from '../support/services.ts';
import { useTestApp } from '../support/app.ts';
import { buildApplicant, buildWorld } from '../support/world.ts';

const { app, raw, services, clock, database } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;
let seq = 0;

const call = async (method: 'GET' | 'POST', url: string, payload?: object, authorization = '') => {
  const res = await app().inject({ method, url, payload, headers: { authorization } });
  return { status: res.statusCode, body: res.body ? res.json() : null };
};
const business = (method: 'GET' | 'POST', url: string, payload?: object) => call(method, url, payload, `Bearer ${world.businessKey}`);
const newCase = async (staffNumber: string) => {
  const res = await business('POST', '/api/v1/cases', {
    caseNumber: `DV-${++seq}`,
    matterCode: world.immediate.code,
    applicant: buildApplicant({ name: '欧阳申请' }),
    staffNumber,
    acceptedAt: clock.now().toISOString(),
    ratesAtWindow: true,
  });
  expect(res.status).toBe(201);
  return res.body as { caseNumber: string; occasions: { id: number }[] };
};

/** A device's event stream over a real connection: its events as they come. */
async function openStream(base: string, key: string, lastEventId?: number) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/v1/device/events`, {
    headers: { authorization: `Bearer ${key}`, ...(lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {}) },
    signal: controller.signal,
  });
  const events: { event: string; id?: number; data: Record<string, unknown> }[] = [];
  let ended = false;
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const field = (name: string) =>
            block
              .split('\n')
              .find((l) => l.startsWith(`${name}: `))
              ?.slice(name.length + 2);
          if (field('event'))
            events.push({ event: field('event')!, id: field('id') ? Number(field('id')) : undefined, data: JSON.parse(field('data') ?? '{}') });
        }
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  const waitFor = async (test: () => boolean, what: string) => {
    for (let i = 0; i < 100 && !test(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!test()) throw new Error(`no ${what} within 5 s; got ${JSON.stringify(events)}`);
  };
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    waitFor,
    ended: () => ended,
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

let base = '';
beforeAll(async () => {
  clock.set('2026-11-02T02:00:00Z');
  world = await buildWorld(services(), 'DV');
  await raw().listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(raw().server.address() as AddressInfo).port}`;
});

async function pairedDevice(window = '1') {
  const res = await app().inject({
    method: 'POST',
    url: '/api/v1/devices',
    payload: { name: `DV 评价器 ${++seq}`, window: { centerCode: world.center.code, number: window } },
  });
  const created = { status: res.statusCode, body: res.json() };
  expect(created.status).toBe(201);
  const { code } = (await app().inject({ method: 'POST', url: `/api/v1/clients/${created.body.id}/pairing-code` })).json();
  const paired = await call('POST', '/api/v1/devices/pair', { code: `${code.slice(0, 3)} ${code.slice(3)}` });
  expect(paired.status).toBe(200);
  return { id: created.body.id as number, key: paired.body.key as string, code: code as string };
}

describe('pairing an evaluation device', () => {
  it('a code from the console gives the device its key, once; a wrong or old code gets nothing', async () => {
    const device = await pairedDevice();
    expect((await call('POST', '/api/v1/devices/pair', { code: device.code })).body.error.id).toBe('pairing_code_invalid');
    expect((await call('POST', '/api/v1/devices/pair', { code: '12345' })).status).toBe(400);
    const { code } = (await app().inject({ method: 'POST', url: `/api/v1/clients/${device.id}/pairing-code` })).json();
    clock.advance(10 * 60_000 + 1);
    expect((await call('POST', '/api/v1/devices/pair', { code })).body.error.id).toBe('pairing_code_invalid');
    // The device sees its window and who is on duty there (R3: the current assignment).
    const state = await call('GET', '/api/v1/device', undefined, `Bearer ${device.key}`);
    expect(state.body).toMatchObject({
      window: { centerCode: world.center.code, number: '1' },
      onDuty: [{ staffNumber: world.staffA.staffNumber, name: world.staffA.name }],
    });
  });
});

describe('the device’s live occasions', () => {
  it('an occasion opened at its window arrives on the stream, is rated there through the device channel, and another window’s is refused', async () => {
    const device = await pairedDevice();
    const stream = await openStream(base, device.key);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    await stream.waitFor(() => stream.events.some((e) => e.event === 'ready'), 'ready');
    const c = await newCase(world.staffA.staffNumber);
    const other = await newCase(world.staffB.staffNumber); // window 2
    await stream.waitFor(() => stream.events.some((e) => e.event === 'occasion'), 'occasion');
    const occasions = stream.events.filter((e) => e.event === 'occasion');
    expect(occasions.map((e) => e.id)).toEqual([c.occasions[0]!.id]);
    expect(occasions[0]!.data).toMatchObject({ occasionId: c.occasions[0]!.id, kindName: '办结', staff: { staffNumber: world.staffA.staffNumber } });
    const token = occasions[0]!.data.token as string;

    // Without the device's key the device channel is refused; with it, the rating is stored once.
    expect((await call('POST', '/api/v1/ratings', { token, level: 'satisfied', channel: 'device' })).body.error.id).toBe('channel_not_allowed');
    const rated = await app().inject({
      method: 'POST',
      url: '/api/v1/ratings',
      payload: { token, level: 'dissatisfied', tags: ['efficiency.long_wait'], channel: 'device' },
      headers: { authorization: `Bearer ${device.key}`, 'idempotency-key': 'dv-1' },
    });
    expect(rated.statusCode).toBe(201);
    expect(rated.json()).toMatchObject({ channel: 'device', level: 'dissatisfied' });
    const again = await app().inject({
      method: 'POST',
      url: '/api/v1/ratings',
      payload: { token, level: 'dissatisfied', tags: ['efficiency.long_wait'], channel: 'device' },
      headers: { authorization: `Bearer ${device.key}`, 'idempotency-key': 'dv-1' },
    });
    expect(again.statusCode).toBe(200);
    // Another window's occasion, with a valid token: 403.
    const otherToken = (await business('POST', `/api/v1/occasions/${other.occasions[0]!.id}/invitations`)).body.token;
    const refused = await call('POST', '/api/v1/ratings', { token: otherToken, level: 'satisfied', channel: 'device' }, `Bearer ${device.key}`);
    expect(refused).toMatchObject({ status: 403, body: { error: { id: 'device_window_mismatch' } } });
    await stream.close();
  });

  it('reconnecting with Last-Event-ID gets what was opened while away, still open; revoking ends the stream and the key at once', async () => {
    const device = await pairedDevice();
    // An occasion of the window from before the device connected is its past (declined, or left): not sent again.
    const before = await newCase(world.staffA.staffNumber);
    const first = await openStream(base, device.key);
    await first.waitFor(() => first.events.some((e) => e.event === 'ready'), 'ready');
    await new Promise((r) => setTimeout(r, 700)); // a few of the hub's ticks
    expect(first.events.filter((e) => e.event === 'occasion').map((e) => e.id)).not.toContain(before.occasions[0]!.id);
    const position = first.events.find((e) => e.event === 'ready')!.id!;
    await first.close();
    const missed = await newCase(world.staffA.staffNumber);
    const back = await openStream(base, device.key, position);
    await back.waitFor(() => back.events.some((e) => e.event === 'occasion'), 'the missed occasion');
    expect(back.events.filter((e) => e.event === 'occasion').map((e) => e.id)).toContain(missed.occasions[0]!.id);

    // A position beyond every occasion (a database restored from a backup): the device starts afresh, not silent.
    const restored = await openStream(base, device.key, 2_000_000_000);
    await restored.waitFor(() => restored.events.some((e) => e.event === 'ready'), 'ready');
    const after = await newCase(world.staffA.staffNumber);
    await restored.waitFor(() => restored.events.some((e) => e.event === 'occasion' && e.id === after.occasions[0]!.id), 'the new occasion');
    await restored.close();

    expect((await app().inject({ method: 'POST', url: `/api/v1/devices/${device.id}/revoke` })).statusCode).toBe(200);
    await back.waitFor(() => back.events.some((e) => e.event === 'revoked') && back.ended(), 'revoked');
    expect((await call('GET', '/api/v1/device', undefined, `Bearer ${device.key}`)).status).toBe(401);
  });
});

describe('the rating link’s page (R5-R7)', () => {
  const invitation = async (occasionId: number) => (await business('POST', `/api/v1/occasions/${occasionId}/invitations`)).body.token as string;

  it('open, then rated (shown again with this link), used elsewhere; forged; withdrawn; expired', async () => {
    const c = await newCase(world.staffA.staffNumber);
    const [mine, another] = [await invitation(c.occasions[0]!.id), await invitation(c.occasions[0]!.id)];
    const open = await call('GET', `/api/v1/invitations/${mine}`);
    expect(open.body).toMatchObject({
      state: 'open',
      occasion: { id: c.occasions[0]!.id, kind: 'completion', kindName: '办结' },
      matter: { name: world.immediate.name },
      window: { number: '1' },
      staff: { staffNumber: world.staffA.staffNumber, name: world.staffA.name },
      rating: null,
    });
    expect(JSON.stringify(open.body)).not.toContain('欧阳申请'); // R9: the applicant is nowhere
    expect((await call('POST', '/api/v1/ratings', { token: mine, level: 'very_satisfied', channel: 'sms' })).status).toBe(201);
    expect((await call('GET', `/api/v1/invitations/${mine}`)).body).toMatchObject({ state: 'rated', rating: { level: 'very_satisfied', channel: 'sms' } });
    expect((await call('GET', `/api/v1/invitations/${another}`)).body.error.id).toBe('rating_already_given');
    expect((await call('POST', '/api/v1/ratings', { token: mine, level: 'satisfied', channel: 'sms' })).body.error.id).toBe('token_already_used');
    // A link alone rates through sms or web (R5): it cannot claim another channel.
    const other = await newCase(world.staffA.staffNumber);
    const link = await invitation(other.occasions[0]!.id);
    for (const channel of ['hotline', 'app', 'miniprogram', 'device'])
      expect((await call('POST', '/api/v1/ratings', { token: link, level: 'satisfied', channel })).body.error.id).toBe('channel_not_allowed');
    expect((await call('POST', '/api/v1/ratings', { token: link, level: 'satisfied', channel: 'web' })).status).toBe(201);
    // A link far too long is refused as such (400), not as a missing page.
    expect((await call('GET', `/api/v1/invitations/${'a'.repeat(1500)}`)).status).toBe(400);
    const forged = `${mine.split('.')[0]}.${'A'.repeat(43)}`;
    expect((await call('GET', `/api/v1/invitations/${forged}`)).body.error.id).toBe('invalid_token');

    const promised = await business('POST', '/api/v1/cases', {
      caseNumber: `DV-${++seq}`,
      matterCode: world.promised.code,
      applicant: buildApplicant(),
      staffNumber: world.staffA.staffNumber,
      acceptedAt: clock.now().toISOString(),
    });
    const withdrawnToken = await invitation(promised.body.occasions[0].id);
    await business('POST', `/api/v1/cases/${promised.body.caseNumber}/withdraw`, { reason: '申请人撤回' });
    expect((await call('GET', `/api/v1/invitations/${withdrawnToken}`)).body.error.id).toBe('occasion_cancelled');

    const late = await newCase(world.staffA.staffNumber);
    const lateToken = await invitation(late.occasions[0]!.id);
    clock.advance(9 * 24 * 3_600_000);
    expect(await call('GET', `/api/v1/invitations/${lateToken}`)).toMatchObject({ status: 410, body: { error: { id: 'token_expired' } } });
  });

  it('the QR code on the receipt is a PNG of the link', async () => {
    const c = await newCase(world.staffA.staffNumber);
    const res = await app().inject({
      url: `/api/v1/occasions/${c.occasions[0]!.id}/invitation.png`,
      headers: { authorization: `Bearer ${world.businessKey}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.rawPayload.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });
});

describe('rate limits (issue 12): per link and per device, never per address; pairing per address', () => {
  let limited: AppInstance;
  afterAll(async () => limited?.close());

  it('a link past its limit gets 429 while another link from the same address does not; so does a device; guessing codes is held back', async () => {
    limited = await buildApp({
      database: database(),
      config: { ...TEST_APP_CONFIG, rateLimits: { ...TEST_APP_CONFIG.rateLimits, token: 3, device: 3 } },
      services: testServices(database(), clock),
    });
    await limited.ready();
    const c = await newCase(world.staffA.staffNumber);
    const token = async () => (await business('POST', `/api/v1/occasions/${c.occasions[0]!.id}/invitations`)).body.token as string;
    const [one, two] = [await token(), await token()];
    const view = (t: string) => limited.inject({ url: `/api/v1/invitations/${t}`, remoteAddress: '10.9.9.9' });
    for (let i = 0; i < 3; i++) expect((await view(one)).statusCode).toBe(200);
    expect((await view(one)).statusCode).toBe(429);
    expect((await view(two)).statusCode).toBe(200);

    const [a, b] = [await pairedDevice(), await pairedDevice()];
    const state = (key: string) => limited.inject({ url: '/api/v1/device', headers: { authorization: `Bearer ${key}` }, remoteAddress: '10.9.9.9' });
    for (let i = 0; i < 3; i++) expect((await state(a.key)).statusCode).toBe(200);
    expect((await state(a.key)).statusCode).toBe(429);
    expect((await state(b.key)).statusCode).toBe(200);

    const guess = (address: string) => limited.inject({ method: 'POST', url: '/api/v1/devices/pair', payload: { code: '000000' }, remoteAddress: address });
    for (let i = 0; i < 10; i++) expect((await guess('10.8.8.8')).statusCode).toBe(404);
    expect((await guess('10.8.8.8')).statusCode).toBe(429);
    expect((await guess('10.8.8.9')).statusCode).toBe(404);
  });
});
