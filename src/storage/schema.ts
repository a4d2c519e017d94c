// Table types for Kysely: keep them in step with migrations/*.sql.
import type { ColumnType, Generated } from 'kysely';

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

type Status = 'active' | 'retired';
type Timestamps = {
  created_at: ColumnType<Date, Date | undefined, Date | undefined>;
  updated_at: ColumnType<Date, Date | undefined, Date | undefined>;
  retired_at: Date | null;
  status: ColumnType<Status, Status | undefined, Status | undefined>;
};

export interface BusinessLineTable extends Timestamps {
  code: string;
  name: string;
  department: string;
}

export interface AgencyTable extends Timestamps {
  code: string;
  name: string;
  region_code: string;
  business_line_code: string;
  central_unit: boolean;
}

export interface ServiceCenterTable extends Timestamps {
  code: string;
  name: string;
  region_code: string;
  parent_code: string | null;
}

export interface ServiceWindowTable extends Timestamps {
  id: Generated<number>;
  center_code: string;
  number: string;
  name: string | null;
  agency_code: string;
  device_serial: string | null;
}

export interface StaffTable extends Timestamps {
  id: Generated<number>;
  staff_number: string;
  name: string;
  agency_code: string;
  center_code: string | null;
  window_id: number | null;
  id_number_cipher: string | null;
  id_number_hash: string | null;
  phone_cipher: string | null;
  phone_hash: string | null;
}

export interface StaffAssignmentTable {
  id: Generated<number>;
  staff_id: number;
  agency_code: string;
  center_code: string | null;
  window_id: number | null;
  valid_from: Date;
  valid_to: Date | null;
  reason: 'created' | 'transfer' | 'import';
}

export interface MatterTable extends Timestamps {
  code: string;
  name: string;
  kind: 'immediate' | 'promised';
  business_line_code: string;
  agency_code: string;
  time_limit_days: number;
}

export interface DB {
  region: RegionTable;
  schema_migration: SchemaMigrationTable;
  business_line: BusinessLineTable;
  agency: AgencyTable;
  service_center: ServiceCenterTable;
  service_window: ServiceWindowTable;
  staff: StaffTable;
  staff_assignment: StaffAssignmentTable;
  matter: MatterTable;
}
