-- R1: the five administrative levels of Guangxi, with their official 12-digit
-- division codes. `path` holds the codes from the root down to the region
-- itself, separated by '.', so a subtree is one indexed prefix match:
--   where path like '450000000000.450100000000.%'
create table region (
  code        text primary key check (code ~ '^[0-9]{12}$'),
  name        text not null check (length(name) between 1 and 100),
  level       smallint not null check (level between 1 and 5),
  parent_code text references region (code),
  path        text not null unique,
  check ((level = 1) = (parent_code is null))
);

create index region_parent_code on region (parent_code, code);
create index region_path_prefix on region (path text_pattern_ops);
create index region_level on region (level, code);
