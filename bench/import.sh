#!/usr/bin/env bash
# Bulk import side by side: `quanzi import events --create-missing` (ordinary event rows)
# against `sqlite3 .import` and `psql \copy`, on the same events CSV (the shared generator,
# seed 42), in one run.
#
#   bench/import.sh              # 10,000,000 rows (generated once into bench/data/)
#   ROWS=1000000 bench/import.sh # a smaller file while iterating (bench/data/import-1000000/)
#   QUANZI_BIN=path/to/quanzi bench/import.sh   # use that release build instead of building
#
# Needs: bench/.venv (see ../shared/bench/README.md), sqlite3, a local PostgreSQL 15 cluster
# (started here with pg_ctlcluster when it is down), a release build of quanzi.
# Prints one table: wall time, rows/s, the peer's time over Quanzi's, and Quanzi's peak RSS.
# The primary comparison is the peer loading a typed table with the same indexes as Quanzi's
# event table (see "the peers' table and indexes" below); the unindexed load and the
# load-then-index are printed too.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=${ROWS:-10000000}
SHARED=${SHARED:-$ROOT/../shared/bench}
export ANCHOR_RESULTS=$ROOT/bench/results
if [ "$ROWS" = 10000000 ]; then
  export ANCHOR_DATA=$ROOT/bench/data
else
  export ANCHOR_DATA=$ROOT/bench/data/import-$ROWS
