// R2: signing in — sessions, expiry, lockout and slowing of guessing, CSRF
// on cookie writes, revocation that takes effect at once, rate limits.
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type AppInstance } from '../../src/api/server.ts';
import { createClient } from '../../src/app/clients.ts';
import { systemCaller } from '../../src/app/context.ts';
import { createUserAsSystem, signIn as signInUseCase, SourceThrottle } from '../../src/app/users.ts';
import { ANONYMOUS } from '../../src/domain/access.ts';
import { useTestApp } from '../support/app.ts';
import { TEST_APP_CONFIG, TEST_PASSWORD } from '../support/auth.ts';
import { testServices } from '../support/services.ts';

const { app, raw, services, clock, database } = useTestApp();

async function call(options: InjectOptions, token?: string) {
  const headers = { ...(options.headers as Record<string, string>), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await raw().inject({ ...options, headers });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null, headers: res.headers, cookies: res.cookies };
}
const signIn = (username: string, password = TEST_PASSWORD, ip = '10.1.1.1') =>
  call({ method: 'POST', url: '/api/v1/sessions', payload: { username, password }, remoteAddress: ip } as InjectOptions);
const auditCount = async (action: string, subject?: string) =>
  (
    await sql<{
      n: number;
    }>`select count(*)::int as n from audit_event where action = ${action} and (${subject ?? null}::text is null or subject_id = ${subject ?? null})`.execute(
      database().db,
    )
  ).rows[0]!.n;

let seq = 0;
async function newUser(role: 'auditor' | 'admin' = 'auditor') {
  const username = `s-user-${++seq}`;
  await createUserAsSystem(services(), { username, displayName: username, role, password: TEST_PASSWORD }, 'test');
  return username;
}

beforeAll(() => clock.set('2026-11-02T02:00:00Z'));

