#!/usr/bin/env bash
# DBSCAN on 50,000 points in 4 dimensions (standardised blobs + uniform noise): scikit-learn
# (Debian python3-sklearn, default algorithm) vs ours, best of 5 each, same input, same run;
# checks that the labels are identical and prints the speed ratio.
# Usage: bench/anomaly/dbscan_vs_sklearn.sh [BIN_DIR]   (default build/bin)
set -euo pipefail
BIN=${1:-${STREAMLENS_BIN_DIR:-build/bin}}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
EPS=${EPS:-0.12}
MIN=${MIN_SAMPLES:-10}
SK_LINE=$(/usr/bin/python3 - "$TMP" "$EPS" "$MIN" <<'PY'
import sys, time
import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.preprocessing import StandardScaler
tmp, eps, m = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(7)
n = 50000
centers = rng.uniform(-6, 6, size=(6, 4))
k = int(n * 0.95)
x = np.vstack([centers[rng.integers(0, 6, size=k)] + rng.normal(0, 0.8, size=(k, 4)),
               rng.uniform(-9, 9, size=(n - k, 4))])
rng.shuffle(x)
x = StandardScaler().fit_transform(x)
np.savetxt(f"{tmp}/points.csv", x, delimiter=",", header="x0,x1,x2,x3", comments="", fmt="%.17g")
best = 1e30
for _ in range(5):
    t0 = time.perf_counter()
    labels = DBSCAN(eps=eps, min_samples=m).fit(x).labels_
    best = min(best, time.perf_counter() - t0)
np.savetxt(f"{tmp}/sk_labels.txt", labels, fmt="%d")
print(f"sklearn_seconds={best:.6f} clusters={labels.max() + 1} noise={(labels == -1).sum()}")
PY
)
echo "$SK_LINE"
ours=$("$BIN/dbscan_compare" "$TMP/points.csv" "$EPS" "$MIN" "$TMP/our_labels.txt" 5)
echo "$ours"
mismatch=$(paste -d' ' "$TMP/sk_labels.txt" "$TMP/our_labels.txt" | awk '$1!=$2' | wc -l)
echo "label_mismatches=$mismatch"
echo "$SK_LINE $ours" | sed -n 's/.*sklearn_seconds=\([0-9.]*\).*ours_seconds=\([0-9.]*\).*/\1 \2/p' |
  awk '{printf "ratio (sklearn / ours) = %.1fx\n", $1 / $2}'