fi
CSV=$ANCHOR_DATA/events.csv
PGHOST_DIR=/var/run/postgresql
PGDB=quanzi_bench
PGURL="postgres://${PGUSER:-$(id -un)}@localhost/$PGDB?host=$PGHOST_DIR"
PGADMIN="postgres://${PGUSER:-$(id -un)}@localhost/postgres?host=$PGHOST_DIR"
WORK=$(mktemp -d /tmp/quanzi-import-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# --- data -------------------------------------------------------------------------------
if [ ! -s "$CSV" ] || [ "$(($(wc -l < "$CSV") - 1))" != "$ROWS" ]; then
  mkdir -p "$ANCHOR_DATA" "$ANCHOR_RESULTS"
  bench/.venv/bin/python "$SHARED/gen_events.py" "$ROWS"
fi

# --- tools --------------------------------------------------------------------------------
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
if ! pg_lsclusters 2>/dev/null | grep -q online; then pg_ctlcluster 15 main start; fi
if [ -n "${QUANZI_BIN:-}" ]; then
  Q=$QUANZI_BIN # a release build made elsewhere
  unset QUANZI_BIN # quanzi warns about QUANZI_* variables it does not know
else
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
  cargo build --release -q -p quanzi
  Q=$CARGO_TARGET_DIR/release/quanzi
fi

# Before each timed run: what earlier runs left dirty is written out first (the page cache,
# PostgreSQL's buffers and WAL), so no run pays for the one before it.
settle() {
  sync
  psql -q "$PGADMIN" -c checkpoint 2>/dev/null || true
  sleep 1
}

# wall seconds of a command, its output kept in $WORK/<name>.out
timed() {
  local name=$1; shift
  settle
  /usr/bin/time -v -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>&1 || {
    cat "$WORK/$name.out" >&2; return 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ {
      n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' \
    "$WORK/$name.time"
}
peak_mib() { awk '/Maximum resident set size/ { printf "%.0f", $NF / 1024 }' "$WORK/$1.time"; }
pg_fresh() {
  psql -q "$PGADMIN" -c "drop database if exists $PGDB with (force)" -c "create database $PGDB"
}

echo "import bench: $ROWS rows from $CSV ($(du -h "$CSV" | cut -f1)) on $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"

# --- the peers' table and indexes -----------------------------------------------------------
# The peers load the file's 7 columns into a typed table with the indexes of Quanzi's event
# table (migrations 0001, 0007 and 0011), each ending in the row id as Quanzi's do:
#   primary key (tenant_id, event_id)              -> (tenant_id, id) primary key
#   (tenant_id, kind, event_id)                    -> (tenant_id, kind, id)
#   (tenant_id, member_id, occurred_at_ms, event_id) -> (tenant_id, member_id, ts, id)
#   (tenant_id, group_id, occurred_at_ms, event_id)  -> (tenant_id, group_id, ts, id)
# What differs: the unique (tenant_id, idempotency_key) index has no counterpart (the file has
# no key; Quanzi makes one per event and checks it), the peer's rows are narrower (no key,
# properties, reference or received_at columns), and the peer keeps the file's 50 tenant ids
# where Quanzi loads every row into one tenant (--ignore-tenant-column). On SQLite the id is
# the table's rowid, which every index already ends with (a column list cannot name rowid),
# so the indexes are declared without it; Quanzi's unique (tenant_id, event_id) is the same
# b-tree as the peer's (tenant_id) index, whose entries are (tenant_id, rowid).
SQLITE_TABLE="create table events (tenant_id integer not null, member_id integer not null,
  group_id integer, kind text not null, ts integer not null, amount real, product_id integer);"
SQLITE_INDEXES="create index events_tenant on events(tenant_id);
  create index events_kind on events(tenant_id, kind);
  create index events_member on events(tenant_id, member_id, ts);
  create index events_group on events(tenant_id, group_id, ts);"
# The peers run with the pragmas of Quanzi's load connection (crates/store/src/sqlite.rs and
# bulk/sqlite.rs): WAL, synchronous = full, a 1 GiB page cache, temporary data in memory.
# sqlite3 .import runs the whole file in one transaction.
SQLITE_PRAGMAS="pragma journal_mode = wal; pragma synchronous = full; pragma cache_size = -1048576;
  pragma temp_store = memory;"
PG_TABLE="create table events (event_id bigserial, tenant_id int not null, member_id int not null,
  group_id int, kind text not null, ts bigint not null, amount double precision, product_id int)"
PG_INDEXES="alter table events add primary key (tenant_id, event_id);
  create index events_kind on events(tenant_id, kind, event_id);
  create index events_member on events(tenant_id, member_id, ts, event_id);
  create index events_group on events(tenant_id, group_id, ts, event_id);"
PG_COPY="\\copy events (tenant_id, member_id, group_id, kind, ts, amount, product_id) from '$CSV' with (format csv, header)"

# --- SQLite -------------------------------------------------------------------------------
QDB=$WORK/quanzi.db
$Q --database-url "sqlite://$QDB" migrate >/dev/null
$Q --database-url "sqlite://$QDB" admin create-tenant bench Bench >/dev/null
t_q_sqlite=$(timed q_sqlite $Q --database-url "sqlite://$QDB" import events "$CSV" \
  --tenant bench --create-missing --ignore-tenant-column)
rss_q_sqlite=$(peak_mib q_sqlite)
grep -E "^(events:|created)" "$WORK/q_sqlite.out" | sed 's/^/  quanzi sqlite: /'
n_q=$(sqlite3 "$QDB" "select count(*) from event")
rm -f "$QDB"*

t_plain=$(timed sqlite_plain sqlite3 "$WORK/plain.db" "$SQLITE_PRAGMAS" '.mode csv' ".import $CSV events")
n_plain=$(sqlite3 "$WORK/plain.db" "select count(*) from events")
rm -f "$WORK/plain.db"*

sqlite3 "$WORK/indexed.db" "$SQLITE_TABLE $SQLITE_INDEXES" >/dev/null
t_indexed=$(timed sqlite_indexed sqlite3 "$WORK/indexed.db" "$SQLITE_PRAGMAS" '.mode csv' \
  ".import --skip 1 $CSV events")
n_indexed=$(sqlite3 "$WORK/indexed.db" "select count(*) from events")
rm -f "$WORK/indexed.db"*

# The same end state the way a DBA would reach it: load the typed table, then build the
# indexes by sorting, all in one transaction.
sqlite3 "$WORK/late.db" "$SQLITE_TABLE" >/dev/null
t_late=$(timed sqlite_late sqlite3 "$WORK/late.db" "$SQLITE_PRAGMAS" 'begin' '.mode csv' \
  ".import --skip 1 $CSV events" "$SQLITE_INDEXES" 'commit')
n_late=$(sqlite3 "$WORK/late.db" "select count(*) from events")
rm -f "$WORK/late.db"*

# --- PostgreSQL ---------------------------------------------------------------------------
pg_fresh
$Q --database-url "$PGURL" migrate >/dev/null
$Q --database-url "$PGURL" admin create-tenant bench Bench >/dev/null
t_q_pg=$(timed q_pg $Q --database-url "$PGURL" import events "$CSV" \
  --tenant bench --create-missing --ignore-tenant-column)
rss_q_pg=$(peak_mib q_pg)
grep -E "^(events:|created)" "$WORK/q_pg.out" | sed 's/^/  quanzi postgres: /'
n_q_pg=$(psql -tAq "$PGURL" -c "select count(*) from event")

pg_fresh
psql -q "$PGURL" -c "create table events (tenant_id int, member_id int, group_id int, kind text,
  ts bigint, amount double precision, product_id int)"
