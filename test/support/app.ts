// Builds the API around the test file's database, for `app.inject`.
import { afterAll, beforeAll } from 'vitest';
import type { InjectOptions } from 'fastify';
import { buildApp, type AppInstance } from '../../src/api/server.ts';
import { signedIn, TEST_APP_CONFIG, TEST_PASSWORD } from './auth.ts';
import { signIn, SourceThrottle } from '../../src/app/users.ts';
import { ANONYMOUS } from '../../src/domain/access.ts';
import { useTestDatabase, type TestDatabase } from './db.ts';
import { TestClock, testServices } from './services.ts';

export function useTestApp(): {
  app: () => AppInstance;
  raw: () => AppInstance;
  adminToken: () => string;
  database: () => TestDatabase;
  clock: TestClock;
  services: () => AppInstance['deps']['services'];
} {
  const database = useTestDatabase();
  const clock = new TestClock();
  let app: AppInstance | undefined;
  let admin = '';
  let issuedAt = 0;
  // Tests move the clock by days: sign the admin in again when their session would have ended.
  const freshAdmin = async () => {
    const elapsed = clock.now().getTime() - issuedAt;
    if (elapsed < 0 || elapsed > 7 * 3600_000) {
      admin = (await signIn(app!.deps.services, { actor: ANONYMOUS }, new SourceThrottle(), { username: 'test-admin', password: TEST_PASSWORD })).token;
      issuedAt = clock.now().getTime();
    }
  };
  // Requests act as an admin unless they send credentials of their own (or
  // `authorization: ''` for none); access itself is tested in access.test.ts.
  const asAdmin = (options: InjectOptions | string): InjectOptions => {
    const opts = typeof options === 'string' ? { url: options } : options;
    const headers = { ...(opts.headers ?? {}) } as Record<string, string>;
    if (!('authorization' in headers)) headers.authorization = `Bearer ${admin}`;
    else if (headers.authorization === '') delete headers.authorization;
    return { ...opts, headers };
  };
  beforeAll(async () => {
    app = await buildApp({ database: database(), config: TEST_APP_CONFIG, services: testServices(database(), clock) });
    await app.ready();
    admin = await signedIn(app.deps.services, 'admin', undefined, 'test-admin');
    issuedAt = clock.now().getTime();
  });
  afterAll(async () => {
    await app?.close();
  });
  return {
    app: () => {
      if (!app) throw new Error('the app is built in beforeAll');
      const built = app;
      return new Proxy(built, {
        get: (target, name, receiver) =>
          name === 'inject'
            ? async (options: InjectOptions | string) => {
                await freshAdmin();
                return target.inject(asAdmin(options));
              }
            : Reflect.get(target, name, receiver),
      });
    },
    raw: () => app!,
    adminToken: () => admin,
    database,
    clock,
    services: () => app!.deps.services,
  };
}
