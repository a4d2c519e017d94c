// API keys of business systems and channel clients: `Authorization: Bearer <key>`.
import type { FastifyRequest } from 'fastify';
import { authenticateClient, requireKind, type ApiClient, type ClientKind } from '../../app/clients.ts';
import type { AppInstance } from '../server.ts';

export function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** The calling client, which must be of the given kind. */
export async function requireClient(app: AppInstance, request: FastifyRequest, kind: ClientKind): Promise<ApiClient> {
  const client = await authenticateClient(app.deps.services.db, apiKeyOf(request));
  requireKind(client, kind);
  return client;
}

export const API_KEY_SECURITY = [{ apiKey: [] }];
