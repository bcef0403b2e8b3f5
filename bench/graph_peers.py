"""Run the shared graph anchors (../shared/bench) for bench/graph.sh, with two additions:

* the networkit PageRank vector is saved (data/pagerank_<tag>_networkit.npy) so that
  Quanzi's top 100 can be checked against networkit's;
* the wait for a quiet machine before each timed run is capped at $BENCH_QUIET_WAIT_S
  seconds (default 90, as in the shared scripts) - the shared machines are rarely quiet.

Usage: bench/.venv/bin/python bench/graph_peers.py {networkit|igraph} {1m|100k}
       bench/.venv/bin/python bench/graph_peers.py ndlib [RUNS]
Results go to $ANCHOR_RESULTS as the shared scripts write them.
"""
import functools
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench"))

import numpy as np  # noqa: E402

import common  # noqa: E402

common.wait_for_quiet = functools.partial(
    common.wait_for_quiet, max_wait_s=float(os.environ.get("BENCH_QUIET_WAIT_S", "90")))


def main():
    what = sys.argv[1]
    if what == "ndlib":
        import bench_diffusion_ndlib as bd
        bd.wait_for_quiet = common.wait_for_quiet
        sys.argv = [sys.argv[0]] + sys.argv[2:]
        bd.main()
        return
    import bench_graph as bg
    orig = bg.compare_with_igraph

    def save_and_compare(tag, pr, res):
        np.save(os.path.join(common.DATA, f"pagerank_{tag}_{what}.npy"), pr)
        orig(tag, pr, res)

    bg.compare_with_igraph = save_and_compare
    sys.argv = [sys.argv[0], what, sys.argv[2], "--no-btw"]
    bg.main()


if __name__ == "__main__":
    main()