t_copy=$(timed pg_copy psql -q "$PGURL" -c "\\copy events from '$CSV' with (format csv, header)")
n_copy=$(psql -tAq "$PGURL" -c "select count(*) from events")

pg_fresh
psql -q "$PGURL" -c "$PG_TABLE" -c "$PG_INDEXES"
t_copy_idx=$(timed pg_copy_indexed psql -q "$PGURL" -c "$PG_COPY")
n_copy_idx=$(psql -tAq "$PGURL" -c "select count(*) from events")

pg_fresh
psql -q "$PGURL" -c "$PG_TABLE"
t_copy_late=$(timed pg_copy_late psql -q -1 "$PGURL" -c "$PG_COPY" \
  -c "set maintenance_work_mem = '512MB'" -c "$PG_INDEXES")
n_copy_late=$(psql -tAq "$PGURL" -c "select count(*) from events")
pg_fresh

for n in "$n_q" "$n_plain" "$n_indexed" "$n_late" "$n_q_pg" "$n_copy" "$n_copy_idx" "$n_copy_late"; do
  [ "$n" = "$ROWS" ] || { echo "row count $n, expected $ROWS" >&2; exit 1; }
done

# --- table --------------------------------------------------------------------------------
row() { # label, seconds, Quanzi's seconds on that store (or -), rss (or -)
  awk -v l="$1" -v s="$2" -v q="$3" -v r="$4" -v n="$ROWS" 'BEGIN {
    ratio = (q == "-") ? "" : sprintf("%.2f×", s / q)
    printf "| %-62s | %7.1f | %10.0f | %-8s | %s |\n", l, s, n / s, ratio, r }'
}
ratio() { awk -v p="$1" -v q="$2" 'BEGIN { printf "%.2f", p / q }'; }
verdict() { awk -v r="$1" 'BEGIN { print (r >= 1 ? "met" : "missed") }'; }
r_sqlite=$(ratio "$t_indexed" "$t_q_sqlite")
r_pg=$(ratio "$t_copy_idx" "$t_q_pg")
echo
echo "Date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "Commit:  $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- crates 2>/dev/null || echo ' (+ uncommitted changes)')"
echo "Load:    $(cut -d' ' -f1-3 /proc/loadavg) (load average at the end; others share this machine)"
echo
echo "| load $ROWS events (durable, one transaction) | s | rows/s | peer/Quanzi | peak RSS MiB |"
echo "|---|---|---|---|---|"
row "Quanzi import --create-missing, SQLite" "$t_q_sqlite" - "$rss_q_sqlite"
row "sqlite3 .import, typed table + the event table's indexes" "$t_indexed" "$t_q_sqlite" -
row "sqlite3 .import, typed table, then the same indexes" "$t_late" "$t_q_sqlite" -
row "sqlite3 .import, plain table (7 text columns, no index)" "$t_plain" "$t_q_sqlite" -
row "Quanzi import --create-missing, PostgreSQL (COPY)" "$t_q_pg" - "$rss_q_pg"
row "psql \\copy, typed table + the event table's indexes" "$t_copy_idx" "$t_q_pg" -
row "psql \\copy, typed table, then the same indexes" "$t_copy_late" "$t_q_pg" -
row "psql \\copy, plain table (no key, no index)" "$t_copy" "$t_q_pg" -
echo
echo "peer/Quanzi = the peer's time / Quanzi's time on the same store (> 1: Quanzi was faster)."
echo "Target: Quanzi >= 1x the indexed peer: SQLite ${r_sqlite}x ($(verdict "$r_sqlite")), PostgreSQL ${r_pg}x ($(verdict "$r_pg"))."
echo "The peers' indexes: primary key (tenant_id, id), (tenant_id, kind, id), (tenant_id, member_id,"
echo "ts, id), (tenant_id, group_id, ts, id); Quanzi's event table has these and a unique (tenant_id,"
echo "idempotency_key). Quanzi's load also creates the members and groups, a key per event, and the"
echo "memberships and their history."
