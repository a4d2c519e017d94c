-- R1-R3: everything a rating is attributed to, and the service catalogue.
-- Nothing a rating may point to is ever deleted: rows are retired
-- (status = 'retired'), and a trigger refuses DELETE outright.

create function refuse_delete() returns trigger language plpgsql as $$
begin
  raise exception 'rows of % are retired, never deleted', tg_table_name
    using errcode = 'restrict_violation', hint = 'set status to retired';
end $$;

-- 业务条线: one business across all levels, led by a region-level department.
create table business_line (
  code        text primary key check (code ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
  name        text not null check (length(name) between 1 and 100),
  department  text not null check (length(department) between 1 and 100),
  status      text not null default 'active' check (status in ('active', 'retired')),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  retired_at  timestamptz
);

-- 政务服务机构, keyed by its unified social credit code (checked in the app).
create table agency (
  code               text primary key check (code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
  name               text not null check (length(name) between 1 and 200),
  region_code        text not null references region (code),
  business_line_code text not null references business_line (code),
  central_unit       boolean not null default false, -- 中直驻桂单位 (R1)
  status             text not null default 'active' check (status in ('active', 'retired')),
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  retired_at         timestamptz
);
create index agency_region on agency (region_code);
create index agency_business_line on agency (business_line_code);

-- 政务服务中心 and 分中心 (a sub-center has the center it belongs to as parent).
create table service_center (
  code        text primary key check (code ~ '^[A-Z0-9][A-Z0-9_-]{1,39}$'),
  name        text not null check (length(name) between 1 and 200),
  region_code text not null references region (code),
  parent_code text references service_center (code),
  status      text not null default 'active' check (status in ('active', 'retired')),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  retired_at  timestamptz,
  check (parent_code is distinct from code)
);
create index service_center_region on service_center (region_code);
create index service_center_parent on service_center (parent_code);

-- 窗口: numbered within its center; staffed for one agency; maybe an evaluation device.
create table service_window (
  id            integer generated always as identity primary key,
  center_code   text not null references service_center (code),
  number        text not null check (number ~ '^[A-Za-z0-9-]{1,20}$'),
  name          text check (length(name) <= 100),
  agency_code   text not null references agency (code),
  device_serial text unique check (device_serial ~ '^[A-Za-z0-9_-]{1,64}$'),
  status        text not null default 'active' check (status in ('active', 'retired')),
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  retired_at    timestamptz,
  unique (center_code, number)
);
create index service_window_agency on service_window (agency_code);

-- 窗口工作人员. agency/center/window are where the staff member is now; the
-- dated history is staff_assignment. ID number and phone are protected:
-- AES-GCM ciphertext plus a keyed hash for matching (src/storage/protect.ts).
create table staff (
  id               integer generated always as identity primary key,
  staff_number     text not null unique check (staff_number ~ '^[A-Za-z0-9_-]{1,32}$'),
  name             text not null check (length(name) between 1 and 50),
  agency_code      text not null references agency (code),
  center_code      text references service_center (code),
  window_id        integer references service_window (id),
  status           text not null default 'active' check (status in ('active', 'retired')),
  id_number_cipher text,
  id_number_hash   text,
  phone_cipher     text,
  phone_hash       text,
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  retired_at       timestamptz,
  check (window_id is null or center_code is not null),
  check ((id_number_cipher is null) = (id_number_hash is null)),
  check ((phone_cipher is null) = (phone_hash is null))
);
create index staff_agency on staff (agency_code);
create index staff_center on staff (center_code);
create index staff_id_number_hash on staff (id_number_hash);
create index staff_phone_hash on staff (phone_hash);

-- R3: where a staff member sat, and when. Periods are half-open
-- [valid_from, valid_to); the open one (valid_to null) is the current one.
create table staff_assignment (
  id          integer generated always as identity primary key,
  staff_id    integer not null references staff (id),
  agency_code text not null references agency (code),
  center_code text references service_center (code),
  window_id   integer references service_window (id),
  valid_from  timestamptz not null,
  valid_to    timestamptz,
  reason      text not null check (reason in ('created', 'transfer', 'import')),
  check (valid_to is null or valid_to > valid_from)
);
create unique index staff_assignment_current on staff_assignment (staff_id) where valid_to is null;
create index staff_assignment_staff on staff_assignment (staff_id, valid_from);

-- 政务服务事项, keyed by its implementation code (实施编码).
create table matter (
  code               text primary key check (code ~ '^[0-9A-Z-]{8,64}$'),
  name               text not null check (length(name) between 1 and 300),
  kind               text not null check (kind in ('immediate', 'promised')), -- 即办件 / 承诺件 (R7)
  business_line_code text not null references business_line (code),
  agency_code        text not null references agency (code),
  time_limit_days    integer not null check (time_limit_days between 0 and 3650),
  status             text not null default 'active' check (status in ('active', 'retired')),
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  retired_at         timestamptz
);
create index matter_agency on matter (agency_code);
create index matter_business_line on matter (business_line_code);

create trigger business_line_no_delete before delete on business_line for each row execute function refuse_delete();
create trigger agency_no_delete before delete on agency for each row execute function refuse_delete();
create trigger service_center_no_delete before delete on service_center for each row execute function refuse_delete();
create trigger service_window_no_delete before delete on service_window for each row execute function refuse_delete();
create trigger staff_no_delete before delete on staff for each row execute function refuse_delete();
create trigger staff_assignment_no_delete before delete on staff_assignment for each row execute function refuse_delete();
create trigger matter_no_delete before delete on matter for each row execute function refuse_delete();
create trigger region_no_delete before delete on region for each row execute function refuse_delete();
