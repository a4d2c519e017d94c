// Bulk import of the catalogue from .xlsx or CSV. The file is read as a
// stream, checked row by row and staged in batches; a commit of a file
// without a bad row is then applied in short steps, and a file with any bad
// row changes nothing (see importFile). Rows are upserted by natural
// key, so importing the same file again changes nothing.
//
// Order for a fresh installation: business lines → agencies → centers →
// windows → staff → matters (each refers to the ones before it).
import type { Kysely } from 'kysely';
import { ENTITIES, keyFields, parseRecord, STATUS_ZH, type EntityKind, type EntitySpec, type FieldSpec, type ParsedRecord } from '../domain/catalogue.ts';
import * as repo from '../storage/catalogue.ts';
import type { DB } from '../storage/schema.ts';
import * as stagedImports from '../storage/imports.ts';
import { checkReferences, importInProgress, protectedColumns, protectedHashes, requireWrite, toColumns } from './catalogue.ts';
import * as staffRepo from '../storage/staff.ts';
import type { Caller, Services } from './context.ts';
import type { Scope } from '../domain/access.ts';
import { POLICY } from '../domain/policy.ts';
import { recordAudit } from './audit.ts';
import { readSheet, type SheetFormat, type SheetRow } from './spreadsheets.ts';
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

// Staging batches: each is a few short statements (on PGlite other requests
// wait at most one of them). Apply slices: each its own short transaction.
const BATCH = 250;
const APPLY_SLICE = 500;
const MAX_REPORTED = 1000;
const IGNORED_HEADERS = new Set([STATUS_ZH.header, 'status', 'id']);

class Rollback extends Error {}

/**
 * A file the readers cannot make sense of (a broken CSV quote, random bytes,
 * a damaged .xlsx) is 422 file_unreadable, with the line where the parser can
 * tell; nothing was written (only staged rows, which are dropped). Only the
 * reader's errors are the file's: a failure anywhere else is a 500.
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

export interface ImportOptions {
  commit: boolean;
  /** Rows per apply step (tests make it small to cross step boundaries). */
  applySlice?: number;
  /** Tests of the resume: stop applying after this many steps, as a crash would (the import stays 'applying'). */
  stopAfterSlices?: number;
  /** Told when every row is checked and the apply begins (the route logs it). */
  onApplying?: (importId: number, rows: number) => void;
}

export async function importSheet(services: Services, caller: Caller, kind: EntityKind, file: string, options: ImportOptions): Promise<ImportReport> {
  return importFile(services, caller, kind, file, options);
}

/** The file's rows; what the reader fails on is the file's fault (422), anything else is ours. */
async function readRows(file: string): Promise<{ format: SheetFormat; rows: AsyncGenerator<SheetRow> }> {
  const { format, rows } = await readSheet(file).catch((error: unknown) => {
    throw unreadable(error);
  });
  return {
    format,
    rows: (async function* () {
      try {
        yield* rows;
      } catch (error) {
        throw unreadable(error);
      }
    })(),
  };
}

/**
 * An import in three steps (issue 10). (1) Stage: the file is read as a
 * stream; each batch of rows is checked (fields, references, scope) and
 * written to import_row in short statements. (2) Check the whole: rows that
 * would lie outside the caller's scope. (3) A valid commit is applied in
 * short steps (storage/imports.ts applySlice), each recording how far it
 * got; a crash in between is completed at the next start (resumeImports).
 * From its start to its end a commit shuts out other catalogue changes
 * (409 import_in_progress), so the checks hold when the rows are applied:
 * the file is applied whole, or, with any bad row, not at all.
 */
