// Builds the Fastify application: plugins, error handling, OpenAPI, routes.
// It opens nothing itself — the caller passes the opened database — so tests
// build it around their own database and use `app.inject`.
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Config } from '../config.ts';
import type { Database } from '../storage/db.ts';
import { errorBody, registerErrorHandling } from './plugins/errors.ts';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { ErrorBody } from './schemas.ts';
import healthRoutes from './routes/health/index.ts';
import regionRoutes from './routes/regions/index.ts';
import catalogueRoutes from './routes/catalogue/index.ts';
import importRoutes from './routes/imports/index.ts';
import caseRoutes from './routes/cases/index.ts';
import ratingRoutes from './routes/ratings/index.ts';
import scoreRoutes from './routes/scores/index.ts';
import type { Services } from '../app/context.ts';
import testRoutes from './routes/test/index.ts';
import accessRoutes from './routes/access/index.ts';
import auditRoutes from './routes/audit/index.ts';
import publicRoutes from './routes/public/index.ts';
import deviceRoutes from './routes/devices/index.ts';
import invitationRoutes from './routes/invitations/index.ts';
import outboxRoutes from './routes/outbox/index.ts';
import policyRoutes from './routes/policy/index.ts';
import supervisionRoutes from './routes/supervision/index.ts';
import findingRoutes from './routes/findings/index.ts';
import { DeviceHub } from './deviceHub.ts';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { rateLimitKey, registerAccess } from './plugins/auth.ts';
import { registerWeb } from './plugins/web.ts';
import { registerInputChecks } from './plugins/input.ts';
import { AppError } from '../domain/errors.ts';

// ajv-formats is CommonJS: its default export is the function under ESM interop.
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv) => Ajv;

export interface AppDeps {
  database: Database;
  config: Pick<Config, 'logLevel' | 'testRoutes' | 'rateLimits' | 'corsOrigins' | 'trustProxy'> &
    Partial<Pick<Config, 'requestTimeoutMs' | 'maxConnections'>> & {
      closeGraceMs?: number;
      /** The built web app (default dist/web); served when its index.html exists; '' for none. */
      webDir?: string;
    };
  /** What use cases are given: the database, the protector, the clock. */
  services: Services;
}

export type AppInstance = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
    /** The live streams of the evaluation devices (issue 12). */
    deviceHub: DeviceHub;
  }
}

