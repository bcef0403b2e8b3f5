#!/usr/bin/env bash
# Bulk import side by side: `quanzi import events --create-missing` against `sqlite3 .import`
# and `psql \copy`, on the same events CSV (the shared generator, seed 42), in one run.
#
#   bench/import.sh              # 10,000,000 rows (generated once into bench/data/)
#   ROWS=1000000 bench/import.sh # a smaller file while iterating (bench/data/import-1000000/)
#   QUANZI_BIN=path/to/quanzi bench/import.sh   # use that release build instead of building
#
# Needs: bench/.venv (see ../shared/bench/README.md), sqlite3, a local PostgreSQL 15 cluster
# (started here with pg_ctlcluster when it is down), a release build of quanzi.
# Prints one table: wall time, rows/s, ratio to the peer, and Quanzi's peak RSS.
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

# --- SQLite -------------------------------------------------------------------------------
QDB=$WORK/quanzi.db
$Q --database-url "sqlite://$QDB" migrate >/dev/null
$Q --database-url "sqlite://$QDB" admin create-tenant bench Bench >/dev/null
t_q_sqlite=$(timed q_sqlite $Q --database-url "sqlite://$QDB" import events "$CSV" \
  --tenant bench --create-missing --ignore-tenant-column)
rss_q_sqlite=$(peak_mib q_sqlite)
grep -E "^(events:|created)" "$WORK/q_sqlite.out" | sed 's/^/  quanzi sqlite: /'
n_q=$(sqlite3 "$QDB" "select (select count(*) from event) + (select coalesce(sum(rows), 0) from event_block)")
rm -f "$QDB"*

t_plain=$(timed sqlite_plain sqlite3 "$WORK/plain.db" '.mode csv' ".import $CSV events")
n_plain=$(sqlite3 "$WORK/plain.db" "select count(*) from events")
rm -f "$WORK/plain.db"*

# The same columns typed, and the two secondary indexes of Quanzi's event table (the file
# has no idempotency key, so that unique index has no counterpart).
sqlite3 "$WORK/indexed.db" "create table events (tenant_id integer not null, member_id integer not null,
  group_id integer, kind text not null, ts integer not null, amount real, product_id integer);
  create index events_member on events(tenant_id, member_id, ts);
  create index events_group on events(tenant_id, group_id, ts);"
t_indexed=$(timed sqlite_indexed sqlite3 "$WORK/indexed.db" '.mode csv' ".import --skip 1 $CSV events")
rm -f "$WORK/indexed.db"*

# The same end state the way a DBA would reach it: load the typed table, then build the two
# indexes by sorting (what Quanzi's load does when it dwarfs the table).
sqlite3 "$WORK/late.db" "create table events (tenant_id integer not null, member_id integer not null,
  group_id integer, kind text not null, ts integer not null, amount real, product_id integer);"
t_late=$(timed sqlite_late sqlite3 "$WORK/late.db" '.mode csv' ".import --skip 1 $CSV events" \
  "create index events_member on events(tenant_id, member_id, ts)" \
  "create index events_group on events(tenant_id, group_id, ts)")
rm -f "$WORK/late.db"*

# --- PostgreSQL ---------------------------------------------------------------------------
pg_fresh
$Q --database-url "$PGURL" migrate >/dev/null
$Q --database-url "$PGURL" admin create-tenant bench Bench >/dev/null
t_q_pg=$(timed q_pg $Q --database-url "$PGURL" import events "$CSV" \
  --tenant bench --create-missing --ignore-tenant-column)
rss_q_pg=$(peak_mib q_pg)
grep -E "^(events:|created)" "$WORK/q_pg.out" | sed 's/^/  quanzi postgres: /'
n_q_pg=$(psql -tAq "$PGURL" -c "select (select count(*) from event) + (select coalesce(sum(rows), 0) from event_block)")

