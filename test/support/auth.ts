// Signing in, for tests and benchmarks: users are made through the same use
// case as the API's (createUser) and signed in through signIn.
import type { AppDeps } from '../../src/api/server.ts';
import type { Services } from '../../src/app/context.ts';
import { createUserAsSystem, signIn, SourceThrottle, type ScopeInput } from '../../src/app/users.ts';
import type { Role } from '../../src/domain/access.ts';

export const TEST_PASSWORD = 'Correct-Horse-42';

let seq = 0;
/** A new user of this role and scope, signed in: the bearer token. */
export async function signedIn(services: Services, role: Role, scope?: ScopeInput, username = `${role.replace('_', '-')}-${++seq}`): Promise<string> {
  await createUserAsSystem(services, { username, displayName: username, role, scope, password: TEST_PASSWORD }, 'test');
  return (await signIn(services, { actor: { type: 'anonymous' }, sourceIp: '127.0.0.1' }, new SourceThrottle(), { username, password: TEST_PASSWORD })).token;
}

export const adminToken = (services: Services) => signedIn(services, 'admin');

/** Rate limits out of the way, except where a test sets its own. */
export const TEST_APP_CONFIG = {
  logLevel: 'silent',
  testRoutes: false,
  rateLimits: { user: 1_000_000, client: 1_000_000, device: 1_000_000, token: 1_000_000, anonymous: 1_000_000 },
  corsOrigins: [],
  trustProxy: false,
  // The API alone, whether or not dist/web has been built (test/api/web.test.ts serves one of its own).
  webDir: '',
} as const satisfies AppDeps['config'];
