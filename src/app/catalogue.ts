// Use cases of the catalogue (R1-R3): create, read, update, retire and
// reinstate each kind; transfer staff with dated history. Nothing is ever
// deleted (a rating may point to it).
import type { Kysely, Transaction } from 'kysely';
import { ENTITIES, keyFields, parseRecord, type EntityKind, type EntitySpec, type FieldSpec, type ParsedRecord } from '../domain/catalogue.ts';
import { AppError, conflict, notFound, type FieldProblem, invalidFields } from '../domain/errors.ts';
import { maskIdNumber, maskPhone } from '../domain/identifiers.ts';
import * as repo from '../storage/catalogue.ts';
import type { DB } from '../storage/schema.ts';
import * as staffRepo from '../storage/staff.ts';
import * as stagedImports from '../storage/imports.ts';
import type { Protector } from '../storage/protect.ts';
import type { Caller, Services } from './context.ts';
import { notFoundInScope, outOfScope, readScope, requireAccess, ROOT_PATH, type Scope } from '../domain/access.ts';
import { POLICY } from '../domain/policy.ts';
import { changedFields, recordAudit } from './audit.ts';

type Row = Record<string, any>;

const bodyPointer = (field: FieldSpec) => `/body/${field.name}`;

// ——— references ———

/**
 * Checks what records point to: regions exist; referenced entities exist and
 * are active; a staff member's window exists in their center; a sub-center's
 * parent is a center of the same region; device serials are not taken.
 * `earlier` holds centers met earlier in the same import.
 * Returns the problems per record index and, for staff, the window ids.
 */
export async function checkReferences(
  db: Kysely<DB>,
  spec: EntitySpec,
  records: ParsedRecord[],
  fieldName: (field: FieldSpec) => string,
  earlier?: Map<string, ParsedRecord>,
): Promise<{ problems: Map<number, FieldProblem[]>; windowIds: Map<number, number | null> }> {
  const problems = new Map<number, FieldProblem[]>();
  const add = (i: number, field: FieldSpec, message: string) => {
    const list = problems.get(i) ?? [];
    list.push({ field: fieldName(field), message });
    problems.set(i, list);
  };
  const fieldOf = (name: string) => spec.fields.find((f) => f.name === name)!;
  const distinct = (values: unknown[]) => [...new Set(values.filter((v): v is string => typeof v === 'string'))];

  for (const field of spec.fields) {
    if (field.type.kind === 'region') {
      const known = await repo.regionsExist(db, distinct(records.map((r) => r[field.name])));
      records.forEach((r, i) => {
        const code = r[field.name];
        if (typeof code === 'string' && !known.has(code)) add(i, field, `no region has the code ${code}`);
      });
    }
    if (field.type.kind === 'ref') {
      const target = ENTITIES[field.type.entity];
      const found = await repo.statusByCode(db, target.kind, distinct(records.map((r) => r[field.name])));
      records.forEach((r, i) => {
        const code = r[field.name];
        if (typeof code !== 'string') return;
        const hit = found.get(code);
        const inFile = earlier?.get(code);
        if (!hit && !inFile) add(i, field, `no ${target.singular.replace('_', ' ')} has the code ${code}`);
        else if (hit && hit.status !== 'active') add(i, field, `${target.singular.replace('_', ' ')} ${code} is retired`);
        else if (spec.kind === 'centers' && field.name === 'parentCode') {
          const parent = inFile ?? presentRow('centers', hit!.row);
          if (code === r.code) add(i, field, 'a center cannot be its own parent');
          else if (parent.parentCode) add(i, field, `${code} is itself a sub-center; a sub-center belongs to a center`);
          else if (parent.regionCode !== r.regionCode) add(i, field, `center ${code} is in region ${parent.regionCode}, not ${r.regionCode}`);
        }
      });
    }
  }

  const windowIds = new Map<number, number | null>();
  if (spec.kind === 'staff') {
    const pairs = records.map((r) => (r.windowNumber && r.centerCode ? ([r.centerCode, r.windowNumber] as [string, string]) : null));
    const found = await repo.windowsByCenterAndNumber(
      db,
      pairs.filter((p): p is [string, string] => p !== null),
    );
    pairs.forEach((pair, i) => {
      if (!pair) return windowIds.set(i, null);
      const hit = found.get(`${pair[0]}/${pair[1]}`);
      if (!hit) add(i, fieldOf('windowNumber'), `center ${pair[0]} has no window ${pair[1]}`);
      else if (hit.status !== 'active') add(i, fieldOf('windowNumber'), `window ${pair[1]} of center ${pair[0]} is retired`);
      else windowIds.set(i, hit.id);
    });
  }
  if (spec.kind === 'windows') {
    const serials = distinct(records.map((r) => r.deviceSerial));
    if (serials.length) {
      const owner = await repo.windowsByDeviceSerial(db, serials);
      records.forEach((r, i) => {
        const holder = typeof r.deviceSerial === 'string' ? owner.get(r.deviceSerial) : undefined;
        if (holder && holder !== `${r.centerCode}/${r.number}`) add(i, fieldOf('deviceSerial'), `device ${r.deviceSerial} is at window ${holder}`);
      });
    }
  }
  return { problems, windowIds };
}

