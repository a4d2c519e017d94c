-- Issue 13: the supervision loop (R6 review, R12 verification and
-- rectification, R11 revocation, appeals under the national rules).
--
-- Each workflow is a state machine in src/domain/workflows/. An item of a
-- workflow is one row of supervision_item; each transition it takes is one
-- row of supervision_transition, written in the same transaction as the
-- change and its audit event. An item sits in the queue of the supervisory
-- department of the rated agency's region (region_code); it keeps the policy
-- version in force when it began, so that a later policy does not move a
-- deadline already running.

-- R11: outages of the systems that send cases (a business system is an api_client).
create table it_incident (
  id          integer generated always as identity primary key,
  client_id   integer not null references api_client (id),
  started_at  timestamptz not null,
  ended_at    timestamptz not null,
  cause       text not null check (length(cause) between 1 and 1000),
  reported_by integer not null references app_user (id),
  created_at  timestamptz not null,
  check (ended_at > started_at)
);
create index it_incident_started on it_incident (started_at desc, id desc);

create table supervision_item (
  id                 integer generated always as identity primary key,
  workflow           text not null check (workflow in ('review', 'verification', 'revocation', 'rectification', 'appeal')),
  rating_id          integer not null references rating (id),
  state              text not null check (length(state) between 1 and 30),
  -- where it belongs: the rated agency's region (the queue), and what scopes read it by
  region_code        text not null references region (code),
  region_path        text not null,
  agency_code        text references agency (code),
  business_line_code text references business_line (code),
  staff_id           integer references staff (id),
  policy_version_id  integer not null references policy_version (id),
  opened_at          timestamptz not null,
  -- the deadline, where the workflow has one (review: deemed approved; rectification: done)
  due_at             timestamptz,
  closed_at          timestamptz,
  -- rectification: flagged overdue, and escalated to the department one level up
  overdue_at         timestamptz,
  escalated_at       timestamptz,
  escalated_to       text references region (code),
  -- revocation and appeal: who started it (the two-person rule)
  started_by         integer references app_user (id),
  incident_id        integer references it_incident (id),
  -- what the workflow records: findings, reasons, measures, the rater's grade…
  details            jsonb not null default '{}',
  -- bumped by every transition: a page acting on an older version is told the item changed
  version            integer not null default 1,
  updated_at         timestamptz not null
);
-- One review, verification, rectification and appeal per rating; one revocation proposal open at a time.
create unique index supervision_item_one on supervision_item (rating_id, workflow) where workflow <> 'revocation';
create unique index supervision_item_one_proposal on supervision_item (rating_id) where workflow = 'revocation' and state = 'proposed';
create index supervision_item_queue on supervision_item (workflow, state, region_path);
create index supervision_item_due on supervision_item (due_at) where closed_at is null and due_at is not null;
create index supervision_item_rating on supervision_item (rating_id);

create table supervision_transition (
  id          integer generated always as identity primary key,
  item_id     integer not null references supervision_item (id),
  at          timestamptz not null,
  event       text not null,
  from_state  text not null,
  to_state    text not null,
  actor_type  text not null check (actor_type in ('user', 'rater', 'system')),
  actor_id    integer references app_user (id),
  actor_name  text not null,
  note        text check (length(note) <= 2000),
  details     jsonb
);
create index supervision_transition_item on supervision_transition (item_id, id);
create trigger supervision_transition_append_only before update or delete on supervision_transition for each row execute function refuse_change();

-- Evidence: files kept in the database with their SHA-256, size-limited and type-checked by the use case.
create table supervision_attachment (
  id          integer generated always as identity primary key,
  item_id     integer not null references supervision_item (id),
  file_name   text not null check (length(file_name) between 1 and 200),
  media_type  text not null,
  size_bytes  integer not null check (size_bytes > 0),
  sha256      text not null,
  content     bytea not null,
  uploaded_by integer not null references app_user (id),
  uploaded_at timestamptz not null
);
create index supervision_attachment_item on supervision_attachment (item_id, id);
create trigger supervision_attachment_append_only before update or delete on supervision_attachment for each row execute function refuse_change();
create trigger supervision_item_no_delete before delete on supervision_item for each row execute function refuse_delete();
create trigger it_incident_no_delete before delete on it_incident for each row execute function refuse_delete();
