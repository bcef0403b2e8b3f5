"""Checks that Quanzi's answers to (b)-(f) equal DuckDB's (CSV dirs from kpi_store_bench and
kpi_reference.py). Prints one line per query; exits 1 on any difference.

Usage: python3 bench/kpi_compare.py QUANZI_DIR DUCKDB_DIR
"""
import csv
import math
import sys

KEYS = {
    "b_dau": ["group_id", "day"],
    "c_stickiness": ["group_id", "period"],
    "d_retention": ["cohort", "week"],
    "e_gmv": ["group_id"],
    "f_top_products": ["rk"],
}


def load(path, key):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {tuple(str(int(float(r[k]))) for k in key): r for r in rows}


def same(a, b):
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a == b
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=0.005)


def main():
    qdir, ddir = sys.argv[1], sys.argv[2]
    bad = 0
    for name, key in KEYS.items():
        q = load(f"{qdir}/{name}.csv", key)
        d = load(f"{ddir}/{name}.csv", key)
        diffs = []
        if q.keys() != d.keys():
            diffs.append(f"rows differ: {len(q)} vs {len(d)} "
                         f"(only Quanzi: {list(q.keys() - d.keys())[:3]}, only DuckDB: {list(d.keys() - q.keys())[:3]})")
        for k in q.keys() & d.keys():
            for col, v in d[k].items():
                if col in q[k] and not same(q[k][col], v):
                    diffs.append(f"{k} {col}: {q[k][col]} vs {v}")
                    break
        print(f"{name}: {'equal' if not diffs else 'DIFFERENT'} ({len(d)} rows)"
              + ("" if not diffs else " — " + "; ".join(diffs[:3])))
        bad += bool(diffs)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
