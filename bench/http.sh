#!/usr/bin/env bash
# HTTP benchmark, side by side, in one run (see bench/README.md):
#   1. hello   — the axum hello-world ceiling of this machine (crates/web/examples/hello.rs)
#   2. member  — GET /api/v1/members/{id} with a Bearer API key: one member (the cache-hit
#                path), then a random one of the tenant's 100,000 per request (bench/members.lua)
#   3. events  — POST /api/v1/events, batches of 1,000 events, durable: the friendly case (one
#                member, one time, messages: bench/events.lua), the spread case (10,000
#                members, 40 groups, mixed kinds with properties: bench/events_spread.lua), and
#                the spread case again with random GETs running at the same time
# on the embedded SQLite store (fresh file), and on PostgreSQL too when BENCH_DATABASE_URL is
# set. Prints requests/s, p99, events/s and the ratio to the hello ceiling.
#
# Load: wrk with one thread (-t1), servers unpinned, the same for every scenario. On a 2-core
# machine wrk and the server share both cores; pinning each to one core would cap the server
# at one core, so the numbers are "this machine, client included".
#
# Knobs (environment): BENCH_DURATION (10s), BENCH_WARMUP (2s), BENCH_CONNECTIONS (64, hello
# and member), BENCH_INGEST_CONNECTIONS (4), BENCH_BATCH (1000), BENCH_READ_CONNECTIONS (16, the
# GETs during the ingest), BENCH_READ_PAUSE_MS (unset: closed loop), BENCH_MEMBERS (100000),
# BENCH_INGEST_MEMBERS (10000), BENCH_GROUPS (40), BENCH_DATABASE_URL (postgres://…),
# BENCH_IDLE_WAIT (0: seconds to wait for other processes to leave the CPUs before measuring).
set -Eeuo pipefail
trap 'echo "bench/http.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
duration="${BENCH_DURATION:-10s}"
warmup="${BENCH_WARMUP:-2s}"
conns="${BENCH_CONNECTIONS:-64}"
ingest_conns="${BENCH_INGEST_CONNECTIONS:-4}"
batch="${BENCH_BATCH:-1000}"
read_conns="${BENCH_READ_CONNECTIONS:-16}"
n_members="${BENCH_MEMBERS:-100000}"
n_ingest_members="${BENCH_INGEST_MEMBERS:-10000}"
n_groups="${BENCH_GROUPS:-40}"
threads=1

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
need sqlite3 sqlite3

echo "building (release) ..." >&2
(cd "$root" && cargo build --release -q -p quanzi --bin quanzi && cargo build --release -q -p quanzi-web --example hello)
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
work="$(mktemp -d "${TMPDIR:-/tmp}/quanzi-bench.XXXXXX")"
# Copies, so that a concurrent build in the same target directory cannot swap them mid-run.
cp "$target/release/quanzi" "$target/release/examples/hello" "$work/"
quanzi="$work/quanzi"
hello="$work/hello"
pids=()
cleanup() {
    local p
    for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# start NAME LOG COMMAND...: runs a server on 127.0.0.1:0 (the kernel picks a free port) and
# sets $addr from the "listening on http://ADDR/" line it prints.
start() {
    local name="$1" log="$2"
    shift 2
    "$@" >"$log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    addr=""
    for _ in $(seq 1 300); do
        addr="$(sed -n 's|.*listening on http://\([0-9.:]*\)/.*|\1|p' "$log" | head -n1)"
        [ -n "$addr" ] && break
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "$name did not start" >&2; exit 1; }
        sleep 0.1
    done
    [ -n "$addr" ] || { cat "$log" >&2; echo "$name did not listen in 30 s" >&2; exit 1; }
    started_pid=$pid
}

stop() { # stop PID: SIGTERM (graceful: the store is closed cleanly), then wait
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    local keep=() p
    for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    pids=("${keep[@]+"${keep[@]}"}")
}

