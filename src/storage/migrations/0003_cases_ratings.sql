-- R4-R9: cases (办件), packages (一件事), their occasions (评价时机) and ratings.

-- Systems that talk to the platform with an API key: business systems (case
-- intake, invitations) and channel clients (ratings through one channel).
-- Only a SHA-256 of the key is kept.
create table api_client (
  id         integer generated always as identity primary key,
  name       text not null unique check (length(name) between 1 and 100),
  kind       text not null check (kind in ('business_system', 'channel')),
  channel    text check (channel in ('web', 'sms', 'app', 'miniprogram', 'hotline', 'device')),
  key_prefix text not null,
  key_hash   text not null unique,
  active     boolean not null default true,
  created_at timestamptz not null default now(),
  check ((kind = 'channel') = (channel is not null))
);

-- 一件事: several matters served as one (R8). The applicant is the package's.
create table service_package (
  id                     integer generated always as identity primary key,
  package_number         text not null unique check (package_number ~ '^[A-Za-z0-9_-]{1,64}$'),
  name                   text not null check (length(name) between 1 and 200),
  applicant_name_cipher  text not null,
  applicant_id_type      text not null,
  applicant_id_cipher    text not null,
  applicant_id_hash      text not null,
  applicant_phone_cipher text,
  applicant_phone_hash   text,
  client_id              integer references api_client (id),
  created_at             timestamptz not null default now()
);

-- 办件: one handling of a matter for an applicant. The applicant's identity
-- is confidential (R9): ciphertext plus keyed hashes, never plaintext.
create table service_case (
  id                     integer generated always as identity primary key,
  case_number            text not null unique check (case_number ~ '^[A-Za-z0-9_-]{1,64}$'),
  matter_code            text not null references matter (code),
  kind                   text not null check (kind in ('immediate', 'promised')), -- the matter's kind when accepted
  agency_code            text not null references agency (code),
  package_id             integer references service_package (id),
  applicant_name_cipher  text,
  applicant_id_type      text,
  applicant_id_cipher    text,
  applicant_id_hash      text,
  applicant_phone_cipher text,
  applicant_phone_hash   text,
  accepted_at            timestamptz not null,
  accepted_by            integer references staff (id),
  completed_at           timestamptz,
  completed_by           integer references staff (id),
  withdrawn_at           timestamptz,
  withdraw_reason        text,
  client_id              integer references api_client (id),
  created_at             timestamptz not null default now(),
  check (package_id is not null or (applicant_id_hash is not null and accepted_by is not null)),
  check (completed_at is null or completed_at >= accepted_at),
  check (kind = 'promised' or package_id is not null or completed_at = accepted_at)
);
create index service_case_applicant on service_case (applicant_id_hash);
create index service_case_package on service_case (package_id);

-- 评价时机 (R7, R8). Attribution is a snapshot (R3): the staff member, and the
-- agency, line, region, center and window where they sat when it happened.
-- closed_at is set when the occasion is rated, given its default, or cancelled.
create table occasion (
  id                 integer generated always as identity primary key,
  case_id            integer references service_case (id),
  package_id         integer references service_package (id),
  kind               text not null check (kind in ('acceptance', 'completion', 'approval', 'delivery', 'composite')),
  occurred_at        timestamptz not null,
  deadline           timestamptz not null,
  staff_id           integer references staff (id),
  agency_code        text references agency (code),
  business_line_code text references business_line (code),
  region_code        text references region (code),
  center_code        text references service_center (code),
  window_id          integer references service_window (id),
  closed_at          timestamptz,
  cancelled_at       timestamptz,
  created_at         timestamptz not null default now(),
  check ((case_id is null) <> (package_id is null)),
  check ((kind = 'composite') = (staff_id is null)),
  check (deadline > occurred_at),
  unique (case_id, kind),
  unique (package_id, kind)
);
-- What the default-rating sweep looks at: open occasions by deadline.
create index occasion_due on occasion (deadline) where closed_at is null;
create index occasion_staff on occasion (staff_id, occurred_at);

-- R8: the composite occasion counts for every agency and region involved.
create table occasion_party (
  occasion_id        integer not null references occasion (id),
  agency_code        text not null references agency (code),
  business_line_code text not null references business_line (code),
  region_code        text not null references region (code),
  primary key (occasion_id, agency_code)
);

-- 评价 (R4-R7). One per occasion, enforced here (R7).
create table rating (
  id               integer generated always as identity primary key,
  occasion_id      integer not null unique references occasion (id),
  level            text not null check (level in ('very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied')),
  score            smallint not null check (score in (10, 8, 6, 3, 0)),
  attitude_level   text check (attitude_level in ('very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied')),
  quality_level    text check (quality_level in ('very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied')),
  efficiency_level text check (efficiency_level in ('very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied')),
  tags             text[] not null default '{}',
  comment          text check (length(comment) <= 500),
  channel          text not null check (channel in ('web', 'sms', 'app', 'miniprogram', 'hotline', 'device', 'system')),
  is_default       boolean not null default false,
  given_at         timestamptz not null,
  rater_id_hash    text,
  client_id        integer references api_client (id),
  idempotency_key  text,
  token_id         text, -- the invitation token it came with, if any
  fingerprint      text not null,
  created_at       timestamptz not null default now(),
  check (is_default = (channel = 'system')),
  check (is_default or rater_id_hash is not null)
);
create index rating_given_at on rating (given_at);

create trigger api_client_no_delete before delete on api_client for each row execute function refuse_delete();
create trigger service_package_no_delete before delete on service_package for each row execute function refuse_delete();
create trigger service_case_no_delete before delete on service_case for each row execute function refuse_delete();
create trigger occasion_no_delete before delete on occasion for each row execute function refuse_delete();
create trigger occasion_party_no_delete before delete on occasion_party for each row execute function refuse_delete();
create trigger rating_no_delete before delete on rating for each row execute function refuse_delete();
