"""Print the graph benchmark table (markdown) from one run's results.

Reads $ANCHOR_RESULTS/graph_{networkit,igraph}_{1m,100k}.json and diffusion_ndlib.json (the
shared anchors, via bench/graph_peers.py), $ANCHOR_RESULTS/graph_quanzi.json (the
graph_bench example) and $ANCHOR_DATA/pagerank_<tag>_networkit.npy (for the top-100 check).
Usage: bench/.venv/bin/python bench/graph_table.py
"""
import json
import os
import platform
import time

import numpy as np

DATA = os.environ["ANCHOR_DATA"]
RESULTS = os.environ["ANCHOR_RESULTS"]


def load(name):
    path = os.path.join(RESULTS, f"{name}.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def fig(d, *keys):
    d = d.get("figures", d)
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def s(x, digits=3):
    return "—" if x is None else f"{x:.{digits}f}"


def ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.3f}×"


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.platform()}"


def main():
    q = load("graph_quanzi")
    print(f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}.")
    print("Times are the minimum of 3 runs (IMM: 1 run), seconds; ratio = Quanzi / peer.\n")
    print("| work | graph | Quanzi | networkit | igraph | Quanzi / networkit | Quanzi / igraph | target |")
    print("|---|---|---|---|---|---|---|---|")
    for tag in ("1m", "100k"):
        nk, ig = load(f"graph_networkit_{tag}"), load(f"graph_igraph_{tag}")
        qp = fig(q, f"pagerank_{tag}", "min_s")
        nkp = fig(nk, "pagerank_power", "min_s")
        igp = fig(ig, "pagerank_prpack", "min_s")
        it = f" ({q.get(f'pagerank_{tag}_iterations', '?')} it. vs {fig(nk, 'pagerank_power', 'iterations')})"
        print(f"| PageRank d=0.85 tol 1e-6, 2 threads{it} | {tag} | {s(qp)} | {s(nkp)} | {s(igp)} | "
              f"{ratio(qp, nkp)} | {ratio(qp, igp)} | ≤ 0.33× networkit |")
        qw, nkw, igw = fig(q, f"wcc_{tag}", "min_s"), fig(nk, "wcc", "min_s"), fig(ig, "wcc", "min_s")
        print(f"| weakly connected components ({q.get(f'wcc_{tag}_components', '?')} vs "
              f"{fig(nk, 'wcc', 'components')}) | {tag} | {s(qw, 4)} | {s(nkw)} | {s(igw)} | "
              f"{ratio(qw, nkw)} | {ratio(qw, igw)} | ≤ 0.5× networkit |")
    nd = load("diffusion_ndlib")
    qic = q.get("ic_100k_per_cascade_min_s")
    ndic = fig(nd, "ndlib_ic_per_run", "min_s")
    npic = fig(nd, "numpy_ic_per_run", "min_s")
    print()
    print("| Independent Cascade, 100k graph, p = 0.01, 100 random seeds | per cascade, min s | "
          "NDlib / this | mean cascade |")
    print("|---|---|---|---|")
    print(f"| Quanzi | {s(qic, 7)} | {'—' if not qic or not ndic else f'{ndic / qic:,.0f}×'} "
          f"| {q.get('ic_100k_mean_cascade', '—')} (mean), "
          f"{q.get('ic_100k_median_cascade', '—')} (median) |")
    print(f"| NDlib 6.0.1 | {s(ndic, 4)} | 1× | {fig(nd, 'ndlib_ic_per_run', 'cascade_size_median')} (median) |")
    print(f"| vectorised numpy | {s(npic, 5)} | {'—' if not npic or not ndic else f'{ndic / npic:,.0f}×'} "
          f"| {fig(nd, 'numpy_ic_per_run', 'cascade_size_median')} (median) |")
    print("\nTarget: Quanzi ≥ 1000× faster than NDlib per cascade.\n")
    for tag in ("1m", "100k"):
        p = os.path.join(DATA, f"pagerank_{tag}_networkit.npy")
        top = q.get(f"pagerank_{tag}_top100")
        if os.path.exists(p) and top:
            ref = np.load(p)
            ref_top = np.argsort(-ref, kind="stable")[:100].tolist()
            same_set = set(ref_top) == set(top)
            print(f"PageRank top 100 on {tag}: {len(set(ref_top) & set(top))}/100 shared with "
                  f"networkit's ({'same set' if same_set else 'DIFFERENT set'}; same order: "
                  f"{ref_top == top}).")
    imm = fig(q, "imm_1m_wc", "min_s")
    if imm is not None:
        rr = q.get("imm_1m_wc_rr_spread", {})
        mc = q.get("imm_1m_wc_mc100_mean_ci95", {})
        print(f"\nIMM, 1m graph, IC with weighted-cascade probabilities (1/in-degree), k = 50, "
              f"ε = 0.1, ℓ = 1: {imm:.1f} s (target < 60 s), {q.get('imm_1m_wc_rr_sets')} RR sets; "
              f"degree discount {s(fig(q, 'degree_discount_1m_wc', 'min_s'), 3)} s.\n")
        print(f"| seed set (k = 50) | spread, {q.get('imm_1m_wc_rr_samples')} fresh RR sets "
              "(same sets for all) | spread, 100 Monte Carlo runs (95% CI) |")
        print("|---|---|---|")
        for key, name in (("imm", "IMM"), ("top_degree", "top 50 by out-degree"),
                          ("degree_discount", "degree discount")):
            m = mc.get(key)
            mcs = "—" if not m else f"{m[0]:,.0f} ({m[1]:,.0f} – {m[2]:,.0f})"
            print(f"| {name} | {rr.get(key, 0):,.0f} | {mcs} |")
        print("\nTarget: IMM spread ≥ top-50-by-degree's.")


if __name__ == "__main__":
    main()
