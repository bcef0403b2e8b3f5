#!/bin/bash
# Dashboard latency: min / median / max of 15 calls of each KPI endpoint after a warm-up call.
# Usage: bash bench/kpi_latency.sh http://127.0.0.1:8080 <api key>  (a server already running)
B=$1; K=$2
for ep in overview groups retention funnel products visits; do
  curl -s -o /dev/null -H "Authorization: Bearer $K" "$B/api/v1/kpi/$ep"
  ts=()
  for i in $(seq 1 15); do
    t=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $K" "$B/api/v1/kpi/$ep")
    ts+=($t)
  done
  printf '%s\n' "${ts[@]}" | sort -n | awk -v ep=$ep '{a[NR]=$1} END {printf "%-10s min %.1f ms  median %.1f ms  max %.1f ms\n", ep, a[1]*1000, a[int((NR+1)/2)]*1000, a[NR]*1000}'
done
