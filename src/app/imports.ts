// Bulk import of the catalogue from .xlsx or CSV. The file is read as a
// stream, checked row by row and written in batches inside ONE transaction:
// a dry run (or a file with any bad row) is rolled back whole, so a commit
// applies a whole valid file or nothing. Rows are upserted by natural key, so
// importing the same file again changes nothing.
//
// Order for a fresh installation: business lines → agencies → centers →
// windows → staff → matters (each refers to the ones before it).
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { ENTITIES, keyFields, parseRecord, STATUS_ZH, type EntityKind, type EntitySpec, type FieldSpec, type ParsedRecord } from '../domain/catalogue.ts';
import * as repo from '../storage/catalogue.ts';
import type { DB } from '../storage/schema.ts';
import * as staffRepo from '../storage/staff.ts';
import { checkReferences, protectedColumns, protectedHashes, requireWrite, toColumns } from './catalogue.ts';
import type { Caller, Services } from './context.ts';
import type { Scope } from '../domain/access.ts';
import { POLICY } from '../domain/policy.ts';
import { recordAudit } from './audit.ts';
import { readSheet, type SheetFormat } from './spreadsheets.ts';
import { yieldToEventLoop } from './eventLoop.ts';
import { AppError } from '../domain/errors.ts';
import { databaseError } from '../storage/errors.ts';

export interface ImportProblem {
  /** Row number as the spreadsheet shows it (the header is row 1). */
  row: number;
  column: string;
  reason: string;
}

export interface ImportReport {
  kind: EntityKind;
  format: SheetFormat;
  mode: 'dry-run' | 'commit';
  committed: boolean;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  errorCount: number;
  /** The first MAX_REPORTED problems, in file order. */
  errors: ImportProblem[];
}

// Small batches: on PGlite each runs in this thread, and other requests wait at most one batch.
const BATCH = 100;
const MAX_REPORTED = 1000;
const IGNORED_HEADERS = new Set([STATUS_ZH.header, 'status', 'id']);

class Rollback extends Error {}

/**
 * A file the readers cannot make sense of (a broken CSV quote, random bytes,
 * a damaged .xlsx) is 422 file_unreadable, with the line where the parser can
 * tell; nothing was written (the transaction rolled back). Our own errors and
 * the database's pass through.
 */
function unreadable(error: unknown): unknown {
  if (error instanceof AppError || databaseError(error)) return error;
  const e = error as { message?: string; lines?: number; code?: string };
  const line = typeof e.lines === 'number' ? e.lines : undefined;
  const what = String(e.message ?? error)
    .split('\n')[0]!
    .slice(0, 200);
  return new AppError(
    'file_unreadable',
    'unprocessable',
    `The file cannot be read as .xlsx or CSV${line ? ` (line ${line})` : ''}: ${what}`,
    line ? [{ field: `row ${line}`, message: what }] : undefined,
  );
}

const rowsWithErrors = (report: ImportReport) => new Set(report.errors.filter((e) => e.row > 1).map((e) => e.row)).size;

/** Maps header cells to fields; unknown or missing columns are problems of row 1. */
function mapHeader(spec: EntitySpec, header: string[], problems: ImportProblem[]): Map<number, FieldSpec> {
  const columns = new Map<number, FieldSpec>();
  header.forEach((cell, i) => {
    const text = cell.trim();
    if (!text || IGNORED_HEADERS.has(text.toLowerCase()) || IGNORED_HEADERS.has(text)) return;
    const field = spec.fields.find((f) => f.zh === text || f.name.toLowerCase() === text.toLowerCase());
    if (!field) problems.push({ row: 1, column: text, reason: `is not a column of ${spec.zh}; expected ${spec.fields.map((f) => f.zh).join('、')}` });
    else if ([...columns.values()].includes(field)) problems.push({ row: 1, column: text, reason: 'appears twice' });
    else columns.set(i, field);
  });
  for (const field of spec.fields) {
    if (field.required && ![...columns.values()].includes(field)) problems.push({ row: 1, column: field.zh, reason: 'required column is missing' });
  }
  return columns;
}

export async function importSheet(services: Services, caller: Caller, kind: EntityKind, input: Readable, options: { commit: boolean }): Promise<ImportReport> {
  try {
    return await importReadable(services, caller, kind, input, options);
  } catch (error) {
    throw unreadable(error);
  }
}

