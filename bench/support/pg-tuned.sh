#!/bin/sh
# A PostgreSQL 15 instance with the settings bench/README.md recommends for a
# province deployment (a dedicated database server: 2 cores, 24 GiB RAM, SSD),
# beside the machine's own server, so that the benchmarks can be run on both:
#
#   bench/support/pg-tuned.sh [PORT] [DIR]       # create (once) and start; defaults 5433 /tmp/pgtuned
#   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5433/test npx tsx bench/ingest.ts --engines server
#   bench/support/pg-tuned.sh stop [PORT] [DIR]  # stop it (the data stays: rm -rf DIR to free the disk)
#
# Idempotent: an existing DIR is reused (its settings rewritten), a running
# instance is left running. Trust authentication on the local socket and
# 127.0.0.1 only, a database `test`. Runs the server as the `postgres` user
# (switching to it with su when started as root).
#
# The settings (see bench/README.md, "PostgreSQL settings for a province
# deployment", for the reason of each) are written to DIR/conf.d/province.conf;
# on a real server put the same lines in postgresql.conf (or ALTER SYSTEM SET)
# and adjust the memory figures to its RAM.
set -eu

BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ "${1:-}" = stop ]; then
  action=stop
  shift
else
  action=start
fi
PORT=${1:-5433}
DIR=${2:-/tmp/pgtuned}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then sh -c "$1"; else su postgres -s /bin/sh -c "$1"; fi
}

if [ "$action" = stop ]; then
  if [ -f "$DIR/postmaster.pid" ]; then
    as_postgres "$BIN/pg_ctl -D '$DIR' -m fast -w stop"
  else
    echo "pg-tuned: no instance running in $DIR"
  fi
  exit 0
fi

if [ ! -f "$DIR/PG_VERSION" ]; then
  mkdir -p "$DIR"
  chown postgres "$DIR" 2>/dev/null || true
  chmod 700 "$DIR"
  as_postgres "$BIN/initdb -D '$DIR' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null"
fi

# The settings, rewritten each time (the file is ours; postgresql.conf stays initdb's).
mkdir -p "$DIR/conf.d"
cat >"$DIR/conf.d/province.conf" <<EOF
# Written by bench/support/pg-tuned.sh: a dedicated server, 2 cores, 24 GiB RAM, SSD.
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
max_connections = 100

# Memory
shared_buffers = 6GB                    # 25% of RAM; the OS page cache holds the rest
effective_cache_size = 18GB             # planner's estimate: shared_buffers + page cache (75% of RAM)
work_mem = 32MB                         # per sort/hash node: rankings' GROUP BY, the sweep's batches
maintenance_work_mem = 1GB              # index builds, VACUUM (one or two at a time)
autovacuum_work_mem = 256MB             # each of the 3 autovacuum workers
huge_pages = try                        # used if the kernel has vm.nr_hugepages reserved

# WAL and checkpoints
synchronous_commit = on                 # MUST stay on: an acknowledged rating is on disk
fsync = on
full_page_writes = on                   # torn pages after a power cut are repaired from WAL
wal_level = replica                     # streaming replica / base backups possible
wal_buffers = 64MB                      # group commit of ratings writes many WAL records at once
wal_compression = lz4                   # full-page images compressed, cheaply in CPU
max_wal_size = 8GB                      # checkpoints by time, not forced by a bulk load or a sweep
min_wal_size = 2GB                      # WAL segments recycled instead of created
checkpoint_timeout = 15min
checkpoint_completion_target = 0.9      # checkpoint writes spread over 90% of the interval
log_checkpoints = on

# Planner (SSD)
random_page_cost = 1.1
effective_io_concurrency = 200
default_statistics_target = 100         # the default; raise per column if a plan misestimates

# Autovacuum: on, and earlier on tables that grow by millions of rows
autovacuum = on
autovacuum_max_workers = 3
autovacuum_naptime = 30s
autovacuum_vacuum_scale_factor = 0.05
autovacuum_vacuum_insert_scale_factor = 0.05
autovacuum_analyze_scale_factor = 0.02
# autovacuum_vacuum_cost_limit stays at its default (200 per 2 ms): on 2 cores an
# unthrottled vacuum of occasion competed with the sweep (bench/README.md)
log_autovacuum_min_duration = 10s
EOF
chown -R postgres "$DIR/conf.d" 2>/dev/null || true
grep -q "^include_dir = 'conf.d'" "$DIR/postgresql.conf" || echo "include_dir = 'conf.d'" >>"$DIR/postgresql.conf"
cat >"$DIR/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
chown postgres "$DIR/pg_hba.conf" 2>/dev/null || true

if as_postgres "$BIN/pg_ctl -D '$DIR' status >/dev/null 2>&1"; then
  as_postgres "$BIN/pg_ctl -D '$DIR' reload >/dev/null"
  echo "pg-tuned: already running in $DIR (settings reloaded; those that need a restart: pg_ctl -D $DIR restart)"
else
  as_postgres "$BIN/pg_ctl -D '$DIR' -l '$DIR/server.log' -w -t 60 start >/dev/null"
  echo "pg-tuned: started in $DIR"
fi
as_postgres "$BIN/psql -h 127.0.0.1 -p $PORT -U postgres -Atqc \"select 1 from pg_database where datname = 'test'\" postgres | grep -q 1" ||
  as_postgres "$BIN/createdb -h 127.0.0.1 -p $PORT -U postgres test"
echo "pg-tuned: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:$PORT/test"
