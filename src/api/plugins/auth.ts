// Who is calling (R2): one onRequest hook resolves an actor for every API
// route — a signed-in user (session cookie, or `Authorization: Bearer
// hcs_…`), an API client (`Authorization: Bearer hcp_…`: a business system,
// a channel client or a window device), or nobody. Every route declares
// what it needs in `config.access`; a route under /api/v1 without one stops
// the start-up. The hook refuses callers whose role cannot do the action at
// all; the use case then checks the place (scope) itself.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ANONYMOUS, authenticationRequired, decide, forbidden, type Action, type Actor } from '../../domain/access.ts';
import { AppError } from '../../domain/errors.ts';
import { authenticateClient, type ApiClient } from '../../app/clients.ts';
import '@fastify/cookie';
import type { Caller } from '../../app/context.ts';
import { resolveSession, SESSION_TOKEN_PREFIX } from '../../app/users.ts';
import type { AppInstance } from '../server.ts';

/**
 * What a route needs: `public` (anyone: health, token rating submission, the
 * R13 public API, signing in), or an action that the caller's role or
 * client kind must have. `audited` marks a route that changes data for a
 * person: it writes exactly one audit event (the completeness test calls
 * each once). `notAudited` says why a write route is not audited.
 */
export type RouteAccess =
  | { public: true; why: string; audited?: boolean }
  | {
      action: Action;
      audited?: boolean;
      notAudited?: string;
      /**
       * The use case decides even who may call at all, so that it can audit
       * every refusal with its subject and reason (R9: every attempt to reveal).
       */
      decidedInUseCase?: boolean;
    };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyInstance {
    /** Every API route with what it declared (tests walk it; docs list it). */
    accessTable: { method: string; url: string; access: RouteAccess }[];
  }
  interface FastifyRequest {
    actor: Actor;
    session: { id: number; csrfToken: string; viaCookie: boolean } | null;
  }
}

export const SESSION_COOKIE = 'hcp_session';
export const CSRF_COOKIE = 'hcp_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** The caller of a request, for use cases. */
export const callerOf = (request: FastifyRequest): Caller & { sessionId?: number } => ({
  actor: request.actor,
  requestId: request.id,
  sourceIp: request.ip,
  sessionId: request.session?.id,
});

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A write sent with the session cookie must come from our own pages: the
 * Origin header names this host (or a configured origin), or the
 * double-submit token is echoed in X-CSRF-Token. Bearer tokens are not sent
 * by browsers on their own, so they need neither.
 */
function checkCsrf(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  if (SAFE_METHODS.has(request.method) || !request.session?.viaCookie) return;
  const header = request.headers[CSRF_HEADER];
  if (typeof header === 'string' && header === request.session.csrfToken) return;
  const origin = request.headers.origin;
  if (origin) {
    const own = `${request.protocol}://${request.host}`;
    if (origin === own || allowedOrigins.includes(origin)) return;
  }
  throw new AppError('csrf_failed', 'forbidden', `A change sent with the session cookie needs an Origin header of this site or the ${CSRF_HEADER} header`);
}

/** Resolves the actor of a request from its credentials; a wrong credential is 401 whatever the route. */
async function resolveActor(app: AppInstance, request: FastifyRequest, route: RouteAccess): Promise<void> {
  const services = app.deps.services;
  request.actor = ANONYMOUS;
  request.session = null;
  const bearer = bearerOf(request);
  if (bearer?.startsWith(SESSION_TOKEN_PREFIX)) {
    const session = await resolveSession(services, bearer);
    request.actor = session.actor;
    request.session = { id: session.sessionId, csrfToken: session.csrfToken, viaCookie: false };
    return;
  }
  if (bearer) {
    const client = await authenticateClient(services.db, bearer);
    request.actor = { type: 'client', id: client.id, name: client.name, kind: client.kind, channel: client.channel, windowId: client.windowId };
    return;
  }
  const cookie = request.cookies?.[SESSION_COOKIE];
  if (cookie?.startsWith(SESSION_TOKEN_PREFIX)) {
    try {
      const session = await resolveSession(services, cookie);
      request.actor = session.actor;
      request.session = { id: session.sessionId, csrfToken: session.csrfToken, viaCookie: true };
    } catch (error) {
      // A stale cookie does not break a public page; anywhere else it says why.
      if (!('public' in route)) throw error;
    }
  }
}

export function registerAccess(app: AppInstance, options: { corsOrigins: readonly string[] }): void {
  app.decorateRequest('actor', null as never);
  app.decorateRequest('session', null);

  app.decorate('accessTable', []);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    const access = route.config?.access;
    if (!access) throw new Error(`route ${route.method} ${route.url} declares no access (config.access): say who may call it`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') app.accessTable.push({ method, url: route.url, access });
  });

  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    const access = request.routeOptions.config?.access;
    if (!access) return; // health, docs, the web app
    await resolveActor(app, request, access);
    if ('public' in access) return;
    if (!access.decidedInUseCase) {
      const decision = decide(request.actor, access.action);
      if (decision === 'unauthenticated') throw authenticationRequired();
      if (decision === 'forbidden') throw forbidden(access.action, request.actor);
    }
    checkCsrf(request, options.corsOrigins);
  });
}

/** The key a request is rate-limited by: never the address alone, since a whole hall shares one. */
export function rateLimitKey(request: FastifyRequest): string {
  const actor = request.actor ?? ANONYMOUS;
  if (actor.type === 'user') return `user:${actor.id}`;
  if (actor.type === 'client') return `${actor.kind === 'device' ? 'device' : 'client'}:${actor.id}`;
  const token = (request.body as { token?: unknown } | undefined)?.token ?? (request.params as { token?: unknown } | undefined)?.token;
  if (typeof token === 'string') return `token:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
  // Nobody at all (the public API, signing in): the address is all there is.
  return `anonymous:${request.ip}`;
}

export const API_KEY_SECURITY: Record<string, string[]>[] = [{ bearer: [] }];

/** The calling API client (a route that declares a client action has one). */
export function clientOf(request: FastifyRequest): ApiClient {
  const actor = request.actor;
  if (actor.type !== 'client') throw forbidden('calls of API clients');
  return { id: actor.id, name: actor.name, kind: actor.kind, channel: actor.channel as ApiClient['channel'], windowId: actor.windowId };
}
/** OpenAPI: a signed-in user, by bearer session token or by the session cookie. */
export const USER_SECURITY: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }];