describe('signing in', () => {
  it('gives a token and an httpOnly SameSite=Strict cookie; the token and the cookie both work; sign-out ends it', async () => {
    const username = await newUser();
    const res = await signIn(username);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { username, role: 'auditor' }, expiresAt: '2026-11-09T02:00:00.000Z' });
    const cookie = res.cookies.find((c) => c.name === 'hcp_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect((await call({ method: 'GET', url: '/api/v1/me' }, res.body.token)).body.username).toBe(username);
    expect((await call({ method: 'GET', url: '/api/v1/me', cookies: { hcp_session: cookie.value } })).body.username).toBe(username);
    expect((await call({ method: 'DELETE', url: '/api/v1/sessions/current' }, res.body.token)).status).toBe(204);
    expect((await call({ method: 'GET', url: '/api/v1/me' }, res.body.token)).body.error.id).toBe('authentication_required');
  });

  it('never says whether the username exists: unknown name, wrong password and disabled account get the same answer', async () => {
    const username = await newUser();
    const disabled = await newUser();
    await app().inject({ method: 'PATCH', url: `/api/v1/users/${disabled}`, payload: { active: false } });
    const answers = [
      await signIn('s-nobody-here', TEST_PASSWORD, '10.2.0.1'),
      await signIn(username, 'wrong-password-1', '10.2.0.2'),
      await signIn(disabled, TEST_PASSWORD, '10.2.0.3'),
    ];
    expect(answers.map((a) => [a.status, a.body.error.id, a.body.error.message])).toEqual(
      Array(3).fill([401, 'invalid_credentials', 'The username or password is not right']),
    );
  });

  it('locks an account for 15 minutes after 5 failures (423 with Retry-After), audited; any name locks alike', async () => {
    for (const username of [await newUser(), 's-ghost']) {
      for (let i = 1; i <= 4; i++) expect((await signIn(username, 'wrong-password-1', `10.3.0.${i}`)).status).toBe(401);
      const fifth = await signIn(username, 'wrong-password-1', '10.3.0.5');
      expect([fifth.status, fifth.body.error.id, fifth.headers['retry-after']]).toEqual([423, 'account_locked', '900']);
      // Even the right password is refused while locked.
      expect((await signIn(username, TEST_PASSWORD, '10.3.0.6')).body.error.id).toBe('account_locked');
      expect(await auditCount('session.sign_in_failed', username)).toBe(5);
      expect(await auditCount('session.locked', username)).toBe(1);
      expect(await auditCount('session.sign_in_refused', username)).toBe(1);
    }
    clock.advance(15 * 60_000 + 1000);
    const username = `s-user-${seq}`;
    expect((await signIn(username, TEST_PASSWORD, '10.3.0.7')).status).toBe(200);
    clock.set('2026-11-02T02:00:00Z');
  });

  it('slows failures from one address past 10 (250 ms, doubling, at most 5 s), audited once; a right password is answered at once', async () => {
    const waits: number[] = [];
    const throttle = new SourceThrottle(10, 15 * 60_000, async (ms) => void waits.push(ms));
    const caller = { actor: ANONYMOUS, sourceIp: '10.9.9.9' };
    const names = await Promise.all([1, 2, 3, 4, 5].map(() => newUser()));
    for (let i = 0; i < 16; i++) {
      await expect(signInUseCase(services(), caller, throttle, { username: names[i % 5]!, password: 'wrong-password-1' })).rejects.toThrow();
    }
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 5000]);
    const good = await signInUseCase(services(), caller, throttle, { username: await newUser(), password: TEST_PASSWORD });
    expect(good.token).toMatch(/^hcs_/);
    expect(waits).toHaveLength(6);
    expect(await auditCount('session.source_slowed', '10.9.9.9')).toBe(1);
  });

  it('ends a session after 8 idle hours and after 7 days at most (401 session_expired)', async () => {
    const username = await newUser();
    const token = (await signIn(username)).body.token;
    clock.advance(7 * 3600_000);
    expect((await call({ method: 'GET', url: '/api/v1/me' }, token)).status).toBe(200);
    clock.advance(8 * 3600_000 + 1000);
    expect((await call({ method: 'GET', url: '/api/v1/me' }, token)).body.error.id).toBe('session_expired');

    clock.set('2026-11-02T02:00:00Z');
    const kept = (await signIn(username)).body.token;
    for (let day = 0; day < 7; day++) {
      clock.advance(6 * 3600_000);
      expect((await call({ method: 'GET', url: '/api/v1/me' }, kept)).status).toBe(200);
      clock.advance(6 * 3600_000);
      expect((await call({ method: 'GET', url: '/api/v1/me' }, kept)).status).toBe(200);
      clock.advance(12 * 3600_000 - 7 * 3600_000);
      await call({ method: 'GET', url: '/api/v1/me' }, kept);
    }
    clock.set('2026-11-09T02:00:01Z');
    expect((await call({ method: 'GET', url: '/api/v1/me' }, kept)).body.error.id).toBe('session_expired');
    clock.set('2026-11-02T02:00:00Z');
  });

  it('refuses a weak password: too short, one of the common ones', async () => {
    const short = await app().inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { username: 's-weak', displayName: 'x', role: 'auditor', password: 'short' },
    });
    expect(short.json().error).toMatchObject({ id: 'weak_password', fields: [{ field: '/body/password' }] });
    const common = await app().inject({
      method: 'POST',
      url: '/api/v1/users',
      payload: { username: 's-weak', displayName: 'x', role: 'auditor', password: 'Password2026!' },
    });
    expect(common.json().error.message).toContain('most common');
  });
});

