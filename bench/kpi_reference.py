"""Answers of the KPI queries (b)-(f) from ../shared/bench/queries.py, by DuckDB, as CSV.

Usage: bench/.venv/bin/python bench/kpi_reference.py EVENTS.csv OUT_DIR [--sample-mod 50 --sample-rest 7 --sample-out F.csv.gz]

With --sample-*, first writes the events of members with member_id % mod == rest (whole
member histories, so joins and retention stay meaningful) and answers for that sample.
Used to make the fixture of the analytics equality test (crates/analytics/tests/data) and by
bench/kpi.sh to time DuckDB and check Quanzi's answers on the full data (--runs N).
"""
import argparse
import os
import sys
import time

import duckdb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench"))
import queries  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("events")
p.add_argument("out")
p.add_argument("--sample-mod", type=int)
p.add_argument("--sample-rest", type=int, default=0)
p.add_argument("--sample-out")
p.add_argument("--runs", type=int, default=0, help="also time each query this many times")
a = p.parse_args()
os.makedirs(a.out, exist_ok=True)
con = duckdb.connect()
con.execute("SET threads TO 2")
t = time.perf_counter()
con.execute(f"CREATE TABLE events AS SELECT * FROM read_csv('{a.events}')")
print(f"duckdb load_csv {time.perf_counter() - t:.4f}", flush=True)
if a.sample_mod:
    con.execute(f"CREATE TABLE s AS SELECT * FROM events WHERE member_id % {a.sample_mod} = {a.sample_rest} ORDER BY ts, member_id")
    con.execute("DROP TABLE events")
    con.execute("ALTER TABLE s RENAME TO events")
    if a.sample_out:
        con.execute(f"COPY events TO '{a.sample_out}' (HEADER, COMPRESSION gzip)")
n = con.execute("SELECT count(*) FROM events").fetchone()[0]
print(f"{n} events", file=sys.stderr)
QUERIES = {
    "b_dau": (queries.DAU, "group_id, day"),
    "c_stickiness": (queries.STICKINESS, "group_id, period"),
    "d_retention": (queries.RETENTION, "cohort, week"),
    "e_gmv": (queries.GMV, "group_id"),
    "f_top_products": (queries.TOP_PRODUCTS, "rk"),
}
for name, (sql, order) in QUERIES.items():
    for i in range(a.runs):
        t = time.perf_counter()
        con.execute(sql).fetchall()
        print(f"duckdb {name} {time.perf_counter() - t:.4f}", flush=True)
    con.execute(f"COPY (SELECT * FROM ({sql}) ORDER BY {order}) TO '{a.out}/{name}.csv' (HEADER)")
