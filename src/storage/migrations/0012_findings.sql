-- Issue 14: what the platform finds on its own. R10 faked good ratings
-- (signals, suspicion, investigations, violations), R11 key targets with
-- follow-up visits, and staff flagged for replacement.
--
-- A finding is one item of the investigation, key_target or replacement
-- workflow (src/domain/workflows/findings.ts): the state machines of the
-- supervision loop's pattern, about a subject (a window, a staff member, an
-- agency, a business line, a region) rather than one rating. Each step is a
-- finding_transition, written with its audit event in one transaction.

create table finding (
  id                 integer generated always as identity primary key,
  workflow           text not null check (workflow in ('investigation', 'key_target', 'replacement')),
  state              text not null check (length(state) between 1 and 30),
  -- what it is about: the subject and, for key targets and replacements, the period (China days, inclusive)
  subject_type       text not null check (subject_type in ('window', 'staff', 'agency', 'business_line', 'region', 'rater', 'source')),
  subject_key        text not null,
  subject_name       text not null,
  period_start       date,
  period_end         date,
  -- a detection job run twice, or from two processes at once, finds the same key and creates nothing new
  dedup_key          text not null,
  -- where it belongs: the department's queue (region_code) and what scopes read it by (region_path)
  region_code        text not null references region (code),
  region_path        text not null,
  agency_code        text references agency (code),
  business_line_code text references business_line (code),
  staff_id           integer references staff (id),
  policy_version_id  integer not null references policy_version (id),
  -- investigation: the subject's suspicion score when last detected (0..1)
  score              double precision,
  opened_at          timestamptz not null,
  due_at             timestamptz,
  closed_at          timestamptz,
  overdue_at         timestamptz,
  escalated_at       timestamptz,
  escalated_to       text references region (code),
  details            jsonb not null default '{}',
  version            integer not null default 1,
  updated_at         timestamptz not null
);
-- Key targets and replacements: one per subject and period. Investigations: one open per subject.
create unique index finding_once on finding (workflow, dedup_key) where workflow <> 'investigation';
create unique index finding_open_investigation on finding (dedup_key) where workflow = 'investigation' and closed_at is null;
create index finding_queue on finding (workflow, state, region_path);
create index finding_subject on finding (subject_type, subject_key, workflow);
create index finding_due on finding (due_at) where closed_at is null and due_at is not null;
create trigger finding_no_delete before delete on finding for each row execute function refuse_delete();

create table finding_transition (
  id          integer generated always as identity primary key,
  finding_id  integer not null references finding (id),
  at          timestamptz not null,
  event       text not null,
  from_state  text not null,
  to_state    text not null,
  actor_type  text not null check (actor_type in ('user', 'system')),
  actor_id    integer references app_user (id),
  actor_name  text not null,
  note        text check (length(note) <= 2000),
  details     jsonb
);
create index finding_transition_finding on finding_transition (finding_id, id);
create trigger finding_transition_append_only before update or delete on finding_transition for each row execute function refuse_change();

-- R10: one signal of faked good ratings, with its plain-language explanation and evidence.
create table fraud_signal (
  id           integer generated always as identity primary key,
  kind         text not null,
  -- the kind, the subject and the first evidence: found again, it is the same signal
  dedup_key    text not null unique,
  subject_type text not null,
  subject_key  text not null,
  window_id    integer references service_window (id),
  staff_id     integer references staff (id),
  agency_code  text references agency (code),
  first_at     timestamptz not null,
  last_at      timestamptz not null,
  weight       double precision not null check (weight > 0 and weight <= 1),
  explanation  text not null,
  evidence     jsonb not null,
  finding_id   integer references finding (id),
  detected_at  timestamptz not null
);
create index fraud_signal_finding on fraud_signal (finding_id);
create index fraud_signal_window on fraud_signal (window_id, first_at);
create trigger fraud_signal_no_delete before delete on fraud_signal for each row execute function refuse_delete();

create table fraud_signal_rating (
  signal_id integer not null references fraud_signal (id),
  rating_id integer not null references rating (id),
  primary key (signal_id, rating_id)
);
create index fraud_signal_rating_rating on fraud_signal_rating (rating_id);

-- R10: every submission through a rating link or a client's key, stored or refused,
-- for "one link, or one client, submits again and again". The source address is a keyed hash.
create table submission_attempt (
  id          bigint generated always as identity primary key,
  at          timestamptz not null,
  token_id    text,
  client_id   integer,
  source_hash text,
  outcome     text not null check (length(outcome) between 1 and 60)
);
create index submission_attempt_at on submission_attempt (at);

-- R10: a confirmed investigation records a violation against the agency or a staff member.
create table violation (
  id                 integer generated always as identity primary key,
  finding_id         integer not null references finding (id),
  agency_code        text not null references agency (code),
  staff_id           integer references staff (id),
  business_line_code text not null references business_line (code),
  region_code        text not null references region (code),
  region_path        text not null,
  recorded_at        timestamptz not null,
  ratings_voided     integer not null check (ratings_voided >= 0),
  summary            text not null check (length(summary) between 1 and 2000),
  recorded_by        integer not null references app_user (id)
);
create index violation_agency on violation (agency_code, recorded_at);
create index violation_staff on violation (staff_id, recorded_at) where staff_id is not null;
create trigger violation_append_only before update or delete on violation for each row execute function refuse_change();