busy_pct() { # busy_pct SECONDS: share of all CPUs busy over that time (from /proc/stat)
    local a b
    a="$(head -n1 /proc/stat)"
    sleep "$1"
    b="$(head -n1 /proc/stat)"
    awk -v a="$a" -v b="$b" 'BEGIN {
        n = split(a, x); split(b, y); t = 0; idle = 0
        for (i = 2; i <= n; i++) t += y[i] - x[i]
        idle = (y[5] - x[5]) + (y[6] - x[6])
        printf "%.0f", (t > 0 ? 100 * (t - idle) / t : 0) }'
}
# The machine is shared (builds, tests); numbers are only meaningful when it is otherwise idle.
# BENCH_IDLE_WAIT=SECONDS waits up to that long for a quiet machine first.
busy_before="$(busy_pct 3)"
waited=0
while [ "$busy_before" -gt 15 ] && [ "$waited" -lt "${BENCH_IDLE_WAIT:-0}" ]; do
    busy_before="$(busy_pct 3)"
    waited=$((waited + 3))
done
if [ "$busy_before" -gt 15 ]; then
    echo "warning: the machine was ${busy_before}% busy before the run; the numbers will be low and noisy" >&2
fi

declare -a rows=()

# bench NAME WRK-ARGS...: runs wrk, keeps its output, appends a table row.
bench() {
    local name="$1"
    shift
    local out
    out="$(out_of "$name")"
    snap
    wrk -t"$threads" --latency "$@" >"$out" 2>&1 || { cat "$out" >&2; echo "wrk failed: $name" >&2; exit 1; }
    add_row "$name" "$out"
}
# bench_pair NAME_A WRK_A_ARGS... :: NAME_B WRK_B_ARGS...: two wrk runs at once (A in the
# background), a table row each; the others' CPU column is the same for both.
bench_pair() {
    local name_a="$1" a=() b=()
    shift
    while [ "$1" != "::" ]; do a+=("$1"); shift; done
    shift
    local name_b="$1"
    shift
    b=("$@")
    local out_a out_b pid_a
    out_a="$(out_of "$name_a")" out_b="$(out_of "$name_b")"
    snap
    wrk -t"$threads" --latency "${a[@]}" >"$out_a" 2>&1 &
    pid_a=$!
    wrk -t"$threads" --latency "${b[@]}" >"$out_b" 2>&1 || { cat "$out_b" >&2; echo "wrk failed: $name_b" >&2; exit 1; }
    wait "$pid_a" || { cat "$out_a" >&2; echo "wrk failed: $name_a" >&2; exit 1; }
    add_row "$name_a" "$out_a"
    add_row "$name_b" "$out_b"
}
out_of() { echo "$work/wrk-${1//[^a-zA-Z0-9]/_}.txt"; }
# snap: CPU counters before a measured run (the machine's, this script's children, the server's
# and PostgreSQL's).
snap() {
    cpu0="$(head -n1 /proc/stat)" self0="$(child_ticks)" srv0="$(($(proc_ticks "$started_pid") + $(pg_ticks)))"
}
# add_row NAME OUT: parses wrk's output OUT (after snap and the run) into a table row.
add_row() {
    local name="$1" out="$2"
    # CPU of everything but this server, PostgreSQL and wrk during the run, as a share of the machine:
    # other work on a shared machine makes the numbers low and noisy.
    local others
    others="$(awk -v a="$cpu0" -v b="$(head -n1 /proc/stat)" \
        -v own=$(($(child_ticks) - self0 + $(proc_ticks "$started_pid") + $(pg_ticks) - srv0)) 'BEGIN {
        n = split(a, x); split(b, y); t = 0
        for (i = 2; i <= n; i++) t += y[i] - x[i]
        busy = t - (y[5] - x[5]) - (y[6] - x[6]) - own
        printf "%.0f%%", (t > 0 && busy > 0 ? 100 * busy / t : 0) }')"
    local line
    line="$(grep '^BENCH ' "$out" | tail -n1)"
    [ -n "$line" ] || { cat "$out" >&2; echo "no BENCH line from wrk: $name" >&2; exit 1; }
    local requests duration_us p99_us status_errors socket_errors stored
    requests="$(kv requests "$line")"
    duration_us="$(kv duration_us "$line")"
    p99_us="$(kv p99_us "$line")"
    status_errors="$(kv status_errors "$line")"
    socket_errors="$(kv socket_errors "$line")"
    stored="$(kv stored "$line")"
    sed -n '/^Running/,/^Transfer/p' "$out" | sed "s/^/  [$name] /" >&2
    grep '^first error' "$out" >&2 || true
    if [ "$status_errors" != 0 ] || [ "$socket_errors" != 0 ]; then
        echo "FAIL $name: $status_errors non-2xx responses, $socket_errors socket errors" >&2
        failures=$((failures + 1))
    fi
    local rps events p99
    rps="$(awk -v n="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", n / (d / 1e6) }')"
    p99="$(awk -v u="$p99_us" 'BEGIN { if (u >= 1000) printf "%.1f ms", u / 1000; else printf "%d us", u }')"
    events="-"
    if [ "$stored" != -1 ]; then
        events="$(awk -v n="$stored" -v d="$duration_us" 'BEGIN { printf "%.0f", n / (d / 1e6) }')"
        last_stored="$stored"
        last_requests="$requests"
        total_stored=$((total_stored + stored))
        total_requests=$((total_requests + requests))
    fi
    rows+=("$name|$rps|$p99|$events|$others")
}
# CPU ticks (user + system) of a process, and of this script's finished children (wrk).
proc_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
child_ticks() { awk '{ sub(/.*\) /, ""); print $14 + $15 }' "/proc/$$/stat"; }
pg_ticks() { { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '$2 == "(postgres)" { t += $14 + $15 } END { print t + 0 }'; }
kv() { sed -n "s/.* $1=\([-0-9]*\).*/\1/p" <<<" $2"; }
failures=0

# --- 1. hello ceiling, measured first and again last; the ratios use the higher -----------------
hello_run() { # hello_run NAME
    start hello "$work/hello.log" "$hello" 127.0.0.1:0
    local hello_pid=$started_pid
    wrk -t"$threads" -c"$conns" -d"$warmup" "http://$addr/" >/dev/null
    bench "$1" -c"$conns" -d"$duration" -s "$here/report.lua" "http://$addr/"
    stop "$hello_pid"
}
hello_run "hello (axum ceiling)"

# --- 2 and 3 on each store -----------------------------------------------------------------
run_store() { # run_store LABEL DATABASE_URL
    local label="$1" url="$2" slug
    slug="bench-$(date +%s)-$$"
    export QUANZI_DATABASE_URL="$url" QUANZI_LOG=warn
    "$quanzi" migrate >/dev/null
    "$quanzi" admin create-tenant "$slug" "Benchmark" >/dev/null
    local key
    key="$("$quanzi" admin create-api-key --tenant "$slug" --name bench --scope write 2>"$work/key.log")" ||
        { cat "$work/key.log" >&2; exit 1; }
    # The tenant's members and groups, made with the CLI's imports (one transaction each):
    # $n_members members (the random reads draw from all of them; $n_ingest_members of them,
    # drawn at random, are the spread ingest's) and $n_groups groups.
    local ids="$work/ids-$label"
    mkdir -p "$ids"
    awk -v n="$n_members" 'BEGIN { print "name"; for (i = 1; i <= n; i++) printf "Member %d\n", i }' >"$ids/members.csv"
    awk -v n="$n_groups" 'BEGIN { print "name"; for (i = 1; i <= n; i++) printf "Group %d\n", i }' >"$ids/groups.csv"
    "$quanzi" import members "$ids/members.csv" --tenant "$slug" >"$work/import-$label.log" 2>&1 ||
        { cat "$work/import-$label.log" >&2; exit 1; }
    "$quanzi" import groups "$ids/groups.csv" --tenant "$slug" >>"$work/import-$label.log" 2>&1 ||
        { cat "$work/import-$label.log" >&2; exit 1; }
    local tid="(select tenant_id from tenant where slug = '$slug')"
    query "$url" "select member_id from member where tenant_id = $tid" >"$ids/members.txt"
    query "$url" "select group_id from chat_group where tenant_id = $tid" >"$ids/groups.txt"
    awk 'BEGIN { srand(1) } { printf "%.9f\t%s\n", rand(), $0 }' "$ids/members.txt" | sort |
        awk -v n="$n_ingest_members" -F'\t' 'NR <= n { print $2 }' >"$ids/ingest_members.txt"
    [ "$(wc -l <"$ids/members.txt")" = "$n_members" ] && [ "$(wc -l <"$ids/groups.txt")" = "$n_groups" ] ||
        { echo "expected $n_members members and $n_groups groups ($label)" >&2; exit 1; }
    start "quanzi ($label)" "$work/quanzi-$label.log" "$quanzi" serve --listen 127.0.0.1:0
    local qpid=$started_pid base="http://$addr"
    local member
    member="$(curl -fsS -X POST "$base/api/v1/members" -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' -d '{"name":"Bench Member"}' |
        sed -n 's/.*"member_id":\([0-9]*\).*/\1/p')"
    [ -n "$member" ] || { echo "could not create the member ($label)" >&2; exit 1; }
    curl -fsS -o /dev/null -H "Authorization: Bearer $key" "$base/api/v1/members/$member"

    local auth=(-H "Authorization: Bearer $key")
    wrk -t"$threads" -c"$conns" -d"$warmup" "${auth[@]}" "$base/api/v1/members/$member" >/dev/null
    bench "GET member, one ($label)" -c"$conns" -d"$duration" "${auth[@]}" -s "$here/report.lua" \
        "$base/api/v1/members/$member"
    wrk -t"$threads" -c"$conns" -d"$warmup" "${auth[@]}" -s "$here/members.lua" \
        "$base/api/v1/members" -- "$ids/members.txt" 99 >/dev/null
    bench "GET member, random ($label)" -c"$conns" -d"$duration" "${auth[@]}" -s "$here/members.lua" \
        "$base/api/v1/members" -- "$ids/members.txt" 1

    local now_ms run
    now_ms="$(date +%s%3N)"
    run="r$(date +%s)$$"
    last_stored=0 total_stored=0 total_requests=0
    bench "POST x$batch, one member ($label)" -c"$ingest_conns" -d"$duration" --timeout 30s "${auth[@]}" \
        -s "$here/events.lua" "$base/api/v1/events" -- "$member" "$run" "$now_ms" "$batch"
    bench "POST x$batch, spread ($label)" -c"$ingest_conns" -d"$duration" --timeout 30s "${auth[@]}" \
        -s "$here/events_spread.lua" "$base/api/v1/events" -- "$ids/ingest_members.txt" \
        "$ids/groups.txt" "$ids/members.txt" "${run}s" "$batch" "$now_ms" 1
    bench_pair "GET random, during ingest ($label)" -c"$read_conns" -d"$duration" "${auth[@]}" \
        -s "$here/members.lua" "$base/api/v1/members" -- "$ids/members.txt" 2 \
        :: "POST x$batch, spread + GETs ($label)" -c"$ingest_conns" -d"$duration" --timeout 30s "${auth[@]}" \
        -s "$here/events_spread.lua" "$base/api/v1/events" -- "$ids/ingest_members.txt" \
        "$ids/groups.txt" "$ids/members.txt" "${run}p" "$batch" "$now_ms" 2
    stop "$qpid"

    # Verify: what the responses say was stored is what is in the database, and no request
    # was lost (wrk counts a request when its response arrived: each stored a full batch).
    # Summed over the three ingest runs of this store.
    local expect=$((total_requests * batch)) counted="n/a"
    if [ "$total_stored" != "$expect" ]; then
        echo "FAIL events ($label): responses stored $total_stored, expected $expect" >&2
        failures=$((failures + 1))
    fi
    counted="$(query "$url" "select count(*) from event e join tenant t using (tenant_id) where t.slug = '$slug'")"
    echo "  [$label] events: $total_requests requests × $batch = $expect; responses stored $total_stored; counted in the database: $counted" >&2
    # Requests still in flight when wrk stops are committed but not counted by wrk: the
    # database may hold up to one batch per connection and run more than the responses reported.
    if [ "$counted" != "n/a" ] &&
        { [ "$counted" -lt "$total_stored" ] || [ "$counted" -gt $((total_stored + 3 * ingest_conns * batch)) ]; }; then
        echo "FAIL events ($label): database has $counted, responses stored $total_stored (+ at most $((3 * ingest_conns * batch)) in flight)" >&2
        failures=$((failures + 1))
    fi
}

