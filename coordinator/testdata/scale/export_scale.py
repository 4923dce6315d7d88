"""Exports scikit-learn's wine and breast cancer data and scikit-learn's
fitted scalers and standardised k-means, the reference of
coordinator/scale_e2e_test.go.

Run from the repository root:
    /usr/bin/python3 coordinator/testdata/scale/export_scale.py
It writes <name>.csv (the features, a header of f0, f1, ...) and
<name>_sklearn.json beside itself.
"""
import json
import os
import re

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))


def export(name, bunch, k):
    X, y = bunch.data.astype(np.float64), bunch.target
    cols = ["f%d" % j for j in range(X.shape[1])]
    with open(os.path.join(HERE, name + ".csv"), "w") as f:
        f.write(",".join(cols) + "\n")
        for row in X:
            f.write(",".join(repr(float(v)) for v in row) + "\n")
    std = StandardScaler().fit(X)
    mm = MinMaxScaler().fit(X)
    rb = RobustScaler().fit(X)
    km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(std.transform(X))
    out = {
        "sklearn_version": sklearn.__version__,
        "n": int(X.shape[0]),
        "columns": cols,
        "feature_names": [str(n) for n in bunch.feature_names],
        "target": [int(v) for v in y],
        "standard": {"mean": std.mean_.tolist(), "scale": std.scale_.tolist()},
        "minmax": {"data_min": mm.data_min_.tolist(), "data_max": mm.data_max_.tolist(),
                   "data_range": mm.data_range_.tolist()},
        "robust": {"center": rb.center_.tolist(), "scale": rb.scale_.tolist()},
        "kmeans": {"k": k, "n_init": 10, "random_state": 0, "inertia": float(km.inertia_),
                   "labels": [int(v) for v in km.labels_],
                   "ari": float(adjusted_rand_score(y, km.labels_)),
                   "raw_ari": float(adjusted_rand_score(
                       y, KMeans(n_clusters=k, n_init=10, random_state=0).fit(X).labels_))},
    }
    with open(os.path.join(HERE, name + "_sklearn.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(name, X.shape, "inertia", km.inertia_, "ari", out["kmeans"]["ari"], "raw ari", out["kmeans"]["raw_ari"])


export("wine", load_wine(), 3)
export("breast_cancer", load_breast_cancer(), 2)
