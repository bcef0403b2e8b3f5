#!/usr/bin/env bash
# Flash-sale rush, Quanzi beside the mall systems' Redis peer, in one run (see bench/README.md):
#   1. sqlite   — `quanzi demo` (embedded SQLite, WAL, synchronous = FULL), BENCH_MEMBERS members,
#                 a sale of BENCH_STOCK units made through POST /api/v1/flash-sales, then wrk
#                 rushes POST /api/v1/flash-sales/{id}/orders (bench/flash_sale.lua: a random
#                 member per request, quantity 1, every idempotency key new) until the first
#                 "sold_out" refusal, and a few seconds more (the tail) to check nothing more is sold.
#   2. postgres — the same on a fresh PostgreSQL 15 database (skip with BENCH_SKIP_PG=1).
#   3. redis    — the peer: redis-server (appendonly, appendfsync always: every write fsynced
#                 before the reply) and bench/flash_sale_redis.lua (limit, stock and order in one
#                 script), rushed by redis-benchmark with EVALSHA and a random member per call.
# Each store is read back at the end: sold = stock exactly (demand is made to exceed the stock),
# units taken = units in orders, no member over the limit. Prints orders/s (units sold divided
# by the time from the first request to the last unit sold, timed by the store), requests/s and
# p99 of the rush, and the ratio to Redis. Fails only on a correctness check (oversold, a member
# over the limit, sold ≠ min(stock, demand), answers other than 201/200/409, socket errors).
#
# Knobs: BENCH_DURATION (300s: the longest a rush may take before it is stopped unsold),
# BENCH_TAIL (3s), BENCH_CONNECTIONS (64), BENCH_STOCK (100000), BENCH_LIMIT (2: per member),
# BENCH_MEMBERS (100000: members the rush draws from; BENCH_MEMBERS × BENCH_LIMIT must be at
# least 1.2 × BENCH_STOCK), BENCH_DEMO_MEMBERS (2000: the demo's own; the rest are imported),
# BENCH_SKIP_PG=1, BENCH_IDLE_WAIT (0: seconds to wait for a quiet machine before each rush),
# BENCH_NO_BUILD=1 (use the quanzi binary already in the target directory).
set -Eeuo pipefail
trap 'echo "bench/flash_sale.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cap="${BENCH_DURATION:-300s}"
tail_for="${BENCH_TAIL:-3s}"
conns="${BENCH_CONNECTIONS:-64}"
stock="${BENCH_STOCK:-100000}"
limit="${BENCH_LIMIT:-2}"
n_members="${BENCH_MEMBERS:-100000}"
demo_members="${BENCH_DEMO_MEMBERS:-2000}"
skip_pg="${BENCH_SKIP_PG:-0}"
price=990
hold=15

if [ $((n_members * limit * 10)) -lt $((stock * 12)) ]; then
    echo "BENCH_MEMBERS × BENCH_LIMIT ($n_members × $limit) must be at least 1.2 × BENCH_STOCK ($stock):" \
        "the demand must exceed the stock" >&2
    exit 2
fi
[ "$demo_members" -le "$n_members" ] || demo_members="$n_members"

need() { # need COMMAND PACKAGE: install a Debian package when its command is missing
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 ..." >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
        { $sudo apt-get update -qq >/dev/null &&
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }
}
need wrk wrk
need curl curl
need sqlite3 sqlite3
need redis-server redis-server
need redis-benchmark redis-tools
need redis-cli redis-tools
[ "$skip_pg" = 1 ] || need psql postgresql-client

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    echo "building (release) ..." >&2
    (cd "$root" && cargo build --release -q -p quanzi --bin quanzi)
