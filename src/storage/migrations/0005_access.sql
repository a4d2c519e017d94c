-- R2, R9, R13: who may see and do what — users with a role and a scope,
-- sessions, sign-in throttling, the append-only audit log, settings; device
-- clients bound to a window; the rater's consent to third-party sharing.

-- A person who signs in. The scope columns say where the role applies:
--   admin, auditor   the whole autonomous region (no scope column)
--   supervisor       scope_region_code and its subtree
--   line_manager     scope_line_code, optionally within scope_region_code
--   agency_manager   scope_agency_code
--   staff            scope_staff_id (themself)
create table app_user (
  id                integer generated always as identity primary key,
  username          text not null unique check (username ~ '^[a-z0-9][a-z0-9._-]{1,39}$'),
  display_name      text not null check (length(display_name) between 1 and 100),
  role              text not null check (role in ('admin', 'supervisor', 'line_manager', 'agency_manager', 'staff', 'auditor')),
  scope_region_code text references region (code),
  scope_line_code   text references business_line (code),
  scope_agency_code text references agency (code),
  scope_staff_id    integer references staff (id),
  -- scrypt: parameters and salt stored beside the hash (passwords.ts)
  password_hash     text not null,
  must_change_password boolean not null default false,
  active            boolean not null default true,
  failed_attempts   integer not null default 0,
  locked_until      timestamptz,
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  password_changed_at timestamptz not null default now(),
  check (case role
    when 'admin' then scope_region_code is null and scope_line_code is null and scope_agency_code is null and scope_staff_id is null
    when 'auditor' then scope_region_code is null and scope_line_code is null and scope_agency_code is null and scope_staff_id is null
    when 'supervisor' then scope_region_code is not null and scope_line_code is null and scope_agency_code is null and scope_staff_id is null
    when 'line_manager' then scope_line_code is not null and scope_agency_code is null and scope_staff_id is null
    when 'agency_manager' then scope_agency_code is not null and scope_region_code is null and scope_line_code is null and scope_staff_id is null
    when 'staff' then scope_staff_id is not null and scope_region_code is null and scope_line_code is null and scope_agency_code is null
  end)
);
create trigger app_user_no_delete before delete on app_user for each row execute function refuse_delete();

-- A signed-in session: only a SHA-256 of its token is kept. It ends after
-- idle hours without use, at expires_at at the latest, or when signed out.
create table user_session (
  id           bigint generated always as identity primary key,
  user_id      integer not null references app_user (id),
  token_hash   text not null unique,
  csrf_token   text not null,
  created_at   timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at   timestamptz not null,
  ended_at     timestamptz,
  source_ip    text
);
create index user_session_user on user_session (user_id) where ended_at is null;

-- Failed sign-ins by username, whether or not such a user exists, so that
-- the answer never tells the two apart (a lock looks the same for both).
create table sign_in_failure (
  username     text primary key,
  failures     integer not null,
  first_at     timestamptz not null,
  locked_until timestamptz
);

-- The audit log (R9 and every change by a person): written in the same
-- transaction as the change, never updated or deleted.
create table audit_event (
  id           bigint generated always as identity primary key,
  at           timestamptz not null,
  actor_type   text not null check (actor_type in ('user', 'client', 'system', 'anonymous')),
  actor_id     text,
  actor_name   text,
  actor_role   text,
  action       text not null,
  subject_type text,
  subject_id   text,
  changes      jsonb,
  reason       text,
  request_id   text,
  source_ip    text
);
create index audit_event_at on audit_event (at, id);
create index audit_event_action on audit_event (action, at);
create index audit_event_actor on audit_event (actor_type, actor_id, at);
create index audit_event_subject on audit_event (subject_type, subject_id, at);

create function refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'rows of % are never changed or deleted', tg_table_name
    using errcode = 'restrict_violation', hint = 'the audit log is append-only';
end $$;
create trigger audit_event_append_only before update or delete on audit_event for each row execute function refuse_change();
create trigger audit_event_no_truncate before truncate on audit_event for each statement execute function refuse_change();

-- Settings an admin changes at run time (R13: staff-level publication).
create table setting (
  name       text primary key,
  value      jsonb not null,
  updated_at timestamptz not null default now()
);
insert into setting (name, value) values ('publish_staff_scores', 'false');

-- API clients: a third kind, the evaluation device (评价器) at one window;
-- revocation time.
alter table api_client drop constraint api_client_kind_check;
alter table api_client add constraint api_client_kind_check check (kind in ('business_system', 'channel', 'device'));
alter table api_client drop constraint api_client_check;
alter table api_client add constraint api_client_kind_channel check ((kind = 'business_system') = (channel is null) and (kind <> 'device' or channel = 'device'));
alter table api_client add column window_id integer references service_window (id);
alter table api_client add constraint api_client_device_window check ((kind = 'device') = (window_id is not null));
alter table api_client add column revoked_at timestamptz;

-- R9: whether the rater consented to sharing the rating with a third party.
alter table rating add column third_party_consent boolean not null default false;
