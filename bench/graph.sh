#!/usr/bin/env bash
# Graph benchmark (issue 5): Quanzi's PageRank, WCC, Independent Cascade and IMM against
# networkit, igraph and NDlib on the shared graphs (seed 42), in one run, printed as one
# markdown table with ratios. Peers' progress goes to stderr, the table to stdout.
#
#   bash bench/graph.sh                          # from anywhere; ~10-20 min on a busy machine
#   BENCH_QUIET_WAIT_S=20 NDLIB_RUNS=5 bash bench/graph.sh
#
# Needs bench/.venv with ../shared/bench/requirements.txt installed. Generates the graphs
# with ../shared/bench/gen_graph.py when missing. Results: bench/results/*.json.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=bench/.venv/bin/python
SHARED=$ROOT/../shared/bench
export ANCHOR_DATA=$ROOT/bench/data ANCHOR_RESULTS=$ROOT/bench/results
export BENCH_QUIET_WAIT_S=${BENCH_QUIET_WAIT_S:-90}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
if [ ! -x "$PY" ]; then
  echo "missing $PY: python3 -m venv bench/.venv && bench/.venv/bin/pip install -r ../shared/bench/requirements.txt" >&2
  exit 1
fi
mkdir -p "$ANCHOR_DATA" "$ANCHOR_RESULTS"
if [ ! -f "$ANCHOR_DATA/graph_1m.npz" ] || [ ! -f "$ANCHOR_DATA/graph_100k.npz" ]; then
  "$PY" "$SHARED/gen_graph.py" >&2
fi
"$PY" bench/graph_convert.py "$ANCHOR_DATA" >&2
cargo build --release --example graph_bench -p quanzi-analytics >&2
for tag in 1m 100k; do
  for lib in networkit igraph; do
    echo "== $lib $tag" >&2
    "$PY" bench/graph_peers.py "$lib" "$tag" >&2
  done
done
echo "== ndlib" >&2
"$PY" bench/graph_peers.py ndlib "${NDLIB_RUNS:-10}" >&2
echo "== quanzi" >&2
"$CARGO_TARGET_DIR/release/examples/graph_bench" "$ANCHOR_DATA" "$ANCHOR_RESULTS/graph_quanzi.json" >&2
"$PY" bench/graph_table.py
