// R2: what a scope holds, as SQL. Repository reads of the catalogue take the
// caller's scope and add this predicate, so that a list, a count, an export
// or a lookup never sees a row outside it (a forgotten guard cannot leak).
// Writes check the same predicate before and after the change.
import { sql, type RawBuilder } from 'kysely';
import type { Scope } from '../domain/access.ts';
import type { EntityKind } from '../domain/catalogue.ts';
import { escapeLike } from './regions.ts';

const inSubtree = (column: RawBuilder<unknown>, path: string) =>
  sql`${column} in (select code from region where path = ${path} or path like ${escapeLike(path) + '.%'})`;

const agenciesIn = (path: string) => sql`(select code from agency where ${inSubtree(sql.ref('region_code'), path)})`;
const agenciesOfLine = (line: string, path: string | null) =>
  sql`(select code from agency where business_line_code = ${line}${path ? sql` and ${inSubtree(sql.ref('region_code'), path)}` : sql``})`;

/**
 * The predicate "this row of `kind` lies within the scope", over the kind's
 * own table name (agency, service_center…); null when the scope holds all.
 * Business lines are reference data every scope may read (a line spans all
 * levels); people scoped to a line, an agency or themself see their own.
 */
export function scopePredicate(kind: EntityKind, scope: Scope): RawBuilder<boolean> | null {
  const t = (column: string) => sql.ref(`${TABLE[kind]}.${column}`);
  switch (scope.kind) {
    case 'all':
      return null;
    case 'region': {
      const p = scope.path;
      switch (kind) {
        case 'business-lines':
          return null;
        case 'agencies':
        case 'centers':
          return inSubtree(t('region_code'), p) as RawBuilder<boolean>;
        case 'windows':
          return sql<boolean>`${t('center_code')} in (select code from service_center where ${inSubtree(sql.ref('region_code'), p)})`;
        case 'staff':
        case 'matters':
          return sql<boolean>`${t('agency_code')} in ${agenciesIn(p)}`;
      }
      break;
    }
    case 'line': {
      const agencies = agenciesOfLine(scope.lineCode, scope.path);
      switch (kind) {
        case 'business-lines':
          return sql<boolean>`${t('code')} = ${scope.lineCode}`;
        case 'agencies':
          return sql<boolean>`${t('code')} in ${agencies}`;
        case 'centers':
          return sql<boolean>`${t('code')} in (select center_code from service_window where agency_code in ${agencies})`;
        case 'windows':
        case 'staff':
        case 'matters':
          return sql<boolean>`${t('agency_code')} in ${agencies}`;
      }
      break;
    }
    case 'agency': {
      const a = scope.agencyCode;
      switch (kind) {
        case 'business-lines':
          return sql<boolean>`${t('code')} = (select business_line_code from agency where code = ${a})`;
        case 'agencies':
          return sql<boolean>`${t('code')} = ${a}`;
        case 'centers':
          return sql<boolean>`${t('code')} in (select center_code from service_window where agency_code = ${a})`;
        case 'windows':
        case 'staff':
        case 'matters':
          return sql<boolean>`${t('agency_code')} = ${a}`;
      }
      break;
    }
    case 'staff': {
      const me = sql`(select agency_code from staff where id = ${scope.staffId})`;
      switch (kind) {
        case 'business-lines':
          return sql<boolean>`${t('code')} = (select business_line_code from agency where code = ${me})`;
        case 'agencies':
          return sql<boolean>`${t('code')} = ${me}`;
        case 'centers':
          return sql<boolean>`${t('code')} = (select center_code from staff where id = ${scope.staffId})`;
        case 'windows':
          return sql<boolean>`${t('id')} = (select window_id from staff where id = ${scope.staffId})`;
        case 'staff':
          return sql<boolean>`${t('id')} = ${scope.staffId}`;
        case 'matters':
          return sql<boolean>`${t('agency_code')} = ${me}`;
      }
    }
  }
  return null;
}

const TABLE: Record<EntityKind, string> = {
  'business-lines': 'business_line',
  agencies: 'agency',
  centers: 'service_center',
  windows: 'service_window',
  staff: 'staff',
  matters: 'matter',
};
