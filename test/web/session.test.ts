// Coming back to the console after the session ran out (issue 11): the
// sign-in page says the session has expired, and returns to where the user
// was; someone who never signed in just signs in.
import { afterEach, describe, expect, it, vi } from 'vitest';

const answer = (id: string) => new Response(JSON.stringify({ error: { id, message: 'x' } }), { status: 401, headers: { 'content-type': 'application/json' } });

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('opening a console page without a live session', () => {
  it.each([
    ['session_expired', { redirect: '/account', expired: '1' }],
    ['authentication_required', { redirect: '/account' }],
  ])('GET /me answers %s: sign in with %j', async (id, query) => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => answer(id)),
    );
    const { router } = await import('../../web/src/router.ts');
    await router.push('/account');
    expect(router.currentRoute.value.name).toBe('signin');
    expect(router.currentRoute.value.query).toEqual(query);
  });
});
