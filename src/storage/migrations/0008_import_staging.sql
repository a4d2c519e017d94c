-- Imports are staged (issue 10). The rows of a file are checked and written
-- to import_row batch by batch, each batch a short transaction, so that on
-- the embedded database (one lock) no request waits behind a whole file.
-- A commit then applies the staged rows in short steps, recording how far it
-- got; a start-up completes an import a crash interrupted (roll forward:
-- every staged row was checked). While a commit stages and applies, other
-- changes to the catalogue are refused (409 import_in_progress), so what was
-- checked is what is applied, and the file is applied whole or not at all.
create table catalogue_import (
  id            integer generated always as identity primary key,
  kind          text not null,
  -- checking: a dry run; staging, applying: a commit under way;
  -- applied: done; discarded: refused, interrupted before applying, or a dry run over;
  -- failed: a step failed three times for a reason no check foresaw (the steps
  -- before it stay applied; the rest stay staged for inspection).
  state         text not null check (state in ('checking', 'staging', 'applying', 'applied', 'discarded', 'failed')),
  caller        jsonb not null,       -- who imports (for the audit record written when it is applied)
  at            timestamptz not null, -- the import's instant: staff it moves are moved as of this (R3)
  format        text not null,
  rows          integer not null default 0,
  -- How far the apply got, in apply order (apply_order, row_number).
  applied_order smallint not null default -1,
  applied_row   integer not null default 0,
  inserted      integer not null default 0,
  updated       integer not null default 0,
  attempts      integer not null default 0, -- failed attempts at the next step
  last_error    text,
  touched_at    timestamptz not null default now(),
  finished_at   timestamptz
);
-- One commit at a time.
create unique index catalogue_import_one_running on catalogue_import ((true)) where state in ('staging', 'applying');

-- A staged row: its columns as JSON (read back with jsonb_populate_record).
-- apply_order puts centers before the sub-centers that name them.
create table import_row (
  import_id   integer not null references catalogue_import (id),
  apply_order smallint not null default 0,
  row_number  integer not null,
  data        jsonb not null,
  primary key (import_id, apply_order, row_number)
);