fi
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
work="$(mktemp -d "${TMPDIR:-/tmp}/quanzi-flash-sale.XXXXXX")"
# A copy, so that a concurrent build in the same target directory cannot swap it mid-run.
cp "$target/release/quanzi" "$work/"
quanzi="$work/quanzi"
pids=()
pg_dbs=()
cleanup() {
    local p
    for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" 2>/dev/null || true; done
    for p in "${pg_dbs[@]+"${pg_dbs[@]}"}"; do dropdb --if-exists "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# start NAME LOG COMMAND...: runs a server on 127.0.0.1:0 (the kernel picks a free port) and
# sets $addr from the "listening on http://ADDR/" line it prints, $started_pid to its pid.
start() {
    local name="$1" log="$2"
    shift 2
    "$@" >"$log" 2>&1 &
    local pid=$!
    pids+=("$pid")
    addr=""
    for _ in $(seq 1 600); do
        addr="$(sed -n 's|.*listening on http://\([0-9.:]*\)/.*|\1|p' "$log" | head -n1)"
        [ -n "$addr" ] && break
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "$name did not start" >&2; exit 1; }
        sleep 0.1
    done
    [ -n "$addr" ] || { cat "$log" >&2; echo "$name did not listen in 60 s" >&2; exit 1; }
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

# CPU ticks (user + system) of a process, of this script's finished children (wrk,
# redis-benchmark), and of PostgreSQL's processes.
proc_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
child_ticks() { awk '{ sub(/.*\) /, ""); print $14 + $15 }' "/proc/$$/stat"; }
pg_ticks() { { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk '$2 == "(postgres)" { t += $14 + $15 } END { print t + 0 }'; }
# snap SERVER_PID WITH_PG: counters before a measured run; others_cpu: after it, the share of the
# machine used meanwhile by processes other than the server, PostgreSQL (when WITH_PG is 1) and
# this script's children. More than a few percent: the run's numbers are low and noisy.
snap() {
    snap_pid="$1" snap_pg="$2"
    cpu0="$(head -n1 /proc/stat)" self0="$(child_ticks)" srv0="$(own_ticks)"
}
own_ticks() { echo $(($(proc_ticks "$snap_pid") + (snap_pg == 1 ? $(pg_ticks) : 0))); }
others_cpu() {
    awk -v a="$cpu0" -v b="$(head -n1 /proc/stat)" -v own=$(($(child_ticks) - self0 + $(own_ticks) - srv0)) 'BEGIN {
        n = split(a, x); split(b, y); t = 0
        for (i = 2; i <= n; i++) t += y[i] - x[i]
        busy = t - (y[5] - x[5]) - (y[6] - x[6]) - own
        printf "%.0f%%", (t > 0 && busy > 0 ? 100 * busy / t : 0) }'
}

now_ms() { date +%s%3N; }
kv() { sed -n "s/.* $1=\([-0-9]*\).*/\1/p" <<<" $2"; }
ms_of_us() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
failures=0
fail() { echo "FAIL $*" >&2; failures=$((failures + 1)); }

# The machine is shared (builds, tests); numbers are only meaningful when it is otherwise idle.
# BENCH_IDLE_WAIT=SECONDS waits up to that long for a quiet machine before each rush.
idle_wait() { # idle_wait LABEL: sets busy_before
    busy_before="$(busy_pct 3)"
    local waited=0
    while [ "$busy_before" -gt 15 ] && [ "$waited" -lt "${BENCH_IDLE_WAIT:-0}" ]; do
        busy_before="$(busy_pct 3)"
        waited=$((waited + 3))
    done
    if [ "$busy_before" -gt 15 ]; then
        echo "warning: the machine was ${busy_before}% busy before the $1 rush; its numbers will be low and noisy" >&2
    fi
    idle_line="${idle_line:+$idle_line, }$1 ${busy_before}%"
}

declare -a rows=()

# rush LABEL BASE SALE IDS AUTH_HEADER SERVER_PID: wrk until the first "sold_out" refusal (or
# $cap), then the tail; sets rush_line (the rush's BENCH line), tail_line, rush_start_ms, rush_others.
rush() {
    local label="$1" base="$2" sale="$3" ids="$4" key_arg="$5" spid="$6"
    local marker="$work/soldout-$label" out="$work/wrk-$label.txt"
    rm -f "$marker"
    idle_wait "$label"
    snap "$spid" "$([ "$label" = postgres ] && echo 1 || echo 0)"
    rush_start_ms="$(now_ms)"
    wrk -t1 -c"$conns" -d"$cap" --timeout 30s --latency -H "$key_arg" -s "$here/flash_sale.lua" \
        "$base" -- "$ids" "$sale" "$limit" "r$$" "$marker" >"$out" 2>&1 &
    local wpid=$!
    while kill -0 "$wpid" 2>/dev/null; do
        if [ -e "$marker" ]; then
            kill -INT "$wpid" 2>/dev/null || true
            break
        fi
        sleep 0.05
    done
    wait "$wpid" || { cat "$out" >&2; echo "wrk failed ($label)" >&2; exit 1; }
    rush_others="$(others_cpu)"
    sed -n '/^Running/,/^Transfer/p' "$out" | sed "s/^/  [$label rush] /" >&2
    grep '^first error' "$out" | sed "s/^/  [$label rush] /" >&2 || true
    rush_line="$(grep '^BENCH ' "$out" | tail -n1)"
    [ -n "$rush_line" ] || { cat "$out" >&2; echo "no BENCH line from wrk ($label)" >&2; exit 1; }
    [ -e "$marker" ] || echo "  [$label] not sold out after $cap" >&2
    out="$work/wrk-$label-tail.txt"
    wrk -t1 -c"$conns" -d"$tail_for" --timeout 30s --latency -H "$key_arg" -s "$here/flash_sale.lua" \
        "$base" -- "$ids" "$sale" "$limit" "t$$" - >"$out" 2>&1 ||
        { cat "$out" >&2; echo "wrk failed ($label tail)" >&2; exit 1; }
    grep '^first error' "$out" | sed "s/^/  [$label tail] /" >&2 || true
    tail_line="$(grep '^BENCH ' "$out" | tail -n1)"
    [ -n "$tail_line" ] || { cat "$out" >&2; echo "no BENCH line from wrk ($label tail)" >&2; exit 1; }
}

# check_answers LABEL LINE: answers other than 201/200/409 (sold out, over limit) fail the run.
check_answers() {
    local label="$1" line="$2"
    local errors other socket
    errors="$(kv errors "$line")" other="$(kv refused_other "$line")" socket="$(kv socket_errors "$line")"
    [ "$errors" = 0 ] || fail "$label: $errors answers other than 201/200/409"
    [ "$other" = 0 ] || fail "$label: $other refusals (409) other than sold_out/over_limit"
    [ "$socket" = 0 ] || fail "$label: $socket socket errors (connect, read, write or timeout)"
}

query() { # query DATABASE_URL SQL: one row a line, columns split by |, with the store's CLI
    case "$1" in
    sqlite://*) sqlite3 "${1#sqlite://}" "$2" ;;
    postgres*) psql -qtAX "$1" -c "$2" ;;
    esac
}

