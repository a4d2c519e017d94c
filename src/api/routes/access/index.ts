// R2: signing in and out, one's own account, and — for admins — users, API
// clients and settings.
//   POST   /api/v1/sessions                 sign in → token, and the session cookie
//   DELETE /api/v1/sessions/current         sign out
//   GET    /api/v1/me                       who am I (role, scope)
//   POST   /api/v1/me/password              change my password
//   GET|POST /api/v1/users, GET|PATCH /api/v1/users/{username}
//   GET|POST /api/v1/clients, POST /api/v1/clients/{id}/revoke
//   GET|PATCH /api/v1/settings
import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppInstance } from '../../server.ts';
import { CLIENT_KINDS, ROLES } from '../../../domain/access.ts';
import { PASSWORD_MAX_LENGTH } from '../../../domain/passwords.ts';
import { RATER_CHANNELS } from '../../../domain/ratings.ts';
import {
  changeOwnPassword,
  createUser,
  getSettings,
  getUser,
  listUsers,
  me,
  signIn,
  signOut,
  SourceThrottle,
  updateSettings,
  updateUser,
} from '../../../app/users.ts';
import { createClient, listClients, revokeClient } from '../../../app/clients.ts';
import { callerOf, CSRF_COOKIE, SESSION_COOKIE, USER_SECURITY } from '../../plugins/auth.ts';
import { ErrorBody, Nullable, Paged, PageQuery } from '../../schemas.ts';