async function importFile(services: Services, caller: Caller, kind: EntityKind, file: string, options: ImportOptions): Promise<ImportReport> {
  const scope = requireWrite(caller, kind);
  const spec = ENTITIES[kind];
  const { format, rows } = await readRows(file);
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

  const at = services.now();
  const importId = await stagedImports.beginImport(services.db, { kind, commit: options.commit, caller, at, format });
  if (importId === null) throw importInProgress(await stagedImports.runningImport(services.db));
  let applying = false;
  try {
    const label = await stageFile(services, importId, spec, rows, scope, problem, report, at);
    const sliceSize = options.applySlice ?? APPLY_SLICE;
    if (report.rows && !report.errorCount && scope.kind !== 'all') {
      // R2: …and what is written must lie inside the scope (the whole file is refused otherwise).
      for await (const slice of slices(services.db, importId, sliceSize)) {
        for (const row of await stagedImports.rowsOutsideScope(services.db, kind, importId, slice.after, slice.through, scope))
          problem({ row, column: label(keyFields(spec)[0]!), reason: 'would lie outside your scope' });
        await stagedImports.touchImport(services.db, importId);
      }
    }
    if (!options.commit || report.errorCount) {
      // What a commit would do, counted without writing.
      for await (const slice of slices(services.db, importId, sliceSize)) {
        const counted = await stagedImports.countChanges(services.db, kind, importId, slice.after, slice.through);
        report.inserted += counted.inserted;
        report.updated += counted.updated;
        await stagedImports.touchImport(services.db, importId);
      }
      throw new Rollback();
    }
    if (!(await stagedImports.markApplying(services.db, importId))) throw new Error(`import ${importId} was dropped while it was checked`);
    applying = true;
    options.onApplying?.(importId, report.rows);
    const applied = await applyImport(services, importId, { sliceSize, maxSlices: options.stopAfterSlices });
    if (!applied.finished && options.stopAfterSlices !== undefined)
      throw new Error(`import ${importId} stopped after ${options.stopAfterSlices} step(s), as asked`);
    // Not finished here otherwise: another process took it over (it had looked abandoned) and completes it.
    report.inserted = applied.inserted;
    report.updated = applied.updated;
    report.committed = true;
  } catch (error) {
    if (applying) throw error; // checked and acknowledged as applying: completed at the next start
    await discard(services, importId);
    if (!(error instanceof Rollback)) throw error;
  }
  // Rows with several problems count once among the rows, not among the unchanged.
  report.unchanged = Math.max(0, report.rows - report.inserted - report.updated - rowsWithErrors(report));
  return report;
}

async function discard(services: Services, importId: number): Promise<void> {
  await stagedImports.finishImport(services.db, importId, 'discarded');
  await cleanUp(services);
}

/**
 * Staged rows of ended imports are dropped and their space reclaimed (PGlite
 * has no autovacuum). Best effort: the import's outcome is decided already,
 * and what is missed here goes at the next start.
 */
async function cleanUp(services: Services): Promise<void> {
  try {
    await stagedImports.reclaimStagedRows(services.db);
  } catch {
    // left for resumeImports at the next start
  }
}

/** The staged rows of an import in slices of `size`, in apply order, from `from`. */
async function* slices(db: Kysely<DB>, importId: number, size: number, from: stagedImports.Cursor = stagedImports.START) {
  let after = from;
  for (;;) {
    const through = await stagedImports.sliceEnd(db, importId, after, size);
    if (!through) return;
    yield { after, through };
    after = through;
    await yieldToEventLoop();
  }
}

/** A step that fails is tried again (after 0.2 s, then 1 s); the third failure marks the import failed. */
const MAX_ATTEMPTS = 3;
const RETRY_DELAYS_MS = [200, 1000];

/**
 * Applies a checked import from where it got to, one slice per transaction,
 * then writes the audit record and marks it applied. Used by a commit and by
 * resumeImports after a stop. `maxSlices` stops early (tests of the resume).
 *
 * A step should not fail: every row was checked, and the catalogue is shut
 * to other changes. If one fails anyway (a lost connection, a full disk, a
 * defect), it is tried again; the third failure marks the import failed and
 * audits it, which reopens the catalogue: the steps before stay applied and
 * the error says which rows were not. Better than a catalogue shut for ever.
 */