# --- 1 and 2: Quanzi -------------------------------------------------------------------------
run_quanzi() { # run_quanzi LABEL DATABASE_URL
    local label="$1" url="$2"
    local dir="$work/$label"
    mkdir -p "$dir"
    # In its own directory: no stray quanzi.toml, and the server key goes to ./data there.
    cd "$dir"
    export QUANZI_DATABASE_URL="$url" QUANZI_LOG=warn
    echo "[$label] making the demo ($demo_members members) ..." >&2
    "$quanzi" demo --members "$demo_members" --no-serve >"$dir/demo.log" 2>&1 || { cat "$dir/demo.log" >&2; exit 1; }
    local key
    key="$("$quanzi" admin create-api-key --tenant demo --name bench --scope write 2>"$dir/key.log")" ||
        { cat "$dir/key.log" >&2; exit 1; }
    local tid="(select tenant_id from tenant where slug = 'demo')"
    local have
    have="$(query "$url" "select count(*) from member where tenant_id = $tid")"
    if [ "$have" -lt "$n_members" ]; then
        echo "[$label] importing $((n_members - have)) more members ..." >&2
        awk -v n="$((n_members - have))" 'BEGIN { print "name"; for (i = 1; i <= n; i++) printf "Flash Buyer %d\n", i }' \
            >"$dir/members.csv"
        "$quanzi" import members "$dir/members.csv" --tenant demo >"$dir/import.log" 2>&1 ||
            { cat "$dir/import.log" >&2; exit 1; }
    fi
    local ids="$dir/members.txt"
    query "$url" "select member_id from member where tenant_id = $tid" >"$ids"
    local members
    members="$(wc -l <"$ids")"

    start "quanzi ($label)" "$dir/serve.log" "$quanzi" serve --listen 127.0.0.1:0
    local qpid=$started_pid base="http://$addr" now sale
    now="$(now_ms)"
    sale="$(curl -fsS -X POST "$base/api/v1/flash-sales" -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' \
        -d "{\"product\":\"Bench 牛肉干 200g\",\"price_fen\":$price,\"stock\":$stock,\"per_member_limit\":$limit,
             \"starts_at_ms\":$((now - 1000)),\"ends_at_ms\":$((now + 3600000)),\"hold_minutes\":$hold}" |
        sed -n 's/.*"flash_sale_id":\([0-9]*\).*/\1/p')"
    [ -n "$sale" ] || { echo "could not create the flash sale ($label)" >&2; exit 1; }
    curl -fsS -o /dev/null -H "Authorization: Bearer $key" "$base/api/v1/flash-sales/$sale"

    echo "[$label] rushing sale $sale: $stock units, $limit per member, $members members, $conns connections ..." >&2
    rush "$label" "$base" "$sale" "$ids" "Authorization: Bearer $key" "$qpid"
    stop "$qpid"

    # Read back from the store (the server is stopped: what is on disk).
    local s="flash_sale_id = $sale and tenant_id = $tid"
    local orders units taken st max_units over first_ms last_ms buyers_units
    IFS='|' read -r orders units first_ms last_ms < <(query "$url" \
        "select count(*), coalesce(sum(quantity), 0), min(held_at_ms), max(held_at_ms) from flash_order
         where $s and state in ('held', 'paid')")
    IFS='|' read -r taken st < <(query "$url" "select taken, stock from flash_sale where $s")
    IFS='|' read -r max_units over < <(query "$url" \
        "select coalesce(max(n), 0), count(*) filter (where n > $limit) from
           (select member_id, sum(quantity) n from flash_order where $s and state in ('held', 'paid') group by member_id) x")
    buyers_units="$(query "$url" "select coalesce(sum(taken), 0) from flash_buyer where $s")"
    report_store "$label" "$orders" "$units" "$taken" "$st" "$max_units" "$over" "$buyers_units" \
        "$rush_start_ms" "$last_ms" "$members"
    cd "$work"
}

# report_store LABEL ORDERS UNITS TAKEN STOCK MAX_UNITS OVER BUYERS_UNITS START_MS LAST_MS MEMBERS:
# the checks and the table row of a Quanzi store, from the store's counts and the BENCH lines.
report_store() {
    local label="$1" orders="$2" units="$3" taken="$4" st="$5" max_units="$6" over="$7" bunits="$8"
    local start_ms="$9" last_ms="${10}" members="${11}"
    local requests duration_us p99_us sent demand created again sold_out over_limit
    requests="$(kv requests "$rush_line")" duration_us="$(kv duration_us "$rush_line")"
    p99_us="$(kv p99_us "$rush_line")" sent="$(kv sent "$rush_line")" demand="$(kv demand "$rush_line")"
    created="$(kv created "$rush_line")" again="$(kv again "$rush_line")"
    sold_out="$(kv sold_out "$rush_line")" over_limit="$(kv over_limit "$rush_line")"
    local t_created t_requests t_sold_out t_over
    t_created="$(kv created "$tail_line")" t_requests="$(kv requests "$tail_line")"
    t_sold_out="$(kv sold_out "$tail_line")" t_over="$(kv over_limit "$tail_line")"
    echo "  [$label] rush: $requests answers ($sent sent, demand within limits $demand): $created held (201)," \
        "$again again (200), $sold_out sold out, $over_limit over the limit (409)" >&2
    echo "  [$label] tail ($tail_for): $t_requests answers: $t_created held, $t_sold_out sold out, $t_over over the limit" >&2
    echo "  [$label] store: $orders orders, $units units; sale taken $taken of $st; buyers' units $bunits;" \
        "most units of one member $max_units; members over the limit $over" >&2
    check_answers "$label rush" "$rush_line"
    check_answers "$label tail" "$tail_line"
    [ "$taken" -le "$st" ] || fail "$label: oversold, $taken taken of $st"
    [ "$units" = "$taken" ] || fail "$label: $units units in orders, but the sale says $taken taken"
    [ "$bunits" = "$taken" ] || fail "$label: $bunits units in the buyers' counts, but the sale says $taken taken"
    [ "$over" = 0 ] || fail "$label: $over members over the limit of $limit (most: $max_units)"
    [ "$t_created" = 0 ] || fail "$label: $t_created orders held after the sale was found sold out"
    # sold = min(stock, demand): demand counts requests sent within the member's limit; in-flight
    # requests cut off when wrk stopped may or may not have reached the store.
    local want=$((demand < st ? demand : st))
    if [ "$sold_out" -gt 0 ]; then
        [ "$units" = "$st" ] || fail "$label: sold $units, expected the stock $st (demand $demand)"
    elif [ "$units" -lt "$created" ] || [ "$units" -gt "$want" ]; then
        fail "$label: sold $units, expected between the $created answered 201 and min(stock, demand) = $want"
    fi
    local secs orders_s rps
    secs="$(awk -v a="$start_ms" -v b="${last_ms:-$start_ms}" 'BEGIN { printf "%.3f", (b - a) / 1000 }')"
    orders_s="$(awk -v n="$units" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')"
    rps="$(awk -v n="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", n / (d / 1e6) }')"
    rows+=("$label|$orders_s|$rps|$(ms_of_us "$p99_us")|$units|$st|$over|$secs|$rush_others")
}

run_quanzi sqlite "sqlite://$work/sqlite/data/quanzi.db"

if [ "$skip_pg" != 1 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        pg_ctlcluster 15 main start >/dev/null 2>&1 || true
        su postgres -c 'createuser -s root' 2>/dev/null || true
    fi
    pg_db="quanzi_flash_$(date +%s)_$$"
    createdb "$pg_db"
    pg_dbs+=("$pg_db")
    # The user named: without one, sqlx may not find who runs it.
    pg_url="postgres://$(id -un)@localhost/$pg_db?host=/var/run/postgresql"
    pg_settings="$(psql -qtAX "$pg_url" -c "select string_agg(name || '=' || setting, ', ' order by name) from pg_settings
        where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method')")"
    run_quanzi postgres "$pg_url"
fi

# --- 3: the Redis peer -----------------------------------------------------------------------
free_port() { # a TCP port no socket uses, below the kernel's ephemeral range (32768 and up),
    # where the rush's own connections linger in TIME_WAIT
    local p
    while :; do
        p=$((20000 + RANDOM % 12000))
        ss -tanH "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
    done
}
redis_dir="$work/redis"
mkdir -p "$redis_dir"
redis_port="$(free_port)"
redis_start() {
    redis-server --port "$redis_port" --bind 127.0.0.1 --appendonly yes --appendfsync always --save '' \
        --dir "$redis_dir" --daemonize no --logfile "$redis_dir/redis.log" &
    redis_pid=$!
    pids+=("$redis_pid")
    for _ in $(seq 1 100); do
        redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && return 0
        kill -0 "$redis_pid" 2>/dev/null || { cat "$redis_dir/redis.log" >&2; echo "redis-server did not start" >&2; exit 1; }
        sleep 0.1
    done
    echo "redis-server did not answer in 10 s" >&2
    exit 1
}
rc() { redis-cli -p "$redis_port" "$@"; }
redis_start
echo "[redis] $(redis-server --version | cut -d' ' -f1-3), appendfsync $(rc config get appendfsync | tail -n1)" >&2
sha="$(rc script load "$(cat "$here/flash_sale_redis.lua")")"
rc set fs:stock "$stock" >/dev/null
# Requests: enough that the expected demand within limits (members drawn at random, each
# asking min(limit, its draws) units) is 1.15 × the stock; its spread is a few hundred units.
redis_requests="$(awk -v m="$n_members" -v l="$limit" -v s="$stock" 'BEGIN {
    for (n = s; ; n += int(s / 100)) {
        lam = n / m; p = exp(-lam); cdf = 0; e = 0
        for (k = 0; k < l; k++) { cdf += p; e += 1 - cdf; p *= lam / (k + 1) }
        if (m * e >= 1.15 * s) { print n; exit }
    } }')"
echo "[redis] rushing: $stock units, $limit per member, $n_members members, $redis_requests requests, $conns connections ..." >&2
idle_wait redis
snap "$redis_pid" 0
redis_start_ms="$(now_ms)"
redis-benchmark -p "$redis_port" -c "$conns" -n "$redis_requests" -r "$n_members" --csv \
    EVALSHA "$sha" 4 fs:stock fs:buyers fs:seq fs:order: __rand_int__ 1 "$limit" "$hold" >"$redis_dir/bench.csv" 2>&1 ||
    { cat "$redis_dir/bench.csv" >&2; echo "redis-benchmark failed" >&2; exit 1; }
r_others="$(others_cpu)"
# Stop and start again: the counts read back are the ones the AOF kept.
rc shutdown >/dev/null 2>&1 || true
wait "$redis_pid" 2>/dev/null || true
keep=()
for p in "${pids[@]}"; do [ "$p" = "$redis_pid" ] || keep+=("$p"); done
pids=("${keep[@]+"${keep[@]}"}")
redis_start
r_left="$(rc get fs:stock)"
r_orders="$(rc get fs:seq)"
r_orders="${r_orders:-0}"
IFS='|' read -r r_units r_max r_over < <(rc hvals fs:buyers |
    awk -v l="$limit" '{ s += $1; if ($1 > m) m = $1; if ($1 > l) o++ } END { printf "%d|%d|%d\n", s, m, o }')
r_last_ms="$(rc hget "fs:order:$r_orders" held_at_ms)"
r_order_units="$(rc --scan --pattern 'fs:order:*' | wc -l)"
IFS=',' read -r _ r_rps _ _ _ _ r_p99 _ < <(tail -n1 "$redis_dir/bench.csv" | sed 's/^"[^"]*",//; s/"//g; s/^/x,/')
r_sold=$((stock - r_left))
echo "  [redis] $redis_requests requests at $r_rps/s; store: $r_orders orders ($r_order_units order hashes)," \
    "$r_sold units sold of $stock, buyers' units $r_units; most units of one member $r_max; members over the limit ${r_over}" >&2
[ "$r_left" -ge 0 ] || fail "redis: oversold, stock left $r_left"
[ "$r_units" = "$r_sold" ] && [ "$r_orders" = "$r_sold" ] && [ "$r_order_units" = "$r_orders" ] ||
    fail "redis: sold $r_sold, buyers' units $r_units, orders $r_orders, order hashes $r_order_units"
[ "$r_over" = 0 ] || fail "redis: $r_over members over the limit of $limit"
[ "$r_sold" = "$stock" ] || fail "redis: sold $r_sold of $stock; the expected demand was 1.15 × the stock"
r_secs="$(awk -v a="$redis_start_ms" -v b="${r_last_ms:-$redis_start_ms}" 'BEGIN { printf "%.3f", (b - a) / 1000 }')"
r_orders_s="$(awk -v n="$r_sold" -v s="$r_secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')"
rows+=("redis|$r_orders_s|$(printf '%.0f' "$r_rps")|$(printf '%.2f' "$r_p99")|$r_sold|$stock|$r_over|$r_secs|$r_others")

# --- table -----------------------------------------------------------------------------------
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo
echo "Date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "Machine: $(nproc) cores, ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "Idle:    CPUs busy in the 3 s before each rush: $idle_line (load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
echo "Load:    $conns connections, one client thread (wrk -t1 / redis-benchmark), unpinned; stock $stock, limit $limit per member, $n_members members, quantity 1"
if [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
    echo "Binary:  $target/release/quanzi as it was (BENCH_NO_BUILD=1), built $(date -u -r "$target/release/quanzi" '+%Y-%m-%d %H:%M UTC')"
else
    echo "Commit:  $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- crates 2>/dev/null || echo ' (+ uncommitted changes)')"
fi
[ -z "${pg_settings:-}" ] || echo "PostgreSQL: $pg_settings"
echo
printf '| %-8s | %9s | %10s | %8s | %7s | %7s | %18s | %14s | %11s |\n' \
    store "orders/s" "requests/s" "p99 ms" sold stock "over-limit members" "ratio to Redis" "others' CPU"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "----------" "----------:" "-----------:" "---------:" "--------:" "--------:" \
    "-------------------:" "---------------:" "------------:"
for r in "${rows[@]}"; do
    IFS='|' read -r name ords rps p99 sold st over _ others <<<"$r"
    ratio="$(awk -v a="$ords" -v b="$r_orders_s" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')"
    printf '| %-8s | %9s | %10s | %8s | %7s | %7s | %18s | %14s | %11s |\n' "$name" "$ords" "$rps" "$p99" "$sold" "$st" "$over" "$ratio" "$others"
done
echo
echo "orders/s: units sold ÷ seconds from the first request to the last unit sold (the last order's"
echo "held_at_ms, stamped by the store), so it is the rate of durable orders while stock lasted."
echo "requests/s and p99: of the rush as the client saw it (wrk --latency until the first sold_out answer,"
echo "201s and 409s alike; redis-benchmark over all $redis_requests calls, including the refusals after the sell-out)."
for r in "${rows[@]}"; do
    IFS="|" read -r name _ _ _ _ _ _ secs _ <<<"$r"
    echo "  $name: sold out in $secs s"
done
sqlite_ratio="$(awk -v a="$(cut -d'|' -f2 <<<"${rows[0]}")" -v b="$r_orders_s" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
echo "Target: ≥ 0.5× the Redis peer on SQLite, durable: ${sqlite_ratio}× ($(awk -v r="$sqlite_ratio" 'BEGIN { print (r >= 0.5 ? "met" : "missed") }'))."
if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed (see above)" >&2
    exit 1
fi