pg_fresh
psql -q "$PGURL" -c "create table events (tenant_id int, member_id int, group_id int, kind text,
  ts bigint, amount double precision, product_id int)"
t_copy=$(timed pg_copy psql -q "$PGURL" -c "\\copy events from '$CSV' with (format csv, header)")
n_copy=$(psql -tAq "$PGURL" -c "select count(*) from events")

pg_fresh
psql -q "$PGURL" -c "create table events (event_id bigserial primary key, tenant_id int not null,
  member_id int not null, group_id int, kind text not null, ts bigint not null,
  amount double precision, product_id int);
  create index events_member on events(tenant_id, member_id, ts);
  create index events_group on events(tenant_id, group_id, ts)"
t_copy_idx=$(timed pg_copy_indexed psql -q "$PGURL" -c "\\copy events (tenant_id, member_id, group_id, kind, ts, amount, product_id) from '$CSV' with (format csv, header)")
pg_fresh

psql -q "$PGURL" -c "create table events (event_id bigserial primary key, tenant_id int not null,
  member_id int not null, group_id int, kind text not null, ts bigint not null,
  amount double precision, product_id int)"
t_copy_late=$(timed pg_copy_late psql -q "$PGURL" \
  -c "\\copy events (tenant_id, member_id, group_id, kind, ts, amount, product_id) from '$CSV' with (format csv, header)" \
  -c "set maintenance_work_mem = '512MB'" \
  -c "create index events_member on events(tenant_id, member_id, ts)" \
  -c "create index events_group on events(tenant_id, group_id, ts)")
pg_fresh

for n in "$n_q" "$n_plain" "$n_q_pg" "$n_copy"; do
  [ "$n" = "$ROWS" ] || { echo "row count $n, expected $ROWS" >&2; exit 1; }
done

# --- table --------------------------------------------------------------------------------
row() { # label, seconds, peer seconds (or -), rss (or -)
  awk -v l="$1" -v s="$2" -v p="$3" -v r="$4" -v n="$ROWS" 'BEGIN {
    ratio = (p == "-") ? "" : sprintf("%.2f×", p / s)
    printf "| %-52s | %7.1f | %10.0f | %-6s | %s |\n", l, s, n / s, ratio, r }'
}
echo
echo "| load $ROWS events (durable) | s | rows/s | peer/Quanzi | peak RSS MiB |"
echo "|---|---|---|---|---|"
row "Quanzi import --create-missing, SQLite" "$t_q_sqlite" - "$rss_q_sqlite"
row "sqlite3 .import, plain table (7 text columns)" "$t_plain" - -
row "sqlite3 .import, typed table + Quanzi's 2 event indexes" "$t_indexed" - -
row "sqlite3 .import typed table, then its 2 indexes" "$t_late" - -
row "Quanzi vs sqlite3 .import plain" "$t_q_sqlite" "$t_plain" -
row "Quanzi vs sqlite3 .import indexed" "$t_q_sqlite" "$t_indexed" -
row "Quanzi vs sqlite3 .import, then indexes" "$t_q_sqlite" "$t_late" -
row "Quanzi import --create-missing, PostgreSQL (COPY)" "$t_q_pg" - "$rss_q_pg"
row "psql \\copy, plain table" "$t_copy" - -
row "psql \\copy, bigserial + Quanzi's 2 event indexes" "$t_copy_idx" - -
row "psql \\copy, bigserial table, then its 2 indexes" "$t_copy_late" - -
row "Quanzi vs psql \\copy plain" "$t_q_pg" "$t_copy" -
row "Quanzi vs psql \\copy indexed" "$t_q_pg" "$t_copy_idx" -
row "Quanzi vs psql \\copy, then indexes" "$t_q_pg" "$t_copy_late" -
echo
echo "peer/Quanzi > 1 means Quanzi was faster. Quanzi's rows also create 1M members, 2000 groups,"
echo "their memberships and history, with an idempotency key per event."