// ——— imports under way ———

export function importInProgress(running: { kind: string } | undefined): AppError {
  const error = new AppError(
    'import_in_progress',
    'conflict',
    `An import${running ? ` of ${running.kind}` : ''} is being applied; the catalogue cannot change until it ends. Try again in a moment.`,
  );
  error.retryAfterSeconds = 10;
  return error;
}

/**
 * Called first in every transaction that changes the catalogue (R1-R3):
 * refused with 409 import_in_progress while an import commits.
 */
export async function guardCatalogueWrite(trx: Transaction<DB>): Promise<void> {
  const running = await stagedImports.holdCatalogueShared(trx);
  if (running) throw importInProgress(running);
}

// ——— rows ↔ API ———

/** Database columns of a parsed record (staff's protected fields and window are handled apart). */
export function toColumns(spec: EntitySpec, record: ParsedRecord): Row {
  const row: Row = {};
  for (const field of spec.fields) {
    if (!(field.name in record) || field.protected || field.derived || (spec.kind === 'staff' && field.name === 'windowNumber')) continue;
    row[repo.snake(field.name)] = record[field.name];
  }
  return row;
}

const PROTECTED = [
  ['idNumber', 'id_number'],
  ['phone', 'phone'],
] as const;

/** Keyed hashes of the protected fields given (cheap: compare before encrypting). */
export function protectedHashes(protector: Protector, record: ParsedRecord): { id_number_hash?: string; phone_hash?: string } {
  const out: Record<string, string> = {};
  for (const [field, column] of PROTECTED) {
    const value = record[field];
    if (typeof value === 'string') out[`${column}_hash`] = protector.hash(value);
  }
  return out;
}

/** Ciphertext and hash of each protected field given. */
export function protectedColumns(protector: Protector, record: ParsedRecord, only?: readonly ('idNumber' | 'phone')[]): Row {
  const row: Row = {};
  for (const [field, column] of PROTECTED) {
    const value = record[field];
    if (typeof value === 'string' && (!only || only.includes(field))) {
      row[`${column}_cipher`] = protector.encrypt(value);
      row[`${column}_hash`] = protector.hash(value);
    }
  }
  return row;
}

const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : value);

/** The API's view of a row. Protected fields only ever leave masked. */
export function presentRow(kind: EntityKind, row: Row, protector?: Protector): Row {
  const out: Row = kind === 'windows' ? { id: row.id } : {};
  for (const field of ENTITIES[kind].fields) {
    if (field.protected) continue;
    const value = kind === 'staff' && field.name === 'windowNumber' ? row.window_number : row[repo.snake(field.name)];
    out[field.name] = value instanceof Date ? value.toISOString() : (value ?? null);
  }
  if (kind === 'staff') {
    out.idNumberMasked = row.id_number_cipher && protector ? maskIdNumber(protector.decrypt(row.id_number_cipher)) : null;
    out.phoneMasked = row.phone_cipher && protector ? maskPhone(protector.decrypt(row.phone_cipher)) : null;
  }
  out.status = row.status;
  out.createdAt = iso(row.created_at);
  out.updatedAt = iso(row.updated_at);
  out.retiredAt = row.retired_at ? iso(row.retired_at) : null;
  return out;
}

// ——— use cases ———

export type EntityKey = Record<string, string>;

/** The natural key from URL parameters, in column names. */
function keyColumns(kind: EntityKind, key: EntityKey): Row {
  const out: Row = {};
  for (const field of keyFields(ENTITIES[kind])) out[repo.snake(field.name)] = key[field.name];
  return out;
}

const keyText = (key: EntityKey) => Object.values(key).join('/');

/**
 * The row of a key within the scope. To a scoped caller, a row outside the
 * scope and a row that does not exist look the same (404 not_found_in_scope).
 */
