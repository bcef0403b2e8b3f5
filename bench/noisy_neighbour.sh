#!/usr/bin/env bash
# Noisy neighbour (issue 14): one tenant's listings must not starve another tenant's reads.
#
#   bench/noisy_neighbour.sh                      # the noisy tenant holds 10,000,000 events
#   NOISY_EVENTS=1000000 bench/noisy_neighbour.sh # a smaller tenant while iterating
#   QUANZI_BIN=path/to/quanzi bench/noisy_neighbour.sh   # that release build, not a new one
#
# The noisy tenant's events are the shared generator's file (seed 42; the same file and path
# as bench/import.sh, generated once into bench/data/), bulk-loaded with `quanzi import events
# --create-missing --ignore-tenant-column`. The quiet tenant has one member. Three runs of
# BENCH_DURATION each, on one server with its default limits (heavy requests per tenant: half
# the cores; QUANZI_HEAVY_REQUESTS_PER_TENANT overrides it):
#   1. quiet alone  — GET /api/v1/members/{id}, BENCH_QUIET_CONNECTIONS (16) connections
#   2. noisy alone  — GET /api/v1/events first pages (bench/listing.lua), 8 connections
#   3. both at once — the same two loads together
# and prints requests/s and p99 of each tenant with and without the other, the quiet tenant's
# ratio, and the targets: its p99 under 50 ms and its throughput at least half its own alone.
# The noisy clients ignore Retry-After and ask again at once (the worst client there is):
# their 429s are counted apart from their pages.
#
# Knobs: NOISY_EVENTS, BENCH_DURATION (10s), BENCH_WARMUP (2s), BENCH_QUIET_CONNECTIONS (16),
# BENCH_NOISY_CONNECTIONS (8), BENCH_DATABASE_URL (postgres://…: that store instead of SQLite;
# the tenants get fresh slugs), QUANZI_BIN.
# Needs: bench/.venv with numpy and pyarrow (../shared/bench/README.md), wrk, curl.
set -Eeuo pipefail
trap 'echo "bench/noisy_neighbour.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
rows="${NOISY_EVENTS:-10000000}"
duration="${BENCH_DURATION:-10s}"
warmup="${BENCH_WARMUP:-2s}"
quiet_conns="${BENCH_QUIET_CONNECTIONS:-16}"
noisy_conns="${BENCH_NOISY_CONNECTIONS:-8}"
shared="${SHARED:-$root/../shared/bench}"

need() { # need COMMAND PACKAGE: install a Debian package when its command is missing
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 ..." >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y -qq "$2" >/dev/null 2>&1 ||
        { $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "$2" >/dev/null; }
}
need wrk wrk
need curl curl

# --- data: the file bench/import.sh uses for the same row count ---------------------------
if [ "$rows" = 10000000 ]; then
    export ANCHOR_DATA="$root/bench/data"
else
    export ANCHOR_DATA="$root/bench/data/import-$rows"
fi
export ANCHOR_RESULTS="$root/bench/results"
csv="$ANCHOR_DATA/events.csv"
if [ ! -s "$csv" ] || [ "$(($(wc -l <"$csv") - 1))" != "$rows" ]; then
    mkdir -p "$ANCHOR_DATA" "$ANCHOR_RESULTS"
    "$root/bench/.venv/bin/python" "$shared/gen_events.py" "$rows"
fi

# --- binary ---------------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/quanzi-noisy.XXXXXX")"
if [ -n "${QUANZI_BIN:-}" ]; then
    cp "$QUANZI_BIN" "$work/quanzi"
    unset QUANZI_BIN # quanzi warns about QUANZI_* variables it does not know
else
    echo "building (release) ..." >&2
    (cd "$root" && cargo build --release -q -p quanzi --bin quanzi)
    target="${CARGO_TARGET_DIR:-$root/target}"
    case "$target" in /*) ;; *) target="$root/$target" ;; esac
    cp "$target/release/quanzi" "$work/" # a copy: a concurrent build cannot swap it mid-run
fi
quanzi="$work/quanzi"
pids=()
cleanup() {
    local p
    for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# --- store, tenants, keys ---------------------------------------------------------------------
export QUANZI_DATABASE_URL="${BENCH_DATABASE_URL:-sqlite://$work/noisy.db}" QUANZI_LOG=warn
store="sqlite"
case "$QUANZI_DATABASE_URL" in postgres*) store="postgres" ;; esac
stamp="$(date +%s)$$"
noisy="noisy-$stamp" quiet="quiet-$stamp"
"$quanzi" migrate >/dev/null
"$quanzi" admin create-tenant "$noisy" "Noisy" >/dev/null
"$quanzi" admin create-tenant "$quiet" "Quiet" >/dev/null
echo "loading $rows events into the noisy tenant ($store) ..." >&2
load_s0="$(date +%s.%N)"
"$quanzi" import events "$csv" --tenant "$noisy" --create-missing --ignore-tenant-column >"$work/import.log" 2>&1 ||
    { cat "$work/import.log" >&2; exit 1; }
load_s="$(awk -v a="$load_s0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
key() { "$quanzi" admin create-api-key --tenant "$1" --name bench --scope "$2"; }
noisy_key="$(key "$noisy" read)"
quiet_key="$(key "$quiet" read)"
quiet_write="$(key "$quiet" write)"

"$quanzi" serve --listen 127.0.0.1:0 >"$work/serve.log" 2>&1 &
pids+=("$!")
addr=""
for _ in $(seq 1 300); do
    addr="$(sed -n 's|.*listening on http://\([0-9.:]*\)/.*|\1|p' "$work/serve.log" | head -n1)"
    [ -n "$addr" ] && break
    sleep 0.1
done
[ -n "$addr" ] || { cat "$work/serve.log" >&2; echo "quanzi did not listen" >&2; exit 1; }
base="http://$addr"
member="$(curl -fsS -X POST "$base/api/v1/members" -H "Authorization: Bearer $quiet_write" \
    -H 'Content-Type: application/json' -d '{"name":"Quiet Member"}' |
    sed -n 's/.*"member_id":\([0-9]*\).*/\1/p')"
