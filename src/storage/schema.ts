// Table types for Kysely: keep them in step with migrations/*.sql.
import type { ColumnType } from 'kysely';

export interface RegionTable {
  code: string;
  name: string;
  level: number;
  parent_code: string | null;
  path: string;
}

export interface SchemaMigrationTable {
  version: number;
  name: string;
  checksum: string;
  applied_at: ColumnType<Date, Date | undefined, never>;
}

export interface DB {
  region: RegionTable;
  schema_migration: SchemaMigrationTable;
}