export async function buildApp(deps: AppDeps, options: { logger?: FastifyBaseLogger } = {}): Promise<AppInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: { level: deps.config.logLevel } }),
    // A caller's X-Request-Id is kept when it is short and plain (so logs
    // join up across systems), otherwise we make one; it is echoed back.
    requestIdHeader: false,
    // A rating link's token is a path parameter of about 150 characters (GET /invitations/{token}).
    routerOptions: { maxParamLength: 4096 },
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    // Slow or stuck clients do not hold connections: the whole request within
    // requestTimeout (a 100 MB import over a slow line included), headers within headersTimeout.
    requestTimeout: deps.config.requestTimeoutMs ?? 120_000,
    connectionTimeout: 0,
    keepAliveTimeout: 5_000,
    http: { headersTimeout: 30_000 },
    // Errors Fastify meets before a route runs, in our one shape.
    frameworkErrors: (error, _request, reply) => {
      const badUrl = error.code === 'FST_ERR_BAD_URL';
      const body = errorBody(badUrl ? 'bad_url' : 'bad_request', badUrl ? 'The URL is not valid (bad percent-encoding)' : 'The request could not be read');
      (reply as unknown as { code(n: number): { send(b: unknown): void } }).code(400).send(body);
    },
    // Errors of the connection itself (headers too large, a request that timed out…): one JSON line, then close.
    clientErrorHandler: (error, socket) => {
      if (!socket.writable) return socket.destroy();
      const code = (error as NodeJS.ErrnoException).code;
      const [status, id, text] =
        code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'headers_too_large', 'Request Header Fields Too Large']
          : code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'request_timeout', 'Request Timeout']
            : [400, 'bad_request', 'Bad Request'];
      const body = JSON.stringify(errorBody(id, `${text}: the request could not be read`));
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    // On close, stop keep-alive connections that are idle, let the busy
    // ones finish their request.
    forceCloseConnections: 'idle',
    trustProxy: deps.config.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Query strings, paths and headers are text: their numbers and booleans are read from it.
  // A JSON body is taken as sent: "1" is not a number, 1 is not a string. Neither takes NaN or Infinity.
  const ajvOptions = { removeAdditional: false, allErrors: true, useDefaults: true, strictNumbers: true, strict: false } as const;
  const fromText = addFormats(new Ajv({ ...ajvOptions, coerceTypes: 'array' }));
  const asSent = addFormats(new Ajv({ ...ajvOptions, coerceTypes: false }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? asSent : fromText).compile(schema));
  if (deps.config.maxConnections) app.server.maxConnections = deps.config.maxConnections;

  app.decorate('deps', deps);
  app.decorate('deviceHub', new DeviceHub(deps.services, app.log));
  // Once closing, answer in-flight requests with Connection: close so that
  // keep-alive clients do not hold the process open after their response.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    // Device streams never end on their own: they end now, and the devices reconnect (Last-Event-ID) elsewhere or later.
    app.deviceHub.stop();
    // In-flight requests get a grace period to finish; a connection still
    // open after it (a client sending half a body, one that never reads) is
    // cut, so that shutdown ends in seconds whatever clients do.
    setTimeout(() => app.server.closeAllConnections(), deps.config.closeGraceMs ?? 5_000).unref();
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    // What a signed-in caller or a client reads is theirs alone: no cache keeps it (R9 reveals above all).
    const access = request.routeOptions.config?.access;
    if (access && !('public' in access) && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  registerErrorHandling(app);
  app.addSchema(ErrorBody);

  await app.register(cookie);
  // Security headers; the API docs page needs its own scripts and styles (swagger-ui's staticCSP).
  await app.register(helmet, { global: true });
  if (deps.config.corsOrigins.length) await app.register(cors, { origin: deps.config.corsOrigins, credentials: true });
  registerAccess(app, { corsOrigins: deps.config.corsOrigins });
  registerInputChecks(app);
  const limits = deps.config.rateLimits;
  await app.register(rateLimit, {
    global: true,
    // After the body is read, so that a token submission is limited per token.
    hook: 'preHandler',
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    max: (_request, key) => limits[key.slice(0, key.indexOf(':')) as keyof typeof limits] ?? limits.anonymous,
    allowList: (request) => !request.routeOptions.config?.access, // health, docs, the web app
    errorResponseBuilder: (_request, context) => {
      const error = new AppError('too_many_requests', 'too_many', `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`);
      error.retryAfterSeconds = Math.ceil(context.ttl / 1000);
      return error;
    },
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'haochaping — 政务服务“好差评”',
        version: '1',
        description: 'Government-service good/bad ratings as the Guangxi rules define them. Errors are {"error":{"id","message"}}.',
      },
      tags: [
        { name: 'health' },
        { name: 'regions', description: 'R1: the five administrative levels of Guangxi' },
        { name: 'business-lines', description: 'R2: 业务条线' },
        { name: 'agencies', description: 'R2: 政务服务机构' },
        { name: 'centers', description: 'R1: 政务服务中心 and 分中心' },
        { name: 'windows', description: 'R2: 窗口' },
        { name: 'staff', description: 'R2, R3: 窗口工作人员 and their dated assignments' },
        { name: 'matters', description: 'R7: 政务服务事项' },
        { name: 'imports', description: 'Bulk import from .xlsx or CSV' },
        { name: 'cases', description: 'R7: case intake from business systems (API key)' },
        { name: 'packages', description: 'R8: package services, 一件事 (API key)' },
        { name: 'ratings', description: 'R4-R9: rating submission from every channel' },
        { name: 'scores', description: 'R3: scores of staff, agencies, lines, regions and centers, and the ratings behind them' },
        { name: 'rankings', description: 'R13, R14: rankings and their exports' },
        { name: 'sessions', description: 'R2: sign in and out; my account' },
        { name: 'users', description: 'R2: people, roles and scopes (admins)' },
        { name: 'clients', description: 'API keys of business systems, channel clients and devices (admins)' },
        { name: 'settings', description: 'Run-time settings (admins)' },
        { name: 'audit', description: 'The append-only audit log (auditors, admins)' },
        { name: 'jobs', description: 'Scheduled jobs; run one by hand (admins)' },
        { name: 'public', description: 'R13: the open API, no sign-in' },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A session token (hcs_…, from POST /api/v1/sessions) or an API key (hcp_…) of a business system, channel client or device',
          },
          cookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'hcp_session',
            description: 'The session cookie set by POST /api/v1/sessions (writes need Origin or X-CSRF-Token)',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(healthRoutes);
  await app.register(regionRoutes, { prefix: '/api/v1' });
  await app.register(catalogueRoutes, { prefix: '/api/v1' });
  await app.register(importRoutes, { prefix: '/api/v1' });
  await app.register(caseRoutes, { prefix: '/api/v1' });
  await app.register(ratingRoutes, { prefix: '/api/v1' });
  await app.register(scoreRoutes, { prefix: '/api/v1' });
  await app.register(accessRoutes, { prefix: '/api/v1' });
  await app.register(auditRoutes, { prefix: '/api/v1' });
  await app.register(publicRoutes, { prefix: '/api/v1' });
  await app.register(invitationRoutes, { prefix: '/api/v1' });
  await app.register(deviceRoutes, { prefix: '/api/v1' });
  await app.register(outboxRoutes, { prefix: '/api/v1' });
  await app.register(policyRoutes, { prefix: '/api/v1' });
  await app.register(supervisionRoutes, { prefix: '/api/v1' });
  await app.register(findingRoutes, { prefix: '/api/v1' });
  if (deps.config.testRoutes) await app.register(testRoutes, { prefix: '/api/v1/_test' });
  await registerWeb(app, deps.config.webDir);
  return app;
}
