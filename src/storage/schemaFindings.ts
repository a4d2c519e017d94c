// Table types of what the platform finds on its own (issue 14,
// migrations/0012_findings.sql), for Kysely: keep them in step with the migration.
import type { ColumnType, Generated } from 'kysely';

export type FindingWorkflow = 'investigation' | 'key_target' | 'replacement';
export type SubjectType = 'window' | 'staff' | 'agency' | 'business_line' | 'region' | 'rater' | 'source';

export interface FindingTable {
  id: Generated<number>;
  workflow: FindingWorkflow;
  state: string;
  subject_type: SubjectType;
  subject_key: string;
  subject_name: string;
  /** China days, read as 'YYYY-MM-DD'. */
  period_start: string | null;
  period_end: string | null;
  dedup_key: string;
  region_code: string;
  region_path: string;
  agency_code: string | null;
  business_line_code: string | null;
  staff_id: number | null;
  policy_version_id: number;
  score: number | null;
  opened_at: Date;
  due_at: Date | null;
  closed_at: Date | null;
  overdue_at: Date | null;
  escalated_at: Date | null;
  escalated_to: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  version: ColumnType<number, number | undefined, number>;
  updated_at: Date;
}

export interface FindingTransitionTable {
  id: Generated<number>;
  finding_id: number;
  at: Date;
  event: string;
  from_state: string;
  to_state: string;
  actor_type: 'user' | 'system';
  actor_id: number | null;
  actor_name: string;
  note: string | null;
  details: ColumnType<Record<string, unknown> | null, string | null, never>;
}

export interface FraudSignalTable {
  id: Generated<number>;
  kind: string;
  dedup_key: string;
  subject_type: string;
  subject_key: string;
  window_id: number | null;
  staff_id: number | null;
  agency_code: string | null;
  first_at: Date;
  last_at: Date;
  weight: number;
  explanation: string;
  evidence: ColumnType<Record<string, unknown>, string, string>;
  finding_id: number | null;
  detected_at: Date;
}

export interface FraudSignalRatingTable {
  signal_id: number;
  rating_id: number;
}

export interface SubmissionAttemptTable {
  id: Generated<string>;
  at: Date;
  token_id: string | null;
  client_id: number | null;
  source_hash: string | null;
  outcome: string;
}

export interface ViolationTable {
  id: Generated<number>;
  finding_id: number;
  agency_code: string;
  staff_id: number | null;
  business_line_code: string;
  region_code: string;
  region_path: string;
  recorded_at: Date;
  ratings_voided: number;
  summary: string;
  recorded_by: number;
}

export interface FindingTables {
  finding: FindingTable;
  finding_transition: FindingTransitionTable;
  fraud_signal: FraudSignalTable;
  fraud_signal_rating: FraudSignalRatingTable;
  submission_attempt: SubmissionAttemptTable;
  violation: ViolationTable;
}
