// The evaluation device (评价器) at a window (issue 12): pairing with a code
// from the console, what it shows when idle, and the live stream of the
// occasions opened at its window (server-sent events).
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { createPairingCode, deviceState, pairDevice, requireDevice } from '../../../app/devices.ts';
import { createClient, listDevices, revokeClient } from '../../../app/clients.ts';
import { API_KEY_SECURITY, callerOf, clientOf, USER_SECURITY } from '../../plugins/auth.ts';
import { ErrorBody, Nullable } from '../../schemas.ts';

const Window = Type.Object({ centerCode: Type.String(), centerName: Type.String(), number: Type.String(), name: Nullable(Type.String()) });

const DeviceOut = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  kind: Type.String(),
  channel: Nullable(Type.String()),
  window: Nullable(Type.Object({ centerCode: Type.String(), number: Type.String() })),
  keyPrefix: Nullable(Type.String()),
  active: Type.Boolean(),
  createdAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
});

export default async function deviceRoutes(app: AppInstance) {
  const services = () => app.deps.services;
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  app.get(
    '/devices',
    {
      config: { access: { action: 'devices.manage' } },
      schema: {
        tags: ['clients'],
        security: USER_SECURITY,
        summary: 'Evaluation devices at windows in your scope (admins: all; supervisors: their region)',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                ...DeviceOut.properties,
                centerName: Type.String(),
                windowName: Nullable(Type.String()),
                pairedAt: Nullable(Type.String({ format: 'date-time' })),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => listDevices(services(), callerOf(request)),
  );

  app.post(
    '/devices',
    {
      config: { access: { action: 'devices.manage', audited: true } },
      schema: {
        tags: ['clients'],
        security: USER_SECURITY,
        summary: 'Create an evaluation device for a window in your scope; then ask for a pairing code',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            window: Type.Object({ centerCode: Type.String({ maxLength: 32 }), number: Type.String({ maxLength: 16 }) }, { additionalProperties: false }),
          },
          { additionalProperties: false },
        ),
        response: { 201: DeviceOut, ...errors },
      },
    },
    async (request, reply) => {
      // The device gets its key by pairing; the key made here is never shown.
      const { client } = await createClient(services(), callerOf(request), { ...request.body, kind: 'device' }, { asDeviceManager: true });
      return reply.status(201).send(client);
    },
  );

  app.post(
    '/devices/:id/revoke',
    {
      config: { access: { action: 'devices.manage', audited: true } },
      schema: {
        tags: ['clients'],
        security: USER_SECURITY,
        summary: 'Revoke an evaluation device: its key and its live stream end at once',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        response: { 200: DeviceOut, ...errors },
      },
    },
    async (request) => {
      const revoked = await revokeClient(services(), callerOf(request), request.params.id, { asDeviceManager: true });
      app.deviceHub.revoke(revoked.id);
      return revoked;
    },
  );

  app.post(
    '/clients/:id/pairing-code',
    {
      config: { access: { action: 'devices.manage', audited: true } },
      schema: {
        tags: ['clients'],
        security: USER_SECURITY,
        summary: 'A pairing code for an evaluation device (6 digits, valid 10 minutes, once): typed on the device, it gives the device its key',
        params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }),
        response: {
          201: Type.Object({ code: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }),
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
        },
      },
    },
    async (request, reply) => reply.status(201).send(await createPairingCode(services(), callerOf(request), request.params.id)),
  );

  app.post(
    '/devices/pair',
    {
      // Guessing codes: at most 10 tries a minute from one address (a code lives 10 minutes among a million).
      config: {
        access: { public: true, why: 'the device has no credential yet: the pairing code is it', audited: true },
        rateLimit: { max: 10, timeWindow: 60_000 },
      },
      schema: {
        tags: ['clients'],
        summary: 'Pair an evaluation device: the code from the console gives it its key (shown this once)',
        body: Type.Object({ code: Type.String({ maxLength: 20 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ key: Type.String(), device: Type.Object({ id: Type.Integer(), name: Type.String(), window: Window }) }),
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => pairDevice(services(), callerOf(request), request.body.code),
  );

  app.get(
    '/device',
    {
      config: { access: { action: 'device.read' } },
      schema: {
        tags: ['clients'],
        security: API_KEY_SECURITY,
        summary: 'The calling device: its window and the staff on duty there now',
        response: {
          200: Type.Object({
            device: Type.Object({ id: Type.Integer(), name: Type.String() }),
            window: Window,
            onDuty: Type.Array(Type.Object({ name: Type.String(), staffNumber: Type.String(), agencyName: Type.String() })),
          }),
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request) => deviceState(services(), clientOf(request)),
  );

  app.get(
    '/device/events',
    {
      config: { access: { action: 'device.read' } },
      schema: {
        tags: ['clients'],
        security: API_KEY_SECURITY,
        summary:
          'Server-sent events of the occasions opened at the device’s window (event "occasion", id = occasion id, with a token to rate it). ' +
          'Send Last-Event-ID to get what was opened while away; without it the first event is "ready". "revoked" ends the stream.',
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^\\d{1,10}$' })) }),
        response: { 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request, reply) => {
      const client = clientOf(request);
      const windowId = requireDevice(client);
      const lastEventId = request.headers['last-event-id'] ? Number(request.headers['last-event-id']) : null;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      raw.write('retry: 2000\n\n');
      const stream = {
        clientId: client.id,
        windowId,
        lastId: 0,
        write: (chunk: string) => {
          if (!raw.writableEnded) raw.write(chunk);
        },
        end: () => {
          if (!raw.writableEnded) raw.end();
        },
      };
      request.raw.on('close', () => app.deviceHub.close(stream));
      try {
        await app.deviceHub.open(stream, lastEventId);
      } catch (error) {
        request.log.error({ err: error }, 'a device stream could not open');
        stream.end();
      }
    },
  );
}