async function requireRow(db: Kysely<DB>, kind: EntityKind, key: EntityKey, scope: Scope): Promise<Row> {
  const row = await repo.findRow(db, kind, keyColumns(kind, key), scope);
  if (row) return row;
  if (scope.kind !== 'all') throw notFoundInScope(ENTITIES[kind].singular.replace('_', ' '));
  throw notFound(`${ENTITIES[kind].singular}_not_found`, `No ${ENTITIES[kind].zh} has the key ${keyText(key)}`);
}

/**
 * May the caller change this kind at all? Business lines span every level,
 * so only a scope holding the whole autonomous region changes them (R2).
 */
export function requireWrite(caller: Caller, kind: EntityKind): Scope {
  requireAccess(caller.actor, 'catalogue.write', kind === 'business-lines' ? { regionPath: ROOT_PATH } : undefined, {
    outside: 'forbidden',
    what: 'A business line (it spans every level)',
  });
  return readScope(caller.actor);
}

/** After a write, still inside the caller's scope — or the whole change is refused (403 out_of_scope). */
async function requireStillInScope(trx: Kysely<DB>, kind: EntityKind, key: EntityKey, scope: Scope): Promise<Row> {
  const row = await repo.findRow(trx, kind, keyColumns(kind, key), scope);
  if (!row)
    throw outOfScope(keyText(key), `The change would put ${ENTITIES[kind].singular.replace('_', ' ')} ${keyText(key)} outside your scope; nothing was changed`);
  return row;
}

/** What the audit log keeps of a record: no personal data (masked fields are left out too). */
const auditView = (view: Row): Row => {
  const { idNumberMasked: _id, phoneMasked: _phone, createdAt: _c, updatedAt: _u, ...rest } = view;
  return rest;
};
const protectedChanges = (record: ParsedRecord) =>
  Object.fromEntries(PROTECTED.filter(([field]) => typeof record[field] === 'string').map(([field]) => [field, 'changed']));

export async function getEntity(services: Services, caller: Caller, kind: EntityKind, key: EntityKey) {
  requireAccess(caller.actor, 'catalogue.read');
  return presentRow(kind, await requireRow(services.db, kind, key, readScope(caller.actor)), services.protector);
}

export async function listEntities(
  services: Services,
  caller: Caller,
  kind: EntityKind,
  filter: repo.CatalogueFilter,
  page: { page: number; pageSize: number },
) {
  requireAccess(caller.actor, 'catalogue.read');
  const scope = readScope(caller.actor);
  const { items, total } = await repo.listRows(services.db, kind, filter, { offset: (page.page - 1) * page.pageSize, limit: page.pageSize }, scope);
  const shown = items.map((r) => presentRow(kind, r, services.protector));
  // People read names, not codes: the names of what each row names by code, looked up once for the page.
  const names = await repo.namesOf(services.db, shown);
  return {
    items: shown.map((r) => ({
      ...r,
      names: Object.fromEntries(REFERENCE_FIELDS.flatMap((f) => (names[f].has(r[f] as string) ? [[f, names[f].get(r[f] as string)!]] : []))),
    })),
    total,
    page: page.page,
    pageSize: page.pageSize,
  };
}

const REFERENCE_FIELDS = ['regionCode', 'businessLineCode', 'agencyCode', 'centerCode', 'parentCode'] as const;

const rejectProblems = invalidFields;

/** R3: a staff member's current period begins at assignedFrom (default now), never in the future. */
function assignedFrom(record: ParsedRecord, now: Date, field: string): Date {
  const at = typeof record.assignedFrom === 'string' ? new Date(record.assignedFrom) : now;
  if (at.getTime() > now.getTime() + POLICY.clockSkewMs) rejectProblems([{ field, message: 'is in the future' }], 'assignment_in_future');
  return at.getTime() > now.getTime() ? now : at;
}

