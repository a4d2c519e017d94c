-- Issue 15, R6, R7: the open occasions, as a narrow queue by deadline.
--
-- The default-rating sweep used to find due occasions through a partial index
-- on occasion (deadline) where closed_at is null. Closing an occasion then
-- changed an indexed column, so every close wrote a new occasion row version
-- with an entry in each of its indexes, and left a dead entry behind in the
-- partial index for the next batch to step over. Now:
--   occasion_open  one row per open occasion (not yet rated, defaulted or
--                  cancelled), inserted with the occasion and deleted in the
--                  transaction that closes it. The sweep finds the due ones
--                  here, takes them in id order (the order of the occasion
--                  table's pages) and deletes what it rates.
--   occasion       closed_at stays the record of the close (the rating
--                  intake, devices and the outbox read it), but no index
--                  covers it any more, and the table's pages keep room
--                  (fillfactor) for the new version: the close is a
--                  heap-only (HOT) update that touches no index.
--
-- Every writer takes the occasion's row lock before it touches its queue row
-- (the intake locks occasions, a withdrawal updates them, the sweep locks
-- them with SKIP LOCKED), so that no two of them deadlock.
create table occasion_open (
  occasion_id       integer primary key references occasion (id),
  deadline          timestamptz not null,
  -- Issue 13: the sweep gives the default level of the occasion's policy version.
  policy_version_id integer not null
);

insert into occasion_open (occasion_id, deadline, policy_version_id)
select id, deadline, policy_version_id from occasion where closed_at is null order by id;

-- Which ids are due (the sweep then walks the primary key through them).
create index occasion_open_deadline on occasion_open (deadline, occasion_id);

drop index occasion_due;

-- Room on each page for the closed version of every row on it: an occasion
-- row is updated once in its life, when it closes, and the sweep closes a
-- whole day's leftovers at once — rows that lie together. With half of each
-- page free, every close is a heap-only update (measured: 96% of the sweep's
-- closes; at 90 only 11%, and each other close added an entry to each of the
-- occasion's 7 indexes, most of them at random places, so that the sweep
-- slowed as the indexes outgrew memory). The price: the table takes twice
-- the pages. New pages only: the rows stored before this migration keep
-- their pages.
alter table occasion set (fillfactor = 50);

-- Two foreign keys checked once per row on the rating path, each a lookup and
-- a lock on the row just written: rating → occasion and score_event → rating.
-- Neither can find anything wrong: occasions and ratings are never deleted
-- (refuse_delete), every rating is inserted for an occasion its writer has
-- just locked, and every score event with (or from) the rating it counts.
-- (score_pending has none, for the same reason, since 0004.)
alter table rating drop constraint rating_occasion_id_fkey;
alter table score_event drop constraint score_event_rating_id_fkey;
