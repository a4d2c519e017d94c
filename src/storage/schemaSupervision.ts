// Table types of the supervision loop (migrations/0011_supervision.sql), for Kysely.
import type { ColumnType, Generated } from 'kysely';

export interface ItIncidentTable {
  id: Generated<number>;
  client_id: number;
  started_at: Date;
  ended_at: Date;
  cause: string;
  reported_by: number;
  created_at: Date;
}

export interface SupervisionItemTable {
  id: Generated<number>;
  workflow: string;
  rating_id: number;
  state: string;
  region_code: string;
  region_path: string;
  agency_code: string | null;
  business_line_code: string | null;
  staff_id: number | null;
  policy_version_id: number;
  opened_at: Date;
  due_at: Date | null;
  closed_at: Date | null;
  overdue_at: Date | null;
  escalated_at: Date | null;
  escalated_to: string | null;
  started_by: number | null;
  incident_id: number | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  version: ColumnType<number, number | undefined, number>;
  updated_at: Date;
}

export interface SupervisionTransitionTable {
  id: Generated<number>;
  item_id: number;
  at: Date;
  event: string;
  from_state: string;
  to_state: string;
  actor_type: 'user' | 'rater' | 'system';
  actor_id: number | null;
  actor_name: string;
  note: string | null;
  details: ColumnType<Record<string, unknown> | null, string | null, never>;
}

export interface SupervisionAttachmentTable {
  id: Generated<number>;
  item_id: number;
  file_name: string;
  media_type: string;
  size_bytes: number;
  sha256: string;
  content: Buffer;
  uploaded_by: number;
  uploaded_at: Date;
}

export interface SupervisionTables {
  it_incident: ItIncidentTable;
  supervision_item: SupervisionItemTable;
  supervision_transition: SupervisionTransitionTable;
  supervision_attachment: SupervisionAttachmentTable;
}