async function importReadable(services: Services, caller: Caller, kind: EntityKind, input: Readable, options: { commit: boolean }): Promise<ImportReport> {
  const scope = requireWrite(caller, kind);
  const spec = ENTITIES[kind];
  const { format, rows } = await readSheet(input);
  const report: ImportReport = {
    kind,
    format,
    mode: options.commit ? 'commit' : 'dry-run',
    committed: false,
    rows: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    errorCount: 0,
    errors: [],
  };
  const problem = (p: ImportProblem) => {
    report.errorCount++;
    if (report.errors.length < MAX_REPORTED) report.errors.push(p);
  };

  try {
    await services.db.transaction().execute(async (trx) => {
      const first = await rows.next();
      if (first.done) {
        problem({ row: 1, column: '', reason: 'the file is empty: the first row must name the columns' });
        throw new Rollback();
      }
      const headerProblems: ImportProblem[] = [];
      const columns = mapHeader(spec, first.value.cells, headerProblems);
      headerProblems.forEach(problem);
      if (headerProblems.length) {
        // Without the right columns no row can be read; drain nothing more.
        throw new Rollback();
      }
      const labelOf = new Map([...columns.entries()].map(([i, f]) => [f, first.value.cells[i]!.trim()]));
      const label = (field: FieldSpec) => labelOf.get(field) ?? field.zh;

      const seenKeys = new Map<string, number>();
      const earlierCenters = kind === 'centers' ? new Map<string, ParsedRecord>() : undefined;
      let batch: { row: number; record: ParsedRecord }[] = [];
      const flush = async () => {
        if (!batch.length) return;
        const current = batch;
        batch = [];
        await writeBatch(services, trx, spec, current, label, problem, report, scope, earlierCenters);
      };

      for await (const { rowNumber, cells } of rows) {
        report.rows++;
        const input: Record<string, unknown> = {};
        for (const [i, field] of columns) input[field.name] = cells[i] ?? '';
        const numberLost = Object.entries(input).find(([, v]) => typeof v === 'string' && v.startsWith('#NUMBER:'));
        if (numberLost) {
          const field = spec.fields.find((f) => f.name === numberLost[0])!;
          problem({
            row: rowNumber,
            column: label(field),
            reason: 'was stored by Excel as a number and lost digits; format the column as text and type it again',
          });
          continue;
        }
        const { record, problems } = parseRecord(spec, input, { fieldName: label });
        if (typeof record.assignedFrom === 'string' && Date.parse(record.assignedFrom) > services.now().getTime() + POLICY.clockSkewMs) {
          problems.push({ field: label(spec.fields.find((f) => f.name === 'assignedFrom')!), message: 'is in the future' });
        }
        const key = keyFields(spec)
          .map((f) => record[f.name])
          .join('/');
        const duplicateOf = seenKeys.get(key);
        if (duplicateOf !== undefined && !problems.length) {
          problems.push({ field: label(keyFields(spec)[0]!), message: `repeats row ${duplicateOf}` });
        } else if (duplicateOf === undefined) {
          seenKeys.set(key, rowNumber);
        }
        if (problems.length) {
          for (const p of problems) problem({ row: rowNumber, column: p.field, reason: p.message });
          continue;
        }
        batch.push({ row: rowNumber, record });
        if (batch.length >= BATCH) {
          await flush();
          // Other requests get their turn between batches (on PGlite the work runs in this thread).
          await yieldToEventLoop();
        }
      }
      await flush();
      if (report.rows === 0) problem({ row: 2, column: '', reason: 'the file has a header but no rows' });
      if (!options.commit || report.errorCount) throw new Rollback();
      await recordAudit(
        trx,
        caller,
        {
          action: 'catalogue.import',
          subjectType: kind,
          changes: { rows: report.rows, inserted: report.inserted, updated: report.updated, format: report.format },
        },
        services.now(),
      );
      report.committed = true;
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  // PGlite has no autovacuum to notice a bulk change: fresh statistics keep later plans good.
  if (report.committed && report.inserted + report.updated > 1000) await repo.analyzeTable(services.db, kind);
  // Rows with several problems count once among the rows, not among the unchanged.
  report.unchanged = Math.max(0, report.rows - report.inserted - report.updated - rowsWithErrors(report));
  return report;
}

async function writeBatch(
  services: Services,
  trx: Kysely<DB>,
  spec: EntitySpec,
  batch: { row: number; record: ParsedRecord }[],
  label: (field: FieldSpec) => string,
  problem: (p: ImportProblem) => void,
  report: ImportReport,
  scope: Scope,
  earlierCenters?: Map<string, ParsedRecord>,
): Promise<void> {
  const records = batch.map((b) => b.record);
  // R2: rows already stored outside the caller's scope are not theirs to change.
  const keyOf = (r: ParsedRecord) =>
    keyFields(spec)
      .map((f) => String(r[f.name]))
      .join('/');
  const keyRow = (r: ParsedRecord) => Object.fromEntries(keyFields(spec).map((f) => [repo.snake(f.name), r[f.name]]));
  const keyLabel = label(keyFields(spec)[0]!);
  if (scope.kind !== 'all') {
    const before = await repo.keysInScope(trx, spec.kind, records.map(keyRow), scope);
    const outside = new Set(batch.filter((b) => before.existing.has(keyOf(b.record)) && !before.held.has(keyOf(b.record))).map((b) => b.row));
    for (const row of outside) problem({ row, column: keyLabel, reason: 'names a record outside your scope' });
    batch = batch.filter((b) => !outside.has(b.row));
    records.splice(0, records.length, ...batch.map((b) => b.record));
  }
  if (earlierCenters) for (const r of records) earlierCenters.set(String(r.code), r);
  const refs = await checkReferences(trx, spec, records, label, earlierCenters);
  const good: { record: ParsedRecord; windowId: number | null }[] = [];
  batch.forEach((b, i) => {
    const problems = refs.problems.get(i);
    if (problems?.length) for (const p of problems) problem({ row: b.row, column: p.field, reason: p.message });
    else good.push({ record: b.record, windowId: refs.windowIds.get(i) ?? null });
  });
  if (!good.length) return;
  if (spec.kind !== 'staff') {
    // Sub-centers go after the centers they belong to within a batch.
    const ordered = spec.kind === 'centers' ? [...good].sort((a, b) => Number(a.record.parentCode != null) - Number(b.record.parentCode != null)) : good;
    const { inserted, updated } = await repo.upsertRows(
      trx,
      spec.kind,
      ordered.map((g) => toColumns(spec, g.record)),
    );
    report.inserted += inserted;
    report.updated += updated;
  } else {
    await writeStaffBatch(services, trx, good, report);
  }
  if (scope.kind !== 'all') {
    // …and what is written must lie inside it (the whole file is refused otherwise).
    const after = await repo.keysInScope(
      trx,
      spec.kind,
      good.map((g) => keyRow(g.record)),
      scope,
    );
    for (const b of batch) {
      if (good.some((g) => g.record === b.record) && !after.held.has(keyOf(b.record)))
        problem({ row: b.row, column: keyLabel, reason: 'would lie outside your scope' });
    }
  }
}

/**
 * Staff: a new number is inserted with its first assignment; a known one
 * whose agency, center or window differs is transferred as of now (R3,
 * history kept); other changes update the row. ID number and phone are
 * compared by keyed hash, and an empty cell keeps what is stored.
 */
async function writeStaffBatch(services: Services, trx: Kysely<DB>, good: { record: ParsedRecord; windowId: number | null }[], report: ImportReport) {
  const at = services.now();
  const existing = await staffRepo.staffByNumbers(
    trx,
    good.map((g) => String(g.record.staffNumber)),
  );
  const fresh = good.filter((g) => !existing.has(String(g.record.staffNumber)));
  report.inserted += await staffRepo.insertStaffWithAssignments(
    trx,
    fresh.map((g) => ({
      staff_number: String(g.record.staffNumber),
      name: String(g.record.name),
      agency_code: String(g.record.agencyCode),
      center_code: (g.record.centerCode as string | null) ?? null,
      window_id: g.windowId,
      id_number_cipher: null,
      id_number_hash: null,
      phone_cipher: null,
      phone_hash: null,
      ...protectedColumns(services.protector, g.record),
      assigned_from: typeof g.record.assignedFrom === 'string' ? new Date(g.record.assignedFrom) : null,
    })),
    at,
    'import',
  );
  for (const g of good) {
    const current = existing.get(String(g.record.staffNumber));
    if (!current) continue;
    const to = { agency_code: String(g.record.agencyCode), center_code: (g.record.centerCode as string | null) ?? null, window_id: g.windowId };
    const moved = !staffRepo.samePlace(to, current);
    const changes: Record<string, unknown> = {};
    if (g.record.name !== current.name) changes.name = g.record.name;
    // Encrypt only what differs from what is stored (compared by keyed hash).
    const hashes = protectedHashes(services.protector, g.record);
    const differs = [
      ...(hashes.id_number_hash && hashes.id_number_hash !== current.id_number_hash ? (['idNumber'] as const) : []),
      ...(hashes.phone_hash && hashes.phone_hash !== current.phone_hash ? (['phone'] as const) : []),
    ];
    if (differs.length) Object.assign(changes, protectedColumns(services.protector, g.record, differs));
    if (moved) await staffRepo.moveStaff(trx, current.id, to, at, 'import');
    if (Object.keys(changes).length) await staffRepo.updateStaff(trx, current.id, changes, at);
    if (moved || Object.keys(changes).length) report.updated++;
  }
}
