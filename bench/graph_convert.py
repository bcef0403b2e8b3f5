"""Write the shared benchmark graphs as flat binary files for Quanzi's graph_bench example.

data/graph_<tag>.npz -> data/graph_<tag>.bin: little-endian u64 n, u64 m, m x u32 sources,
m x u32 targets. Skips a graph whose .bin is newer than its .npz.
Usage: bench/.venv/bin/python bench/graph_convert.py <data dir>
"""
import os
import sys

import numpy as np

data = sys.argv[1]
for tag in ("1m", "100k"):
    src_path = os.path.join(data, f"graph_{tag}.npz")
    out_path = os.path.join(data, f"graph_{tag}.bin")
    if os.path.exists(out_path) and os.path.getmtime(out_path) >= os.path.getmtime(src_path):
        continue
    z = np.load(src_path)
    with open(out_path, "wb") as f:
        f.write(np.array([int(z["n"]), len(z["src"])], dtype="<u8").tobytes())
        f.write(z["src"].astype("<u4").tobytes())
        f.write(z["dst"].astype("<u4").tobytes())
    print(f"wrote {out_path}")
