"""Exports scikit-learn's bundled iris, wine and digits data sets to CSV and
computes the reference values that validity's tests compare against.

Run from the repository root with Debian's Python (python3-sklearn):

    /usr/bin/python3 algo/validity/testdata/export.py

It writes <name>.csv (feature columns f0.., then `target`, the true
class, and `kmeans`, the labels of KMeans(n_clusters=classes,
n_init=10, random_state=0)) and reference.json. Every reference value is
computed on the features rounded to float32 and widened back to float64,
which is exactly what shoal reads from the CSV, so the only difference
left is the order of floating-point sums.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.cluster import KMeans
from sklearn.metrics import (calinski_harabasz_score, davies_bouldin_score,
                             pairwise_distances, silhouette_score)

out = os.path.dirname(os.path.abspath(__file__))
ref = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
       "python": sys.version.split()[0], "datasets": {}}

for name, loader in [("iris", datasets.load_iris), ("wine", datasets.load_wine),
                     ("digits", datasets.load_digits)]:
    X, y = loader(return_X_y=True)
    X = X.astype(np.float32)
    k = len(np.unique(y))
    km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(X.astype(np.float64))
    labels = {"target": y.astype(np.int32), "kmeans": km.labels_.astype(np.int32)}
    cols = ["f%d" % j for j in range(X.shape[1])]
    with open(os.path.join(out, name + ".csv"), "w") as f:
        f.write(",".join(cols + ["target", "kmeans"]) + "\n")
        for i in range(X.shape[0]):
            # repr of a float32 round-trips to the same float32.
            f.write(",".join([repr(float(np.float32(v))) if v != int(v) else str(int(v))
                              for v in X[i]] +
                             [str(labels["target"][i]), str(labels["kmeans"][i])]) + "\n")
    X64 = X.astype(np.float64)
    D = pairwise_distances(X64, metric="euclidean")
    D1 = pairwise_distances(X64, metric="manhattan")
    entry = {"n": X.shape[0], "d": X.shape[1], "k": k}
    for lab_name, lab in labels.items():
        # medoids: per cluster, the row with the least total distance to its
        # cluster (the PAM medoid of that cluster); lowest index on ties.
        medoids = []
        for c in range(k):
            idx = np.flatnonzero(lab == c)
            medoids.append(int(idx[np.argmin(D[np.ix_(idx, idx)].sum(axis=1))]))
        dm = np.sort(D[:, medoids], axis=1)
        msil = float(np.mean(1 - dm[:, 0] / dm[:, 1]))
        entry[lab_name] = {
            "silhouette": float(silhouette_score(X64, lab, metric="euclidean")),
            "silhouette_manhattan": float(silhouette_score(X64, lab, metric="manhattan")),
            "calinski_harabasz": float(calinski_harabasz_score(X64, lab)),
            "davies_bouldin": float(davies_bouldin_score(X64, lab)),
            "medoid_rows": medoids,
            "medoid_silhouette": msil,
        }
    ref["datasets"][name] = entry

with open(os.path.join(out, "reference.json"), "w") as f:
    json.dump(ref, f, indent=1, sort_keys=True)
    f.write("\n")