[ -n "$member" ] || { echo "could not create the quiet member" >&2; exit 1; }
first_ms="$(curl -fsS -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $noisy_key" "$base/api/v1/events" |
    awk '{ printf "%.1f", $1 * 1000 }')"

quiet_url="$base/api/v1/members/$member"
quiet_args=(-c"$quiet_conns" -H "Authorization: Bearer $quiet_key" -s "$here/report.lua" "$quiet_url")
noisy_args=(-c"$noisy_conns" -H "Authorization: Bearer $noisy_key" -s "$here/listing.lua" "$base/api/v1/events")
kv() { sed -n "s/.* $1=\([-0-9]*\).*/\1/p" <<<" $2"; }
# figures FILE: "requests/s 2xx/s non-2xx/s p99" of a wrk run's BENCH line
figures() {
    local line
    line="$(grep '^BENCH ' "$1" | tail -n1)"
    [ -n "$line" ] || { cat "$1" >&2; echo "no BENCH line in $1" >&2; exit 1; }
    awk -v n="$(kv requests "$line")" -v d="$(kv duration_us "$line")" -v e="$(kv status_errors "$line")" \
        -v p="$(kv p99_us "$line")" -v s="$(kv socket_errors "$line")" 'BEGIN {
        t = d / 1e6; printf "%.0f %.0f %.0f %.1f %d\n", n / t, (n - e) / t, e / t, p / 1000, s }'
}
run() { # run NAME ARGS...: wrk for BENCH_DURATION into $work/NAME.txt
    local name="$1"
    shift
    wrk -t1 --latency -d"$duration" "$@" >"$work/$name.txt" 2>&1
}

echo "warming up ..." >&2
wrk -t1 -d"$warmup" "${quiet_args[@]}" >/dev/null
wrk -t1 -d"$warmup" "${noisy_args[@]}" >/dev/null
echo "1/3 quiet tenant alone ..." >&2
run quiet_alone "${quiet_args[@]}"
echo "2/3 noisy tenant alone ..." >&2
run noisy_alone "${noisy_args[@]}"
echo "3/3 both at once ..." >&2
run noisy_both "${noisy_args[@]}" &
noisy_wrk=$!
sleep 0.5
run quiet_both "${quiet_args[@]}"
wait "$noisy_wrk"

read -r qa_rps _ _ qa_p99 qa_sock <<<"$(figures "$work/quiet_alone.txt")"
read -r qb_rps qb_ok qb_err qb_p99 qb_sock <<<"$(figures "$work/quiet_both.txt")"
read -r na_rps na_ok na_429 na_p99 _ <<<"$(figures "$work/noisy_alone.txt")"
read -r nb_rps nb_ok nb_429 nb_p99 _ <<<"$(figures "$work/noisy_both.txt")"
ratio="$(awk -v a="$qb_rps" -v b="$qa_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"

cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo
echo "Date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "Machine: $(nproc) cores, ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "Store:   $store; noisy tenant $rows events (loaded in ${load_s} s, its first events page ${first_ms} ms); quiet tenant 1 member"
echo "Load:    wrk -t1 --latency -d$duration; quiet -c$quiet_conns GET member, noisy -c$noisy_conns GET events first pages"
echo "Commit:  $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- crates 2>/dev/null || echo ' (+ uncommitted changes)')"
echo
printf '| %-30s | %10s | %9s | %10s | %9s |\n' "run" "requests/s" "pages/s" "429/s" "p99"
printf '|%s|%s|%s|%s|%s|\n' "--------------------------------" "-----------:" "----------:" "-----------:" "----------:"
printf '| %-30s | %10s | %9s | %10s | %6s ms |\n' "quiet tenant alone" "$qa_rps" "-" "-" "$qa_p99"
printf '| %-30s | %10s | %9s | %10s | %6s ms |\n' "noisy tenant alone" "$na_rps" "$na_ok" "$na_429" "$na_p99"
printf '| %-30s | %10s | %9s | %10s | %6s ms |\n' "quiet tenant, noisy one busy" "$qb_rps" "-" "-" "$qb_p99"
printf '| %-30s | %10s | %9s | %10s | %6s ms |\n' "noisy tenant, quiet one busy" "$nb_rps" "$nb_ok" "$nb_429" "$nb_p99"
echo
echo "Quiet tenant with the noisy one busy: ${ratio}x its throughput alone, p99 ${qb_p99} ms."
fail=0
awk -v p="$qb_p99" 'BEGIN { exit !(p < 50) }' || { echo "MISSED: the quiet tenant's p99 is not under 50 ms" >&2; fail=1; }
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.5) }' || { echo "MISSED: the quiet tenant's throughput is under half its own alone" >&2; fail=1; }
if [ "$qa_sock" != 0 ] || [ "$qb_sock" != 0 ] || [ "$qb_err" != 0 ]; then
    echo "FAIL: the quiet tenant had errors (socket $qa_sock/$qb_sock, non-2xx/s $qb_err)" >&2
    fail=1
fi
[ "$fail" = 0 ] && echo "Targets met: p99 < 50 ms and throughput ≥ 0.5x."
exit "$fail"