describe('changes take effect at once', () => {
  it('a disabled user, a re-scoped user and a changed password end the sessions they should', async () => {
    const username = await newUser();
    const token = (await signIn(username)).body.token;
    expect((await app().inject({ method: 'PATCH', url: `/api/v1/users/${username}`, payload: { active: false } })).statusCode).toBe(200);
    expect((await call({ method: 'GET', url: '/api/v1/me' }, token)).status).toBe(401);

    const other = await newUser();
    const first = (await signIn(other)).body.token;
    const second = (await signIn(other)).body.token;
    const changed = await call(
      { method: 'POST', url: '/api/v1/me/password', payload: { currentPassword: TEST_PASSWORD, newPassword: 'A-new-long-secret-7' } },
      first,
    );
    expect(changed.status).toBe(204);
    expect((await call({ method: 'GET', url: '/api/v1/me' }, first)).status).toBe(200);
    expect((await call({ method: 'GET', url: '/api/v1/me' }, second)).status).toBe(401);
    expect((await signIn(other, 'A-new-long-secret-7')).status).toBe(200);
  });

  it('a revoked API key stops working at once', async () => {
    const { client, key } = await createClient(services(), systemCaller('test'), { name: 's-sms', kind: 'channel', channel: 'sms' });
    const probe = () =>
      call(
        {
          method: 'POST',
          url: '/api/v1/ratings',
          payload: {
            caseNumber: 'NONE',
            occasion: 'completion',
            rater: { name: '甲', idType: 'resident_id', idNumber: '11010519491231002X' },
            level: 'satisfied',
            channel: 'sms',
          },
        },
        key,
      );
    expect((await probe()).body.error.id).toBe('case_not_found');
    expect((await app().inject({ method: 'POST', url: `/api/v1/clients/${client.id}/revoke` })).statusCode).toBe(200);
    expect((await probe()).body.error.id).toBe('authentication_required');
  });
});

describe('CSRF: a change sent with the session cookie', () => {
  it('needs our Origin or the X-CSRF-Token; bearer tokens need neither', async () => {
    const username = await newUser('admin');
    const res = await signIn(username);
    const cookie = res.cookies.find((c) => c.name === 'hcp_session')!.value;
    const csrf = res.cookies.find((c) => c.name === 'hcp_csrf')!.value;
    const patch = (headers: Record<string, string>) =>
      call({ method: 'PATCH', url: '/api/v1/settings', payload: { publishStaffScores: false }, cookies: { hcp_session: cookie }, headers });
    expect((await patch({})).body.error.id).toBe('csrf_failed');
    expect((await patch({ origin: 'https://evil.example' })).body.error.id).toBe('csrf_failed');
    expect((await patch({ origin: 'http://localhost:80' })).status).toBe(200);
    expect((await patch({ 'x-csrf-token': csrf })).status).toBe(200);
    expect((await call({ method: 'PATCH', url: '/api/v1/settings', payload: { publishStaffScores: false } }, res.body.token)).status).toBe(200);
  });
});

describe('rate limits: per user and per client, never per address', () => {
  let app: AppInstance;
  afterAll(async () => app?.close());

  it('answers 429 with Retry-After past the limit; another user behind the same address is not held back', async () => {
    const s = testServices(database(), clock);
    app = await buildApp({ database: database(), config: { ...TEST_APP_CONFIG, rateLimits: { ...TEST_APP_CONFIG.rateLimits, user: 3 } }, services: s });
    await app.ready();
    const tokens = [];
    for (const name of [await newUser(), await newUser()]) {
      tokens.push((await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { username: name, password: TEST_PASSWORD } })).json().token);
    }
    const me = (token: string) => app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` }, remoteAddress: '10.5.5.5' });
    for (let i = 0; i < 3; i++) expect((await me(tokens[0])).statusCode).toBe(200);
    const over = await me(tokens[0]);
    expect([over.statusCode, over.json().error.id]).toEqual([429, 'too_many_requests']);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect((await me(tokens[1])).statusCode).toBe(200);
  });
});

describe('security headers', () => {
  it('are set on API answers (helmet); no CORS unless origins are configured', async () => {
    const res = await raw().inject({ method: 'GET', url: '/api/v1/regions/450100', headers: { origin: 'https://elsewhere.example' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