export async function applyImport(services: Services, importId: number, options: { sliceSize?: number; maxSlices?: number } = {}) {
  let record = (await stagedImports.findImport(services.db, importId))!;
  let done = 0;
  let failures = 0;
  for (;;) {
    try {
      const through = await stagedImports.sliceEnd(services.db, importId, record.cursor, options.sliceSize ?? APPLY_SLICE);
      if (!through) break;
      if (options.maxSlices !== undefined && done++ >= options.maxSlices) return { inserted: record.inserted, updated: record.updated, finished: false };
      const current = record;
      const applied = await services.db.transaction().execute((trx) => stagedImports.applySlice(trx, current, through));
      // Another process resuming the same import got there first: it finishes it.
      if (!applied) return { inserted: record.inserted, updated: record.updated, finished: false };
      record = { ...record, cursor: through, inserted: record.inserted + applied.inserted, updated: record.updated + applied.updated };
      failures = 0;
      await yieldToEventLoop();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (await stagedImports.recordFailedAttempt(services.db, importId, message, MAX_ATTEMPTS)) {
        await recordAudit(
          services.db,
          record.caller as Caller,
          {
            action: 'catalogue.import_failed',
            subjectType: record.kind,
            changes: { importId, rows: record.rows, inserted: record.inserted, updated: record.updated, appliedThroughRow: record.cursor.row, error: message },
          },
          services.now(),
        );
        throw new AppError(
          'import_failed',
          'internal',
          `Import ${importId} failed while it was applied (${message.slice(0, 300)}). Rows up to ${record.cursor.row} (in apply order) were applied and stay; the rest were not. ` +
            'The catalogue is open again; import the file again once the cause is fixed (rows already applied change nothing).',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[failures++] ?? 1000));
      record = (await stagedImports.findImport(services.db, importId))!;
    }
  }
  const caller = record.caller as Caller;
  const final = record;
  const finished = await services.db.transaction().execute(async (trx) => {
    if (!(await stagedImports.finishImport(trx, importId, 'applied'))) return false;
    await recordAudit(
      trx,
      caller,
      {
        action: 'catalogue.import',
        subjectType: final.kind,
        changes: { rows: final.rows, inserted: final.inserted, updated: final.updated, format: final.format },
      },
      final.at,
    );
    return true;
  });
  if (!finished) return { inserted: record.inserted, updated: record.updated, finished: false };
  await cleanUp(services);
  // PGlite has no autovacuum to notice a bulk change: fresh statistics keep later plans good.
  if (record.inserted + record.updated > 1000) await repo.analyzeTable(services.db, record.kind).catch(() => undefined);
  return { inserted: record.inserted, updated: record.updated, finished: true };
}

/**
 * At start-up: completes a commit a stop interrupted while applying (every
 * staged row had been checked, and the catalogue was shut to other changes),
 * and drops what an interrupted check or dry run staged. `idleMs`: leave
 * alone imports touched more recently (on a shared server another process
 * may be running one). Never throws: a start must not fail for an import
 * (one that keeps failing ends failed; see applyImport).
 */
export async function resumeImports(services: Services, idleMs = 0): Promise<{ completed: number; discarded: number; failed: string[] }> {
  const result = { completed: 0, discarded: 0, failed: [] as string[] };
  for (const record of await stagedImports.unfinishedImports(services.db, idleMs)) {
    try {
      if (record.state === 'applying') {
        if ((await applyImport(services, record.id)).finished) result.completed++;
      } else {
        await discard(services, record.id);
        result.discarded++;
      }
    } catch (error) {
      result.failed.push(error instanceof Error ? error.message : String(error));
    }
  }
  await cleanUp(services);
  return result;
}

