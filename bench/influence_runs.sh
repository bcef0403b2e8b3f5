#!/bin/bash
# Influence runs on a live tenant: asks for a scores run, a seeds run (k=50) and a simulation
# of the top three influencers, waits for each and prints its time and headline figures.
# Usage: bash bench/influence_runs.sh http://127.0.0.1:8080 <write api key>
set -euo pipefail
B=$1; K=$2
run() {
  local id state
  id=$(curl -s -X POST -H "Authorization: Bearer $K" -H 'content-type: application/json' \
    -d "$1" "$B/api/v1/influence/runs" | python3 -c "import json,sys; print(json.load(sys.stdin)['run_id'])")
  while :; do
    state=$(curl -s -H "Authorization: Bearer $K" "$B/api/v1/influence/runs/$id" |
      python3 -c "import json,sys; print(json.load(sys.stdin)['state'])")
    case "$state" in done|failed) break ;; esac
    sleep 0.5
  done
  python3 - "$(curl -s -H "Authorization: Bearer $K" "$B/api/v1/influence/runs/$id")" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
res = r["result"] or {}
secs = (r["finished_at_ms"] - r["started_at_ms"]) / 1000
print(f"{r['kind']:9} {r['state']:6} {secs:7.2f} s  graph {res.get('graph')}")
for c in res.get("comparison", []):
    s = c["spread"]
    print(f"   {c['method']:16} mean reach {s['mean_reach']:8.2f}  95% CI {s['ci95']}  outside {s['mean_outside']}")
if "imm" in res:
    print("   imm", res["imm"])
if "spread" in res:
    print("   spread", res["spread"]["mean_reach"], res["spread"]["ci95"], "outside", res["spread"]["mean_outside"])
if r["error"]:
    print("   error:", r["error"])
PY
}

run '{"kind":"scores"}'
run '{"kind":"seeds","k":50}'
top=$(curl -s -H "Authorization: Bearer $K" "$B/api/v1/influence/kol?role=influencer&limit=3" |
  python3 -c "import json,sys; print(json.dumps([e['member']['member_id'] for e in json.load(sys.stdin)['items']]))")
run "{\"kind\":\"simulate\",\"member_ids\":$top}"