query() { # query DATABASE_URL SQL: one value a line, with the store's CLI
    case "$1" in
    sqlite://*) sqlite3 "${1#sqlite://}" "$2" ;;
    postgres*) psql -qtA "$1" -c "$2" ;;
    esac
}

run_store sqlite "sqlite://$work/bench.db"
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    run_store postgres "$BENCH_DATABASE_URL"
fi
hello_run "hello, again at the end"

# --- table ---------------------------------------------------------------------------------
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo
echo "Date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "Machine: $(nproc) cores, ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "Idle:    ${busy_before}% of the CPUs busy in the 3 s before the run (load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
echo "Load:    wrk -t$threads --latency -d$duration (after a $warmup warm-up for GETs); -c$conns for GETs, -c$ingest_conns for ingest; servers unpinned"
echo "Commit:  $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- crates 2>/dev/null || echo ' (+ uncommitted changes)')"
echo
printf '| %-40s | %10s | %9s | %9s | %14s | %11s |\n' "scenario" "requests/s" "p99" "events/s" "ratio to hello" "others' CPU"
printf '|%s|%s|%s|%s|%s|%s|\n' "------------------------------------------" "-----------:" "----------:" "----------:" "---------------:" "------------:"
hello_max=0
for r in "${rows[@]}"; do
    IFS='|' read -r name rps _ <<<"$r"
    case "$name" in hello*) [ "$rps" -gt "$hello_max" ] && hello_max=$rps ;; esac