/** Reads, checks and stages the rows of the file; problems go to the report. Returns how the file names each field. */
async function stageFile(
  services: Services,
  importId: number,
  spec: EntitySpec,
  rows: AsyncGenerator<SheetRow>,
  scope: Scope,
  problem: (p: ImportProblem) => void,
  report: ImportReport,
  at: Date,
): Promise<(field: FieldSpec) => string> {
  const first = await rows.next();
  if (first.done) {
    problem({ row: 1, column: '', reason: 'the file is empty: the first row must name the columns' });
    return (field) => field.zh;
  }
  const headerProblems: ImportProblem[] = [];
  const columns = mapHeader(spec, first.value.cells, headerProblems);
  headerProblems.forEach(problem);
  const labelOf = new Map([...columns.entries()].map(([i, f]) => [f, first.value.cells[i]!.trim()]));
  const label = (field: FieldSpec) => labelOf.get(field) ?? field.zh;
  // Without the right columns no row can be read; read nothing more.
  if (headerProblems.length) return label;

  const seenKeys = new Map<string, number>();
  const seenDevices = spec.kind === 'windows' ? new Map<string, number>() : undefined;
  const earlierCenters = spec.kind === 'centers' ? new Map<string, ParsedRecord>() : undefined;
  let batch: { row: number; record: ParsedRecord }[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const current = batch;
    batch = [];
    await stageBatch(services, importId, spec, current, label, problem, scope, at, earlierCenters);
    // Other requests get their turn between batches (on PGlite the database runs in this thread).
    await yieldToEventLoop();
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
    // One evaluation device sits at one window (checked against the database in stageBatch, and here within the file).
    if (seenDevices && typeof record.deviceSerial === 'string' && !problems.length) {
      const other = seenDevices.get(record.deviceSerial);
      if (other !== undefined)
        problems.push({ field: label(spec.fields.find((f) => f.name === 'deviceSerial')!), message: `repeats the device of row ${other}` });
      else seenDevices.set(record.deviceSerial, rowNumber);
    }
    if (problems.length) {
      for (const p of problems) problem({ row: rowNumber, column: p.field, reason: p.message });
      continue;
    }
    batch.push({ row: rowNumber, record });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  if (report.rows === 0) problem({ row: 2, column: '', reason: 'the file has a header but no rows' });
  return label;
}

/**
 * Checks a batch against the database (existing rows outside the scope,
 * references) and stages its good rows. Staff's protected fields are
 * encrypted here, so that the apply compares keyed hashes and copies.
 */
async function stageBatch(
  services: Services,
  importId: number,
  spec: EntitySpec,
  batch: { row: number; record: ParsedRecord }[],
  label: (field: FieldSpec) => string,
  problem: (p: ImportProblem) => void,
  scope: Scope,
  at: Date,
  earlierCenters?: Map<string, ParsedRecord>,
): Promise<void> {
  const db = services.db;
  // R2: rows already stored outside the caller's scope are not theirs to change.
  const keyOf = (r: ParsedRecord) =>
    keyFields(spec)
      .map((f) => String(r[f.name]))
      .join('/');
  const keyRow = (r: ParsedRecord) => Object.fromEntries(keyFields(spec).map((f) => [repo.snake(f.name), r[f.name]]));
  if (scope.kind !== 'all') {
    const before = await repo.keysInScope(
      db,
      spec.kind,
      batch.map((b) => keyRow(b.record)),
      scope,
    );
    const outside = new Set(batch.filter((b) => before.existing.has(keyOf(b.record)) && !before.held.has(keyOf(b.record))).map((b) => b.row));
    for (const row of outside) problem({ row, column: label(keyFields(spec)[0]!), reason: 'names a record outside your scope' });
    batch = batch.filter((b) => !outside.has(b.row));
  }
  const records = batch.map((b) => b.record);
  if (earlierCenters) for (const r of records) earlierCenters.set(String(r.code), r);
  const refs = await checkReferences(db, spec, records, label, earlierCenters);
  // Staff: what is stored, to encrypt only the ID numbers and phones that are new or differ (a commit shuts the
  // catalogue, so this still holds when the rows are applied; storage/imports.ts applyStaff compares the hashes).
  const stored =
    spec.kind === 'staff'
      ? await staffRepo.importFactsByNumber(
          db,
          records.map((r) => String(r.staffNumber)),
        )
      : undefined;
  const staged: stagedImports.StagedRow[] = [];
  batch.forEach((b, i) => {
    const problems = refs.problems.get(i);
    if (problems?.length) {
      for (const p of problems) problem({ row: b.row, column: p.field, reason: p.message });
      return;
    }
    const data: Record<string, unknown> = toColumns(spec, b.record);
    if (spec.kind === 'staff') {
      const hashes = protectedHashes(services.protector, b.record);
      const before = stored?.get(String(b.record.staffNumber));
      const to = {
        agency_code: String(b.record.agencyCode),
        center_code: (b.record.centerCode as string | null) ?? null,
        window_id: refs.windowIds.get(i) ?? null,
      };
      if (before?.since && !staffRepo.samePlace(to, before.place) && before.since.getTime() >= at.getTime()) {
        // R3: a move closes the current period at the import's instant, which must come after the period began.
        problem({
          row: b.row,
          column: label(spec.fields.find((f) => f.name === 'agencyCode')!),
          reason: `moves a staff member whose current post began at ${before.since.toISOString()}, after this import started; import the file again`,
        });
        return;
      }
      const differs = [
        ...(hashes.id_number_hash && hashes.id_number_hash !== before?.id_number_hash ? (['idNumber'] as const) : []),
        ...(hashes.phone_hash && hashes.phone_hash !== before?.phone_hash ? (['phone'] as const) : []),
      ];
      Object.assign(data, hashes, protectedColumns(services.protector, b.record, differs), { window_id: refs.windowIds.get(i) ?? null });
      // Not after the import's instant (a clock a few minutes ahead is accepted, as for a single create).
      if (typeof b.record.assignedFrom === 'string') data.assigned_from = new Date(Math.min(Date.parse(b.record.assignedFrom), at.getTime())).toISOString();
    }
    // Centers first, then the sub-centers that name them (R1).
    staged.push({ applyOrder: spec.kind === 'centers' && b.record.parentCode != null ? 1 : 0, rowNumber: b.row, data });
  });
  await stagedImports.stageRows(db, importId, staged);
}
