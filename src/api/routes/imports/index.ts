// POST /api/v1/imports/{kind}?commit=false|true with the file as the body
// (.xlsx or CSV; the content is sniffed, so application/octet-stream works).
// A dry run reports every bad row and changes nothing; a commit applies the
// whole file in one transaction, or — if any row is bad — nothing (422).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Type } from 'typebox';
import type { AppInstance } from '../../server.ts';
import { ENTITY_KINDS, type EntityKind } from '../../../domain/catalogue.ts';
import { AppError } from '../../../domain/errors.ts';
import { importSheet } from '../../../app/imports.ts';
import { errorBody } from '../../plugins/errors.ts';
import { ErrorBody } from '../../schemas.ts';
import { callerOf } from '../../plugins/auth.ts';

export const MAX_IMPORT_BYTES = 100 * 1024 * 1024;
const FILE_TYPES = [
  'text/csv',
  'application/csv',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/octet-stream',
];

const Report = Type.Object({
  kind: Type.String(),
  format: Type.Union([Type.Literal('xlsx'), Type.Literal('csv')]),
  mode: Type.Union([Type.Literal('dry-run'), Type.Literal('commit')]),
  committed: Type.Boolean(),
  rows: Type.Integer(),
  inserted: Type.Integer({ description: 'New rows (in a dry run: would be new)' }),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  errorCount: Type.Integer(),
  errors: Type.Array(Type.Object({ row: Type.Integer(), column: Type.String(), reason: Type.String() }), { description: 'At most 1,000, in file order' }),
});

/** Counts bytes as they pass and stops a body over the limit. */
function limitBytes(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(new AppError('file_too_large', 'invalid', `The file is larger than ${max / 1024 / 1024} MB`));
      else done(null, chunk);
    },
  });
}

export default async function importRoutes(app: AppInstance) {
  // Pass the body through as a stream: the file is read as it arrives.
  app.addContentTypeParser(FILE_TYPES, (_request, payload, done) => done(null, payload));

  app.post(
    '/imports/:kind',
    {
      bodyLimit: MAX_IMPORT_BYTES,
      config: { access: { action: 'catalogue.write', audited: true } },
      schema: {
        tags: ['imports'],
        summary: 'Import a spreadsheet of a catalogue kind (dry run by default)',
        description:
          'Body: the .xlsx or CSV file itself. The first row names the columns (Chinese headers as in the exports, or the API field names). ' +
          'Import order: business-lines, agencies, centers, windows, staff, matters.',
        params: Type.Object({ kind: Type.Union(ENTITY_KINDS.map((k) => Type.Literal(k))) }),
        querystring: Type.Object({ commit: Type.Boolean({ default: false }) }, { additionalProperties: false }),
        response: { 200: Report, 400: ErrorBody, 415: ErrorBody, 422: Type.Object({ error: ErrorBody.properties.error, report: Type.Optional(Report) }) },
      },
    },
    async (request, reply) => {
      const body = request.body as NodeJS.ReadableStream | undefined;
      if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function') {
        return reply.status(415).send(errorBody('unsupported_media_type', `Send the file as the body with one of: ${FILE_TYPES.join(', ')}`));
      }
      // The upload is spooled to a temporary file first, so that the import's
      // transaction (on PGlite: the one database lock) lasts as long as the
      // work, not as long as a slow client takes to send the file, and so
      // that an .xlsx is read through its zip directory (app/spreadsheets.ts).
      const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hcp-import-'));
      const file = path.join(dir, 'upload');
      let report;
      try {
        await pipeline(body, limitBytes(MAX_IMPORT_BYTES), fs.createWriteStream(file));
        report = await importSheet(app.deps.services, callerOf(request), request.params.kind as EntityKind, file, {
          commit: request.query.commit,
          onApplying: (importId, rows) => request.log.info({ importId, rows }, `import ${importId}: ${rows} rows checked; applying`),
        });
      } finally {
        await fs.promises.rm(dir, { recursive: true, force: true });
      }
      if (request.query.commit && !report.committed) {
        return reply.status(422).send({
          ...errorBody('import_has_errors', `${report.errorCount} problem(s) in the file; nothing was imported`),
          report,
        });
      }
      return report;
    },
  );
}