done
for r in "${rows[@]}"; do
    IFS='|' read -r name rps p99 events others <<<"$r"
    ratio="$(awk -v r="$rps" -v h="$hello_max" 'BEGIN { printf "%.2fx", r / h }')"
    printf '| %-40s | %10s | %9s | %9s | %14s | %11s |\n' "$name" "$rps" "$p99" "$events" "$ratio" "$others"
done
echo
echo "Ratios are to the higher of the two hello runs ($hello_max requests/s)."
echo "Members: $n_members in the tenant; the spread ingest draws from $n_ingest_members of them and $n_groups groups,"
echo "mixed kinds with properties; the random GETs draw from all $n_members ($read_conns connections during the ingest${BENCH_READ_PAUSE_MS:+, ${BENCH_READ_PAUSE_MS} ms pause between requests})."
echo "Targets: GET member ≥ 0.50× hello; spread durable ingest ≥ 100000 events/s on the embedded store"
echo "with the random GETs' p99 < 20 ms during it."
for r in "${rows[@]}"; do
    IFS='|' read -r name rps p99 events _ <<<"$r"
    case "$name" in
    "POST x$batch, spread + GETs (sqlite)") spread_events=$events ;;
    "GET random, during ingest (sqlite)") spread_p99=$p99 ;;
    esac
done
echo "SQLite: ${spread_events:-?} events/s ($(awk -v e="${spread_events:-0}" 'BEGIN { print (e >= 100000 ? "met" : "missed") }')), GET p99 ${spread_p99:-?} ($(awk -v p="${spread_p99:-999 ms}" 'BEGIN { split(p, a, " "); v = a[1] + 0; if (a[2] == "us") v = v / 1000; print (v < 20 ? "met" : "missed") }'))."
if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed (see above)" >&2
    exit 1
fi
