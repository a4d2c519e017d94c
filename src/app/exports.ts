// Export of any catalogue list to .xlsx or CSV, streamed: rows are read in
// keyset batches and written as they come, so memory stays flat whatever the
// size. Column headers are the import headers, so an export can be edited
// and imported again. Protected fields are never exported (R9).
import type { Readable } from 'node:stream';
import { ENTITIES, STATUS_ZH, type EntityKind, type FieldSpec } from '../domain/catalogue.ts';
import * as repo from '../storage/catalogue.ts';
import { presentRow } from './catalogue.ts';
import type { Caller, Services } from './context.ts';
import { readScope, requireAccess } from '../domain/access.ts';
import { writeSheet, type SheetFormat } from './spreadsheets.ts';
import { yieldToEventLoop } from './eventLoop.ts';

// Small batches: on PGlite each one runs in this thread, and /healthz waits at most one batch.
const BATCH = 100;

function cell(field: FieldSpec, value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (field.type.kind === 'boolean') return value ? '是' : '否';
  if (field.type.kind === 'enum') return field.type.values[String(value)]?.[0] ?? value;
  return value;
}

export function exportSheet(services: Services, caller: Caller, kind: EntityKind, filter: repo.CatalogueFilter, format: SheetFormat): Readable {
  requireAccess(caller.actor, 'catalogue.read');
  const scope = readScope(caller.actor);
  const spec = ENTITIES[kind];
  const fields = spec.fields.filter((f) => !f.protected);
  const header = [...fields.map((f) => f.zh), STATUS_ZH.header];
  async function* rows() {
    let after: Record<string, unknown> | null = null;
    for (;;) {
      const batch = await repo.rowsAfter(services.db, kind, filter, after, BATCH, scope);
      for (const row of batch) {
        const shown = presentRow(kind, row);
        yield [...fields.map((f) => cell(f, shown[f.name])), STATUS_ZH[shown.status as 'active' | 'retired']];
      }
      if (batch.length < BATCH) return;
      after = batch[batch.length - 1]!;
      await yieldToEventLoop();
    }
  }
  return writeSheet(format, spec.zh, header, rows());
}
