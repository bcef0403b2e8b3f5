#!/usr/bin/env bash
# Live-code scans, side by side with the hello ceiling, in one run (see bench/README.md):
#   1. hello — the axum hello-world ceiling of this machine (crates/web/examples/hello.rs)
#   2. scan  — GET /h/demo/c/nanshan-poster on the demo (embedded SQLite store, durable
#              commits): every request is a new visitor (wrk keeps no cookies), so each scan
#              records a prospect, its identity, a seat in a group with room (opening the next
#              group from the template when all are full), a visit event and the gift's code,
#              in one transaction, before the page is answered.
# Then it checks in the store that no group holds more members and live seats than its hard
# capacity. Prints scans/s, p99 and the ratio to the hello ceiling.
#
# Knobs: BENCH_DURATION (10s), BENCH_CONNECTIONS (64), BENCH_MEMBERS (2000, the demo's size).
set -Eeuo pipefail
trap 'echo "bench/live_code.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
duration="${BENCH_DURATION:-10s}"
conns="${BENCH_CONNECTIONS:-64}"
members="${BENCH_MEMBERS:-2000}"

for tool in wrk curl sqlite3; do
    command -v "$tool" >/dev/null 2>&1 || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq "$tool" >/dev/null; }
done

echo "building (release) ..." >&2
(cd "$root" && cargo build --release -q -p quanzi --bin quanzi && cargo build --release -q -p quanzi-web --example hello)
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
work="$(mktemp -d "${TMPDIR:-/tmp}/quanzi-live-code.XXXXXX")"
cp "$target/release/quanzi" "$target/release/examples/hello" "$work/"
pids=()
cleanup() {
    local p
    for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

start() { # start LOG COMMAND...: sets $addr from the "listening on http://ADDR/" line
    local log="$1"
    shift
    "$@" >"$log" 2>&1 &
    pids+=("$!")
    addr=""
    for _ in $(seq 1 1800); do
        addr="$(sed -n 's|.*listening on http://\([0-9.:]*\)/.*|\1|p' "$log" | head -n1)"
        [ -n "$addr" ] && return 0
        kill -0 "${pids[-1]}" 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
    done
    cat "$log" >&2
    exit 1
}

run() { # run NAME URL: wrk, then "rps p99_ms" on stdout
    wrk -t1 -c"$conns" -d"$duration" --latency "$2" >"$work/$1.txt" 2>&1
    local rps p99
    rps="$(awk '/Requests\/sec/ {print $2}' "$work/$1.txt")"
    p99="$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$work/$1.txt")"
    echo "$rps $p99"
}

start "$work/hello.log" "$work/hello"
read -r hello_rps hello_p99 < <(run hello "http://$addr/")
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'

cd "$work"
echo "making the demo ($members members) ..." >&2
start "$work/demo.log" "$work/quanzi" demo --members "$members" --listen 127.0.0.1:0
curl -sf "http://$addr/h/demo/c/nanshan-poster" >/dev/null
read -r scan_rps scan_p99 < <(run scan "http://$addr/h/demo/c/nanshan-poster")
db="$(ls "$work"/data/*.db | head -n1)"
over="$(sqlite3 "$db" "select count(*) from chat_group g where g.capacity_hard <
    (select count(*) from group_membership m where m.tenant_id = g.tenant_id and m.group_id = g.group_id and m.left_at_ms is null)
    + (select count(*) from live_code_seat s where s.tenant_id = g.tenant_id and s.group_id = g.group_id
        and s.joined_at_ms is null and s.expires_at_ms > cast(strftime('%s','now') as integer) * 1000)")"
opened="$(sqlite3 "$db" "select count(*) from live_code_group where opened_at_ms is not null")"
scans="$(sqlite3 "$db" "select count(*) from event where kind = 'visit' and reference like 'lc:%'")"

printf '\n%-8s %12s %10s %8s\n' "" "req/s" "p99 ms" "×hello"
printf '%-8s %12.0f %10.2f %8s\n' hello "$hello_rps" "$hello_p99" "1.00"
printf '%-8s %12.0f %10.2f %8.3f\n' scan "$scan_rps" "$scan_p99" "$(awk -v a="$scan_rps" -v b="$hello_rps" 'BEGIN {print a / b}')"
printf '\nscans stored: %s; groups opened by the code: %s; groups over their hard capacity: %s\n' "$scans" "$opened" "$over"
[ "$over" -eq 0 ]
