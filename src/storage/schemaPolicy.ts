// Table types of the policy versions and the working-day calendar (issue 13,
// migration 0010): keep them in step with the migration.
import type { ColumnType, Generated } from 'kysely';

export interface PolicyVersionTable {
  id: Generated<number>;
  /** A China day, read as 'YYYY-MM-DD' (src/storage/db.ts parses date columns as text). */
  effective_from: ColumnType<string, string, never>;
  numbers: ColumnType<unknown, string, never>;
  note: ColumnType<string, string, never>;
  created_by: ColumnType<number | null, number | null, never>;
  created_at: ColumnType<Date, Date, never>;
}

export interface CalendarYearTable {
  year: number;
  source: string;
  updated_at: Date;
  updated_by: number | null;
}

export interface CalendarDayTable {
  day: string;
  year: number;
  kind: 'holiday' | 'workday';
  name: string;
}

export interface PolicyTables {
  policy_version: PolicyVersionTable;
  calendar_year: CalendarYearTable;
  calendar_day: CalendarDayTable;
}
