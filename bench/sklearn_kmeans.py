#!/usr/bin/python3
"""scikit-learn's KMeans and MiniBatchKMeans on a CSV written by `shoal gen`.

Prints one line per model: fit time, inertia over all rows, iterations.
Usage: sklearn_kmeans.py FILE.csv K [SEED]
"""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans, MiniBatchKMeans

path, k = sys.argv[1], int(sys.argv[2])
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
df = pd.read_csv(path)
X = df.drop(columns=["label"]).to_numpy(dtype=np.float32)
print(f"data {path}: n={X.shape[0]} d={X.shape[1]} k={k}", flush=True)

for name, model in [
    ("minibatch", MiniBatchKMeans(n_clusters=k, batch_size=1024, n_init=1, random_state=seed)),
    ("kmeans", KMeans(n_clusters=k, n_init=1, random_state=seed)),
]:
    t0 = time.perf_counter()
    model.fit(X)
    fit = time.perf_counter() - t0
    # Inertia over all rows, in float64, as shoal reports it.
    labels = model.predict(X)
    c = model.cluster_centers_.astype(np.float64)
    inertia = 0.0
    for lo in range(0, X.shape[0], 100_000):
        xb = X[lo:lo + 100_000].astype(np.float64)
        inertia += ((xb - c[labels[lo:lo + 100_000]]) ** 2).sum()
    print(f"sklearn {name:9s} fit {fit:.3f}s  inertia {inertia:.6g}  iterations {model.n_iter_}  "
          f"({fit / max(model.n_iter_, 1):.4f}s per iteration)", flush=True)