export async function createEntity(services: Services, caller: Caller, kind: EntityKind, body: Record<string, unknown>) {
  const scope = requireWrite(caller, kind);
  const spec = ENTITIES[kind];
  const { record, problems } = parseRecord(spec, body, { fieldName: bodyPointer });
  rejectProblems(problems);
  return services.db.transaction().execute(async (trx) => {
    await guardCatalogueWrite(trx);
    const refs = await checkReferences(trx, spec, [record], bodyPointer);
    rejectProblems(refs.problems.get(0), 'invalid_reference');
    const key: EntityKey = Object.fromEntries(keyFields(spec).map((f) => [f.name, String(record[f.name])]));
    if (await repo.findRow(trx, kind, keyColumns(kind, key))) {
      throw conflict(`${spec.singular}_already_exists`, `${spec.zh} ${keyText(key)} already exists; update it instead`);
    }
    const at = services.now();
    const values = { ...toColumns(spec, record), created_at: at, updated_at: at };
    if (kind === 'staff') Object.assign(values, protectedColumns(services.protector, record), { window_id: refs.windowIds.get(0) ?? null });
    const inserted = await repo.insertRow(trx, kind, values);
    if (kind === 'staff') {
      const from = assignedFrom(record, at, '/body/assignedFrom');
      await staffRepo.openFirstAssignments(trx, [{ staff_id: inserted.id, place: placeOf(inserted) }], from, 'created');
    }
    const view = presentRow(kind, await requireStillInScope(trx, kind, key, scope), services.protector);
    await recordAudit(
      trx,
      caller,
      { action: 'catalogue.create', subjectType: kind, subjectId: keyText(key), changes: { ...auditView(view), ...protectedChanges(record) } },
      at,
    );
    return view;
  });
}

const placeOf = (row: Row): staffRepo.Place => ({ agency_code: row.agency_code, center_code: row.center_code ?? null, window_id: row.window_id ?? null });

export async function updateEntity(services: Services, caller: Caller, kind: EntityKind, key: EntityKey, body: Record<string, unknown>) {
  const scope = requireWrite(caller, kind);
  const spec = ENTITIES[kind];
  const { record, problems } = parseRecord(spec, body, { partial: true, fieldName: bodyPointer });
  if ('assignedFrom' in record)
    problems.push({ field: '/body/assignedFrom', message: 'is set when the staff member is created; a later move is a transfer (POST …/transfer)' });
  rejectProblems(problems);
  return services.db.transaction().execute(async (trx) => {
    await guardCatalogueWrite(trx);
    const current = await requireRow(trx, kind, key, scope);
    const before = presentRow(kind, current, services.protector);
    // Check references of the record as it will be (a parent's region is checked against the new region).
    const merged = { ...presentRow(kind, current), ...record };
    const refs = await checkReferences(trx, spec, [merged], bodyPointer);
    const relevant = refs.problems.get(0)?.filter((p) => Object.keys(record).some((name) => p.field === `/body/${name}`) || kind === 'centers');
    rejectProblems(relevant, 'invalid_reference');
    const at = services.now();
    const changes = toColumns(spec, Object.fromEntries(Object.entries(record).filter(([name]) => !spec.fields.find((f) => f.name === name)?.assignment)));
    if (kind === 'staff') Object.assign(changes, protectedColumns(services.protector, record));
    if (Object.keys(changes).length) await repo.updateRow(trx, kind, keyColumns(kind, key), changes);
    if (kind === 'staff' && spec.fields.some((f) => f.assignment && f.name in record)) {
      // A change of agency, center or window is a transfer, effective now (R3).
      const to = { agency_code: String(merged.agencyCode), center_code: (merged.centerCode as string) ?? null, window_id: refs.windowIds.get(0) ?? null };
      if (!staffRepo.samePlace(to, placeOf(current))) await staffRepo.moveStaff(trx, current.id, to, at, 'transfer');
    }
    const after = presentRow(kind, await requireStillInScope(trx, kind, key, scope), services.protector);
    await recordAudit(
      trx,
      caller,
      {
        action: 'catalogue.update',
        subjectType: kind,
        subjectId: keyText(key),
        changes: { ...changedFields(auditView(before), auditView(after)), ...protectedChanges(record) },
      },
      at,
    );
    return after;
  });
}

export async function setEntityStatus(services: Services, caller: Caller, kind: EntityKind, key: EntityKey, status: 'active' | 'retired') {
  const scope = requireWrite(caller, kind);
  const spec = ENTITIES[kind];
  return services.db.transaction().execute(async (trx) => {
    await guardCatalogueWrite(trx);
    const current = await requireRow(trx, kind, key, scope);
    if (status === 'retired' && current.status === 'active') {
      const dependants = await repo.activeDependants(trx, kind, keyColumns(kind, key));
      if (dependants.length) {
        throw conflict(`${spec.singular}_in_use`, `${spec.zh} ${keyText(key)} still has ${dependants.join(', ')}; retire or move them first`);
      }
    }
    if (status === 'active' && current.status === 'retired') {
      // Reinstating needs what it points to to be active again.
      const refs = await checkReferences(trx, spec, [presentRow(kind, current)], bodyPointer);
      rejectProblems(refs.problems.get(0), 'invalid_reference');
    }
    const at = services.now();
    await repo.setStatus(trx, kind, keyColumns(kind, key), status, at);
    await recordAudit(
      trx,
      caller,
      {
        action: status === 'retired' ? 'catalogue.retire' : 'catalogue.reinstate',
        subjectType: kind,
        subjectId: keyText(key),
        changes: { status: [current.status, status] },
      },
      at,
    );
    return presentRow(kind, (await repo.findRow(trx, kind, keyColumns(kind, key)))!, services.protector);
  });
}

