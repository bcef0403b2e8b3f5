#!/usr/bin/env bash
# Quanzi's KPI engine beside DuckDB on the shared 10M-event data (seed 42), in one run:
#   1. import the CSV into Quanzi (embedded store, ids mapped to Quanzi's own) and into DuckDB;
#   2. build Quanzi's analytics index from the store's event rows, as the server does on first
#      use (the import writes ordinary `event` rows; there is no other event storage);
#   3. run the queries (b)-(f) of ../shared/bench/queries.py RUNS times in each;
#   4. check the answers are equal, print medians, ratios, index memory and peak RSS, and the
#      targets (each KPI <= 0.1x DuckDB; the index built from rows in <= 10 s for 10M events).
# Usage: bash bench/kpi.sh            (RUNS=5, EVENTS=bench/data/events.csv by default)
# The import comparison with sqlite3 .import and psql \copy is bench/import.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export ANCHOR_DATA=$ROOT/bench/data ANCHOR_RESULTS=$ROOT/bench/results
RUNS=${RUNS:-5}
PY=bench/.venv/bin/python
if [ ! -x "$PY" ]; then
  python3 -m venv bench/.venv
  "$PY" -m pip install -q -r ../shared/bench/requirements.txt
fi
EVENTS=${EVENTS:-$ANCHOR_DATA/events.csv}
[ -f "$EVENTS" ] || "$PY" ../shared/bench/gen_events.py 10000000
if [ -n "${QUANZI_BIN:-}" ] && [ -n "${KPI_STORE_BENCH:-}" ]; then
  Q=$QUANZI_BIN KSB=$KPI_STORE_BENCH # release builds made elsewhere
  unset QUANZI_BIN # quanzi warns about QUANZI_* variables it does not know
else
  cargo build --release -q -p quanzi
  cargo build --release -q -p quanzi-core --example kpi_store_bench
  T=${CARGO_TARGET_DIR:-target}
  Q=$T/release/quanzi KSB=$T/release/examples/kpi_store_bench
fi
W=$(mktemp -d /tmp/quanzi-kpi.XXXXXX)
trap 'rm -rf "$W"' EXIT
DB="sqlite://$W/quanzi.db"
rows=$(($(wc -l < "$EVENTS") - 1))
echo "== $rows events from $EVENTS; work dir $W"
$Q --database-url "$DB" admin create-tenant bench "KPI benchmark" > /dev/null
echo "== import into Quanzi"
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$W/import.rss" $Q --database-url "$DB" import events "$EVENTS" \
  --tenant bench --ignore-tenant-column --create-missing > "$W/import.log" 2>&1 || { cat "$W/import.log"; exit 1; }
end=$(date +%s.%N)
echo "quanzi import $(echo "$end - $start" | bc)" > "$W/quanzi.txt"
tail -2 "$W/import.log"
echo "stored: $(sqlite3 "$W/quanzi.db" 'select count(*) from event') event rows"
echo "== Quanzi: index from the store, then (b)-(f) x $RUNS"
"$KSB" "$DB" bench "$W/quanzi" "$RUNS" | tee -a "$W/quanzi.txt"
echo "== DuckDB: read_csv, then (b)-(f) x $RUNS"
"$PY" bench/kpi_reference.py "$EVENTS" "$W/duckdb" --runs "$RUNS" | tee "$W/duckdb.txt"
echo "== answers"
python3 bench/kpi_compare.py "$W/quanzi" "$W/duckdb"
echo "== table ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), commit $(git rev-parse --short HEAD), load average $(cut -d' ' -f1-3 /proc/loadavg))"
python3 - "$W/quanzi.txt" "$W/duckdb.txt" "$W/import.rss" "$rows" <<'PY'
import statistics, sys
def read(path):
    d = {}
    for line in open(path):
        parts = line.split()
        if len(parts) == 3:
            d.setdefault(parts[1], []).append(float(parts[2]))
    return d
q, d = read(sys.argv[1]), read(sys.argv[2])
rss = float(open(sys.argv[3]).read().split()[-1]) / 1024
rows = int(sys.argv[4])
med = lambda v: statistics.median(v)
print(f"| work | Quanzi s | DuckDB s | Quanzi / DuckDB |")
print(f"|---|---|---|---|")
print(f"| load {rows:,}-row CSV (Quanzi: durable import of event rows, ids mapped; DuckDB: read_csv in memory) | {med(q['import']):.2f} | {med(d['load_csv']):.2f} | {med(q['import']) / med(d['load_csv']):.2f}x |")
print(f"| build the index from the event rows | {med(q['index_build']):.2f} | - | - |")
worst = 0.0
for k, label in [("b_dau", "(b) DAU per group-day"), ("c_stickiness", "(c) stickiness"), ("d_retention", "(d) retention cohorts"), ("e_gmv", "(e) GMV + repurchase"), ("f_top_products", "(f) top 1% products")]:
    a, b = med(q[k]), med(d[k])
    worst = max(worst, a / b)
    print(f"| {label}, median of {len(q[k])} | {a:.4f} | {b:.4f} | {a / b:.2f}x |")
print(f"\nindex memory {med(q['index_mib']):.0f} MiB; peak RSS of the KPI process {med(q['peak_rss_mib']):.0f} MiB; of the import {rss:.0f} MiB")
build = med(q['index_build'])
print(f"Targets: each KPI <= 0.1x DuckDB: worst {worst:.2f}x ({'met' if worst <= 0.1 else 'missed'}); "
      f"index from 10M rows in <= 10 s: {build:.2f} s from {rows:,} rows "
      f"({('met' if build <= 10 else 'missed') if rows >= 10_000_000 else 'the target is for 10M rows'})")
PY