const Role = Type.String({ enum: [...ROLES], description: 'admin, supervisor, line_manager, agency_manager, staff, auditor (R2)' });
const ScopeIn = Type.Object(
  {
    regionCode: Type.Optional(
      Nullable(Type.String({ maxLength: 12, description: 'supervisor: the region (and its subtree); line_manager: optionally within it' })),
    ),
    lineCode: Type.Optional(Nullable(Type.String({ maxLength: 32, description: 'line_manager: the business line' }))),
    agencyCode: Type.Optional(Nullable(Type.String({ maxLength: 18, description: 'agency_manager: the agency' }))),
    staffNumber: Type.Optional(Nullable(Type.String({ maxLength: 32, description: 'staff: themself' }))),
  },
  { additionalProperties: false },
);
const User = Type.Object({
  username: Type.String(),
  displayName: Type.String(),
  role: Type.String(),
  scope: Type.Object({
    regionCode: Nullable(Type.String()),
    lineCode: Nullable(Type.String()),
    agencyCode: Nullable(Type.String()),
    staffNumber: Nullable(Type.String()),
  }),
  active: Type.Boolean(),
  locked: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  passwordChangedAt: Type.String({ format: 'date-time' }),
});
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH });
const Client = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  kind: Type.String(),
  channel: Nullable(Type.String()),
  window: Nullable(Type.Object({ centerCode: Type.String(), number: Type.String() })),
  keyPrefix: Nullable(Type.String()),
  active: Type.Boolean(),
  createdAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
});
const Settings = Type.Object({ publishStaffScores: Type.Boolean({ description: 'R13: staff-level figures on the public API (off by default)' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = USER_SECURITY;

const SELF = { action: 'self.manage', audited: true } as const;

function setSessionCookies(request: FastifyRequest, reply: FastifyReply, token: string, csrfToken: string, expiresAt: string) {
  const secure = request.protocol === 'https';
  const expires = new Date(expiresAt);
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure, expires });
  // Readable by our pages, which echo it in X-CSRF-Token (double submit).
  reply.setCookie(CSRF_COOKIE, csrfToken, { path: '/', httpOnly: false, sameSite: 'strict', secure, expires });
}

export default async function accessRoutes(app: AppInstance, options: { throttle?: SourceThrottle }) {
  const services = () => app.deps.services;
  const throttle = options.throttle ?? new SourceThrottle();

  app.post(
    '/sessions',
    {
      config: { access: { public: true, why: 'signing in', audited: true } },
      schema: {
        tags: ['sessions'],
        summary: 'Sign in: a session token (Authorization: Bearer) and an httpOnly SameSite=Strict cookie',
        body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 100 }), password: Password }, { additionalProperties: false }),
        response: {
          200: Type.Object({ token: Type.String(), csrfToken: Type.String(), expiresAt: Type.String({ format: 'date-time' }), user: User }),
          400: ErrorBody,
          401: ErrorBody,
          423: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const result = await signIn(services(), callerOf(request), throttle, request.body);
      setSessionCookies(request, reply, result.token, result.csrfToken, result.expiresAt);
      return result;
    },
  );

  app.delete(
    '/sessions/current',
    { config: { access: SELF }, schema: { tags: ['sessions'], security, summary: 'Sign out', response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      if (!request.session) return reply.status(204).send(null);
      await signOut(services(), callerOf(request), request.session.id);
      reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      config: { access: { action: 'self.manage' } },
      schema: { tags: ['sessions'], security, summary: 'Who I am: role and scope', response: { 200: User, ...errors } },
    },
    async (request) => me(services(), callerOf(request)),
  );

  app.post(
    '/me/password',
    {
      config: { access: SELF },
      schema: {
        tags: ['sessions'],
        security,
        summary: 'Change my password (my other sessions end)',
        body: Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await changeOwnPassword(services(), callerOf(request), request.body);
      return reply.status(204).send(null);
    },
  );

  // ——— users (admins) ———

  app.get(
    '/users',
    {
      config: { access: { action: 'users.read' } },
      schema: {
        tags: ['users'],
        security,
        summary: 'Users',
        querystring: Type.Object(
          { role: Type.Optional(Role), q: Type.Optional(Type.String({ maxLength: 40 })), ...PageQuery },
          { additionalProperties: false },
        ),
        response: { 200: Paged(User), ...errors },
      },
    },
    async (request) => {
      const { page, pageSize, ...filter } = request.query;
      return listUsers(services(), callerOf(request), filter, { page, pageSize });
    },
  );

  app.post(
    '/users',
    {
      config: { access: { action: 'users.manage', audited: true } },
      schema: {
        tags: ['users'],
        security,
        summary: 'Create a user with a role and a scope (R2)',
        body: Type.Object(
          {
            username: Type.String({ maxLength: 40 }),
            displayName: Type.String({ minLength: 1, maxLength: 100 }),
            role: Role,
            scope: Type.Optional(ScopeIn),
            password: Password,
          },
          { additionalProperties: false },
        ),
        response: { 201: User, ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createUser(services(), callerOf(request), request.body as Parameters<typeof createUser>[2])),
  );

  const UserParams = Type.Object({ username: Type.String({ maxLength: 40 }) });

  app.get(
    '/users/:username',
    {
      config: { access: { action: 'users.read' } },
      schema: { tags: ['users'], security, summary: 'One user', params: UserParams, response: { 200: User, ...errors } },
    },
    async (request) => getUser(services(), callerOf(request), request.params.username),
  );

  app.patch(
    '/users/:username',
    {
      config: { access: { action: 'users.manage', audited: true } },
      schema: {
        tags: ['users'],
        security,
        summary: 'Rename, re-scope, disable or enable, reset the password, unlock (access changes end the user’s sessions at once)',
        params: UserParams,
        body: Type.Object(
          {
            displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            role: Type.Optional(Role),
            scope: Type.Optional(ScopeIn),
            active: Type.Optional(Type.Boolean()),
            password: Type.Optional(Password),
            unlock: Type.Optional(Type.Literal(true)),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: User, ...errors },
      },
    },
    async (request) => updateUser(services(), callerOf(request), request.params.username, request.body as Parameters<typeof updateUser>[3]),
  );

  // ——— API clients (admins) ———

  app.get(
    '/clients',
    {
      config: { access: { action: 'clients.read' } },
      schema: { tags: ['clients'], security, summary: 'API clients', response: { 200: Type.Object({ items: Type.Array(Client) }), ...errors } },
    },
    async (request) => listClients(services(), callerOf(request)),
  );

  app.post(
    '/clients',
    {
      config: { access: { action: 'clients.manage', audited: true } },
      schema: {
        tags: ['clients'],
        security,
        summary: 'Create an API client; its key is shown once, here, and stored hashed',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            kind: Type.String({ enum: [...CLIENT_KINDS] }),
            channel: Type.Optional(Nullable(Type.String({ enum: [...RATER_CHANNELS] }))),
            window: Type.Optional(
              Nullable(Type.Object({ centerCode: Type.String({ maxLength: 40 }), number: Type.String({ maxLength: 20 }) }, { additionalProperties: false })),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ client: Client, key: Type.String() }), ...errors },
      },
    },
    async (request, reply) => reply.status(201).send(await createClient(services(), callerOf(request), request.body as Parameters<typeof createClient>[2])),
  );

  app.post(
    '/clients/:id/revoke',
    {
      config: { access: { action: 'clients.manage', audited: true } },
      schema: {
        tags: ['clients'],
        security,
        summary: 'Revoke an API client: its key stops working at once',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        response: { 200: Client, ...errors },
      },
    },
    async (request) => {
      const revoked = await revokeClient(services(), callerOf(request), request.params.id);
      app.deviceHub.revoke(revoked.id); // a device's live stream ends at once (issue 12)
      return revoked;
    },
  );

  // ——— settings (admins) ———

  app.get(
    '/settings',
    {
      config: { access: { action: 'settings.read' } },
      schema: { tags: ['settings'], security, summary: 'Run-time settings', response: { 200: Settings, ...errors } },
    },
    async (request) => getSettings(services(), callerOf(request)),
  );

  app.patch(
    '/settings',
    {
      config: { access: { action: 'settings.manage', audited: true } },
      schema: {
        tags: ['settings'],
        security,
        summary: 'Change run-time settings',
        body: Type.Object({ publishStaffScores: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Settings, ...errors },
      },
    },
    async (request) => updateSettings(services(), callerOf(request), request.body),
  );
}
