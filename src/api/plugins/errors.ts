// One error handler for the whole API: every error leaves as
//   { "error": { "id": "stable_id", "message": "…", "fields"?: [...] } }
// Known errors keep their id and message; anything else is a 500 with a
// generic message — internals go to the log (with the request id), never to
// the client.
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, type ErrorKind, type FieldProblem } from '../../domain/errors.ts';
import { DatabaseUnavailableError } from '../../storage/db.ts';
import { databaseError } from '../../storage/errors.ts';

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  not_allowed: 405,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported: 415,
  unprocessable: 422,
  locked: 423,
  too_many: 429,
  unavailable: 503,
  internal: 500,
};

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

/** An error never grows with the request: at most 20 fields, each text cut to a readable length. */
export const MAX_ERROR_FIELDS = 20;
const cut = (text: string, max: number) => ([...text].length > max ? `${[...text].slice(0, max).join('')}…` : text);

export function errorBody(id: string, message: string, fields?: FieldProblem[]) {
  const kept = fields?.slice(0, MAX_ERROR_FIELDS).map((f) => ({ field: cut(f.field, 200), message: cut(f.message, 300) }));
  const more = fields && fields.length > MAX_ERROR_FIELDS ? ` (and ${fields.length - MAX_ERROR_FIELDS} more)` : '';
  const text = cut(message, 1000) + more;
  return { error: kept?.length ? { id, message: text, fields: kept } : { id, message: text } };
}

/** One problem per field (ajv may report a field several times, e.g. per anyOf branch). */
function validationFields(error: FastifyError): FieldProblem[] {
  const byField = new Map<string, FieldProblem>();
  for (const problem of (error.validation ?? []).map((v) => {
    const base = `/${error.validationContext ?? 'body'}${v.instancePath}`;
    const missing = v.keyword === 'required' ? (v.params as { missingProperty?: string }).missingProperty : undefined;
    const extra = v.keyword === 'additionalProperties' ? (v.params as { additionalProperty?: string }).additionalProperty : undefined;
    const field = (missing ?? extra) ? `${base}/${missing ?? extra}` : base;
    const allowed = v.keyword === 'enum' ? (v.params as { allowedValues?: unknown[] }).allowedValues : undefined;
    const message = extra ? 'is not a known field' : allowed ? `must be one of ${allowed.slice(0, 20).join(', ')}` : (v.message ?? 'is invalid');
    return { field, message };
  })) {
    if (!byField.has(problem.field)) byField.set(problem.field, problem);
  }
  return [...byField.values()];
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      if (error.kind === 'unauthorized') reply.header('www-authenticate', 'Bearer realm="haochaping"');
      if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.status(STATUS[error.kind]).send(errorBody(error.id, error.message, error.fields));
    }
    if (error.validation) {
      const fields = validationFields(error);
      const message = fields
        .slice(0, MAX_ERROR_FIELDS)
        .map((f) => `${f.field} ${f.message}`)
        .join('; ');
      return reply.status(400).send(errorBody('validation_failed', message, fields));
    }
    const database = databaseError(error);
    if (database) {
      request.log.info({ err: error }, 'refused by the database');
      return reply.status(database.status).send(errorBody(database.id, database.message));
    }
    if (error instanceof DatabaseUnavailableError) {
      request.log.error({ err: error }, 'database unavailable');
      return reply.status(503).send(errorBody('database_unavailable', 'The database is not reachable; try again shortly.'));
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send(errorBody('internal_error', `Something went wrong on our side (request ${request.id}).`));
    }
    // Fastify's own 4xx (bad JSON, body too large, unsupported media type…).
    const id = FASTIFY_CODES[error.code] ?? (status === 429 ? 'too_many_requests' : 'bad_request');
    return reply.status(status).send(errorBody(id, error.message));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(errorBody('route_not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
  });
}
