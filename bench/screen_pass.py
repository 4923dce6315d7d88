#!/usr/bin/python3
"""How many rows the nearest-centre screen (algo/assign_screen.go) can settle.

For a model written by `shoal run --model` and the .npy copy of its data
that bench/sklearn_kmeans.py makes, prints the share of rows (the first
200000) that are nearer to their nearest centre than half that centre's
distance to any other centre, and how often the first m features alone
guess that centre.
Usage: screen_pass.py MODEL.json DATA.npy
"""
import json
import sys

import numpy as np

model, data = sys.argv[1], sys.argv[2]
C = np.array(json.load(open(model))["centers"], dtype=np.float64)
X = np.load(data)[:200000].astype(np.float64)
n = len(X)
cc = np.sqrt(((C[:, None, :] - C[None, :, :]) ** 2).sum(-1))
np.fill_diagonal(cc, np.inf)
half = 0.5 * cc.min(1)
D = (X ** 2).sum(1)[:, None] - 2 * X @ C.T + (C ** 2).sum(1)[None, :]
near = D.argmin(1)
dist = np.sqrt(np.maximum(D[np.arange(n), near], 0))
print(f"rows inside half their centre's separation: {(dist < half[near]).mean():.6f}")
for m in (4, 8, 16):
    P = ((X[:, None, :m] - C[None, :, :m]) ** 2).sum(-1)
    print(f"first {m} features guess the nearest centre: {(P.argmin(1) == near).mean():.6f}")
