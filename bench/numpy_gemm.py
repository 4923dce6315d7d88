#!/usr/bin/python3
"""numpy's float32 matrix product of the assignment kernel's shape.

N×D rows times a D×K centre matrix, 2·N·K·D flops, best of 5, on one thread
and on all threads. Usage: numpy_gemm.py [N D K]
"""
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits, threadpool_info

n, d, k = (int(a) for a in sys.argv[1:4]) if len(sys.argv) > 3 else (1_000_000, 32, 100)
rng = np.random.default_rng(1)
x = rng.standard_normal((n, d), dtype=np.float32)
c = rng.standard_normal((d, k), dtype=np.float32)
info = [(i.get("internal_api"), i.get("architecture"), i.get("num_threads")) for i in threadpool_info()]
print(f"numpy {np.__version__}, BLAS {info}")
for threads in (1, None):
    with threadpool_limits(limits=threads):
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            np.dot(x, c)
            best = min(best, time.perf_counter() - t0)
    flops = 2 * n * k * d
    print(f"numpy.dot {n}x{d} · {d}x{k} float32, threads={threads or 'all'}: {best:.4f}s, {flops / best / 1e9:.2f} GFLOP/s")
