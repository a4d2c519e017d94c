// Builds the API around the test file's database, for `app.inject`.
import { afterAll, beforeAll } from 'vitest';
import { buildApp, type AppInstance } from '../../src/api/server.ts';
import { useTestDatabase, type TestDatabase } from './db.ts';
import { TestClock, testServices } from './services.ts';

export function useTestApp(): { app: () => AppInstance; database: () => TestDatabase; clock: TestClock; services: () => AppInstance['deps']['services'] } {
  const database = useTestDatabase();
  const clock = new TestClock();
  let app: AppInstance | undefined;
  beforeAll(async () => {
    app = await buildApp({ database: database(), config: { logLevel: 'silent', testRoutes: false }, services: testServices(database(), clock) });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
  });
  return {
    app: () => {
      if (!app) throw new Error('the app is built in beforeAll');
      return app;
    },
    database,
    clock,
    services: () => app!.deps.services,
  };
}