export interface TransferInput {
  agencyCode: string;
  centerCode?: string | null;
  windowNumber?: string | null;
  effectiveAt?: string;
}

/**
 * R3: moves a staff member to another agency, center or window from an
 * instant on. Ratings of services before that instant keep counting for
 * where the staff member was then.
 */
export async function transferStaff(services: Services, caller: Caller, staffNumber: string, input: TransferInput) {
  const scope = requireWrite(caller, 'staff');
  const spec = ENTITIES.staff;
  const now = services.now();
  const at = input.effectiveAt ? new Date(input.effectiveAt) : now;
  if (Number.isNaN(at.getTime())) rejectProblems([{ field: '/body/effectiveAt', message: 'is not an ISO 8601 instant' }]);
  if (at.getTime() > now.getTime())
    rejectProblems([{ field: '/body/effectiveAt', message: 'is in the future; transfer on the day it happens' }], 'transfer_in_future');
  const { record, problems } = parseRecord(spec, { staffNumber, name: '-', ...input }, { fieldName: bodyPointer });
  rejectProblems(problems);
  return services.db.transaction().execute(async (trx) => {
    await guardCatalogueWrite(trx);
    await requireRow(trx, 'staff', { staffNumber }, scope);
    const staff = (await staffRepo.lockStaff(trx, staffNumber))!;
    if (staff.status !== 'active') throw conflict('staff_retired', `Staff member ${staffNumber} is retired; reinstate first`);
    const refs = await checkReferences(trx, spec, [record], bodyPointer);
    rejectProblems(refs.problems.get(0), 'invalid_reference');
    const to = { agency_code: String(record.agencyCode), center_code: (record.centerCode as string | null) ?? null, window_id: refs.windowIds.get(0) ?? null };
    if (staffRepo.samePlace(to, placeOf(staff))) throw conflict('transfer_changes_nothing', 'The staff member is already there');
    const current = await staffRepo.currentAssignment(trx, staff.id);
    if (current && at.getTime() <= current.valid_from.getTime()) {
      throw conflict(
        'transfer_before_current_assignment',
        `The current assignment began at ${current.valid_from.toISOString()}; a transfer must come after it`,
      );
    }
    await staffRepo.moveStaff(trx, staff.id, to, at, 'transfer');
    await requireStillInScope(trx, 'staff', { staffNumber }, scope);
    await recordAudit(
      trx,
      caller,
      {
        action: 'staff.transfer',
        subjectType: 'staff',
        subjectId: staffNumber,
        changes: {
          place: [
            { agencyCode: staff.agency_code, centerCode: staff.center_code },
            { agencyCode: to.agency_code, centerCode: to.center_code, windowNumber: record.windowNumber ?? null },
          ],
          effectiveAt: at.toISOString(),
        },
      },
      now,
    );
    return staffHistory(trx, staffNumber);
  });
}

/** R3: where a staff member sat, and when — for callers whose scope holds the staff member. */
export async function getStaffHistory(services: Services, caller: Caller, staffNumber: string) {
  requireAccess(caller.actor, 'catalogue.read');
  await requireRow(services.db, 'staff', { staffNumber }, readScope(caller.actor));
  return staffHistory(services.db, staffNumber);
}

async function staffHistory(db: Kysely<DB>, staffNumber: string) {
  const staff = await staffRepo.findStaffByNumber(db, staffNumber);
  if (!staff) throw notFound('staff_not_found', `No staff member has the number ${staffNumber}`);
  const periods = await staffRepo.assignmentsOf(db, staff.id);
  return {
    staffNumber: staff.staff_number,
    name: staff.name,
    assignments: periods.map((p) => ({
      agencyCode: p.agency_code,
      agencyName: p.agency_name,
      centerCode: p.center_code,
      windowNumber: p.window_number,
      validFrom: p.valid_from.toISOString(),
      validTo: p.valid_to?.toISOString() ?? null,
      reason: p.reason,
    })),
  };
}

export function refuseHardDelete(kind: EntityKind): never {
  throw new AppError(
    'hard_delete_not_allowed',
    'not_allowed',
    `${ENTITIES[kind].zh} records are never deleted: ratings may point to them. Retire it instead (POST …/retire).`,
  );
}
