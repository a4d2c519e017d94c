// Table types for Kysely: keep them in step with migrations/*.sql.
import type { ColumnType, Generated } from 'kysely';
import type { OccasionKind } from '../domain/occasions.ts';
import type { SupervisionTables } from './schemaSupervision.ts';
import type { PolicyTables } from './schemaPolicy.ts';
import type { FindingTables } from './schemaFindings.ts';

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

export interface ApiClientTable {
  id: Generated<number>;
  name: string;
  kind: 'business_system' | 'channel' | 'device';
  channel: string | null;
  key_prefix: string;
  key_hash: string;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: ColumnType<Date, Date | undefined, never>;
  /** A device's window (评价器). */
  window_id: ColumnType<number | null, number | null | undefined, never>;
  revoked_at: ColumnType<Date | null, never, Date | null>;
}

interface Applicant {
  applicant_name_cipher: string | null;
  applicant_id_type: string | null;
  applicant_id_cipher: string | null;
  applicant_id_hash: string | null;
  applicant_phone_cipher: string | null;
  applicant_phone_hash: string | null;
}

export interface ServicePackageTable extends Applicant {
  id: Generated<number>;
  package_number: string;
  name: string;
  client_id: number | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface ServiceCaseTable extends Applicant {
  id: Generated<number>;
  case_number: string;
  matter_code: string;
  kind: 'immediate' | 'promised';
  agency_code: string;
  package_id: number | null;
  accepted_at: Date;
  accepted_by: number | null;
  completed_at: Date | null;
  completed_by: number | null;
  withdrawn_at: Date | null;
  withdraw_reason: string | null;
  client_id: number | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface OccasionTable {
  id: Generated<number>;
  case_id: number | null;
  package_id: number | null;
  kind: OccasionKind;
  occurred_at: Date;
  deadline: Date;
  staff_id: number | null;
  agency_code: string | null;
  business_line_code: string | null;
  region_code: string | null;
  center_code: string | null;
  window_id: number | null;
  /** Issue 13: the policy version in force when the occasion happened (its deadline and default level). */
  policy_version_id: number;
  closed_at: Date | null;
  cancelled_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** Issue 15 (migration 0013): one row per open occasion, deleted when it closes; the default sweep's queue (R6). */
export interface OccasionOpenTable {
  occasion_id: number;
  deadline: Date;
  policy_version_id: number;
}

export interface OccasionPartyTable {
  occasion_id: number;
  agency_code: string;
  business_line_code: string;
  region_code: string;
}

export interface RatingTable {
  id: Generated<number>;
  occasion_id: number;
  level: string;
  score: number;
  attitude_level: string | null;
  quality_level: string | null;
  efficiency_level: string | null;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  comment: string | null;
  channel: string;
  is_default: ColumnType<boolean, boolean | undefined, boolean>;
  given_at: Date;
  rater_id_hash: string | null;
  client_id: number | null;
  idempotency_key: string | null;
  token_id: string | null;
  fingerprint: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  /** R6: the China day it counts on (generated). */
  score_day: ColumnType<string, never, never>;
  voided_at: ColumnType<Date | null, never, Date | null>;
  revoked_at: ColumnType<Date | null, never, Date | null>;
  exclusion_reason: ColumnType<string | null, never, string | null>;
  /** R9: the rater consented to sharing with a third party. */
  third_party_consent: ColumnType<boolean, boolean | undefined, never>;
  /** R9: the comment as written, encrypted, when personal data in it was masked. */
  comment_cipher: ColumnType<string | null, string | null | undefined, never>;
}

export interface AppUserTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  role: string;
  scope_region_code: string | null;
  scope_line_code: string | null;
  scope_agency_code: string | null;
  scope_staff_id: number | null;
  password_hash: string;
  must_change_password: ColumnType<boolean, boolean | undefined, boolean>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  failed_attempts: ColumnType<number, number | undefined, number>;
  locked_until: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  password_changed_at: ColumnType<Date, Date | undefined, Date>;
}

export interface UserSessionTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  ended_at: Date | null;
  source_ip: string | null;
}

export interface SignInFailureTable {
  username: string;
  failures: number;
  first_at: Date;
  locked_until: Date | null;
}

export interface AuditEventTable {
  id: Generated<number>;
  at: Date;
  actor_type: 'user' | 'client' | 'system' | 'anonymous';
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  changes: unknown;
  reason: string | null;
  request_id: string | null;
  source_ip: string | null;
}

export interface SettingTable {
  name: string;
  value: unknown;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface ScoreEventTable {
  id: Generated<number>;
  rating_id: number;
  sign: number;
  cause: 'given' | 'voided' | 'revoked';
  recorded_at: Date;
}

export interface ScorePendingTable {
  event_id: number;
}

export interface CatalogueImportTable {
  id: Generated<number>;
  kind: string;
  state: 'checking' | 'staging' | 'applying' | 'applied' | 'discarded' | 'failed';
  caller: unknown;
  at: Date;
  format: string;
  rows: Generated<number>;
  applied_order: Generated<number>;
  applied_row: Generated<number>;
  inserted: Generated<number>;
  updated: Generated<number>;
  attempts: Generated<number>;
  last_error: string | null;
  touched_at: Generated<Date>;
  finished_at: Date | null;
}

export interface ImportRowTable {
  import_id: number;
  apply_order: Generated<number>;
  row_number: number;
  data: unknown;
}

export interface OutboxTable {
  id: Generated<number>;
  channel: 'sms';
  topic: string;
  occasion_id: number | null;
  recipient_cipher: string;
  recipient_masked: string;
  body: string;
  status: Generated<'pending' | 'sent' | 'failed' | 'cancelled'>;
  attempts: Generated<number>;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export interface OutboxAttemptTable {
  id: Generated<number>;
  outbox_id: number;
  at: Date;
  sender: string;
  outcome: 'sent' | 'retry' | 'failed';
  detail: string | null;
  duration_ms: number;
}

export interface DevicePairingTable {
  id: Generated<number>;
  client_id: number;
  code_hash: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export interface DB extends SupervisionTables, PolicyTables, FindingTables {
  outbox: OutboxTable;
  outbox_attempt: OutboxAttemptTable;
  device_pairing: DevicePairingTable;
  catalogue_import: CatalogueImportTable;
  import_row: ImportRowTable;
  app_user: AppUserTable;
  user_session: UserSessionTable;
  sign_in_failure: SignInFailureTable;
  audit_event: AuditEventTable;
  setting: SettingTable;
  score_event: ScoreEventTable;
  score_pending: ScorePendingTable;
  api_client: ApiClientTable;
  service_package: ServicePackageTable;
  service_case: ServiceCaseTable;
  occasion: OccasionTable;
  occasion_open: OccasionOpenTable;
  occasion_party: OccasionPartyTable;
  rating: RatingTable;
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
