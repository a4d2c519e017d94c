-- R3, R6, R8, R11, R13, R14: scores and rankings.
--
-- How a figure is kept (docs/ARCHITECTURE.md, "Scores"):
--   score_event   append-only ledger: a rating starts counting (+1, 'given')
--                 or stops (-1, 'voided' R6 / 'revoked' R11), with the
--                 instant it was recorded. As-of queries read it.
--   score_pending the events not yet folded into score_total. Writers only
--                 insert (no shared row is updated on the rating path).
--   score_total   sums per dimension, key and period (day, month, year),
--                 folded in by the score-fold job. A query reads
--                 score_total + the pending tail in one snapshot, so it is
--                 exact whether or not the job has run.

-- R6: the China-time day a rating counts on. A rating counts on the day it is
-- given; a default, timed at 24:00 of day D+7, counts on D+7 (the last day of
-- its rating period), not on D+8. China has one zone and no daylight saving:
-- UTC+8 is fixed (POLICY.utcOffsetHours); written from UTC so the expression
-- does not depend on the session's time zone.
alter table rating add column score_day date generated always as (
  ((given_at at time zone 'UTC') + interval '8 hours' - case when is_default then interval '1 millisecond' else interval '0' end)::date
) stored;
-- R6 (text review rejects), R10 (confirmed fake) → voided; R11 (objective cause) → revoked.
alter table rating add column voided_at timestamptz;
alter table rating add column revoked_at timestamptz;
alter table rating add column exclusion_reason text check (length(exclusion_reason) <= 500);
alter table rating add constraint rating_one_exclusion check (voided_at is null or revoked_at is null);
alter table rating add constraint rating_exclusion_reason check ((voided_at is null and revoked_at is null) = (exclusion_reason is null));

create table score_event (
  id          bigint generated always as identity primary key,
  rating_id   integer not null references rating (id),
  sign        smallint not null check (sign in (1, -1)),
  cause       text not null check (cause in ('given', 'voided', 'revoked')),
  recorded_at timestamptz not null,
  check ((sign = 1) = (cause = 'given'))
);
create index score_event_rating on score_event (rating_id, recorded_at);
create index score_event_recorded on score_event (recorded_at);

-- A queue of ids of score_event rows written in the same statement; no
-- foreign key (it would cost a lookup per rating on the write path).
create table score_pending (
  event_id bigint primary key
);

-- Dimensions: staff, agency, line, center, region (this level only),
-- region_tree (the region with its whole subtree) and line_region (a line's
-- ratings split by region, for line rankings filtered by region).
-- region_code is '' except for line_region.
create table score_total (
  dimension    text not null check (dimension in ('staff', 'agency', 'line', 'center', 'region', 'region_tree', 'line_region')),
  period       char(1) not null check (period in ('d', 'm', 'y')),
  period_start date not null,
  key          text not null,
  region_code  text not null default '',
  -- Sums are integers: at most 10 × the ratings of one key in one year.
  n            integer not null,     -- counted ratings
  score_sum    integer not null,
  n_very_satisfied      integer not null,
  n_satisfied           integer not null,
  n_basically_satisfied integer not null,
  n_dissatisfied        integer not null,
  n_very_dissatisfied   integer not null,
  n_default    integer not null,
  active_sum   integer not null,     -- score sum of the non-default ratings
  -- A ranking reads one (dimension, period, period_start) run of this index
  -- and nothing else: the sums are in the index (an index-only scan).
  primary key (dimension, period, period_start, key, region_code)
    include (n, score_sum, n_very_satisfied, n_satisfied, n_basically_satisfied, n_dissatisfied, n_very_dissatisfied, n_default, active_sum)
);
-- The three leading columns are far from independent (a year has 1/365 of
-- the rows of its days); tell the planner, or it expects 1% of a ranking's rows.
create statistics score_total_period (dependencies, mcv) on dimension, period, period_start from score_total;

-- R3, R8: what each rating counts for — one row per (rating, dimension, key).
-- A rating of a staff member counts for them and for the agency, line,
-- region (and every region above it) and center of its snapshot. A package's
-- composite rating counts once for every agency and every region involved
-- (every region above them too, still once), not for staff, lines or centers.
create view rating_attribution as
select r.id as rating_id, a.dimension, a.key, a.region_code
from rating r
join occasion o on o.id = r.occasion_id
cross join lateral (
  select 'staff'::text as dimension, o.staff_id::text as key, ''::text as region_code where o.staff_id is not null
  union all select 'agency', o.agency_code, '' where o.kind <> 'composite' and o.agency_code is not null
  union all select 'line', o.business_line_code, '' where o.kind <> 'composite' and o.business_line_code is not null
  union all select 'line_region', o.business_line_code, o.region_code where o.kind <> 'composite' and o.business_line_code is not null and o.region_code is not null
  union all select 'center', o.center_code, '' where o.kind <> 'composite' and o.center_code is not null
  union all select 'region', o.region_code, '' where o.kind <> 'composite' and o.region_code is not null
  union all select 'agency', p.agency_code, '' from occasion_party p where o.kind = 'composite' and p.occasion_id = o.id
  union all (select distinct 'region', p.region_code, '' from occasion_party p where o.kind = 'composite' and p.occasion_id = o.id)
  union all (
    select distinct 'region_tree', t.code, ''
    from (
      select o.region_code as code where o.kind <> 'composite' and o.region_code is not null
      union
      select p.region_code from occasion_party p where o.kind = 'composite' and p.occasion_id = o.id
    ) involved
    join region g on g.code = involved.code
    cross join unnest(string_to_array(g.path, '.')) as t(code)
  )
) a;

-- The same, for one rating: what reads of the pending tail call, so that
-- their plans stay small (the function's own plan is cached per session).
create function rating_keys(p_rating_id integer) returns setof rating_attribution
language plpgsql stable rows 10 as $$
begin
  return query select * from rating_attribution where rating_id = p_rating_id;
end
$$;

-- Ratings stored before this migration start counting when they were stored.
insert into score_event (rating_id, sign, cause, recorded_at)
select id, 1, 'given', created_at from rating order by id;
insert into score_pending (event_id) select id from score_event;

create trigger score_event_no_delete before delete on score_event for each row execute function refuse_delete();
