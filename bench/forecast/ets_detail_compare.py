#!/usr/bin/env python3
"""Per-series comparison of two ETS detail files (r_ets_detail.R for R, forecast_ets_variants'
DETAIL argument for ours): selected model, AICc, sMAPE and MASE of the 48-step forecast on the
held-out last 48 points of each training series, and the means over the common series.

Usage: ets_detail_compare.py TRAIN.csv A.tsv B.tsv
Rows marked << differ by more than 1 sMAPE point.
"""
import csv
import statistics
import sys


def load_detail(path):
    d = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            sid, key, value = parts
            d.setdefault(sid.strip('"'), {})[key] = value
    return d


def load_train(path):
    out = {}
    with open(path, newline="") as f:
        rows = csv.reader(f)
        next(rows)
        for row in rows:
            out[row[0]] = [float(v) for v in row[1:] if v not in ("", "NA")]
    return out


def scores(y, fc, h=48, m=24):
    ins, act = y[:-h], y[-h:]
    smape = sum(200 * abs(a - f) / (abs(a) + abs(f)) for a, f in zip(act, fc)) / h
    scale = sum(abs(ins[t] - ins[t - m]) for t in range(m, len(ins))) / (len(ins) - m)
    mase = sum(abs(a - f) for a, f in zip(act, fc)) / h / scale
    return smape, mase


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    train = load_train(sys.argv[1])
    a, b = load_detail(sys.argv[2]), load_detail(sys.argv[3])
    rows = []
    for sid in a:
        if sid not in b or "fc" not in a[sid] or "fc" not in b[sid]:
            continue
        if sid not in train:
            raise SystemExit(f"error: series {sid} not in {sys.argv[1]}")
        sa, ma = scores(train[sid], [float(v) for v in a[sid]["fc"].split(",")])
        sb, mb = scores(train[sid], [float(v) for v in b[sid]["fc"].split(",")])
        rows.append((sid, a[sid]["method"], float(a[sid]["aicc"]), sa, ma,
                     b[sid]["method"], float(b[sid]["aicc"]), sb, mb))
    if not rows:
        raise SystemExit("error: no series in common")
    print(f"{'id':6} {'A model':12} {'A aicc':>10} {'sMAPE':>7} {'MASE':>6} | "
          f"{'B model':12} {'B aicc':>10} {'sMAPE':>7} {'MASE':>6}")
    for r in rows:
        flag = " <<" if abs(r[3] - r[7]) > 1 else ""
        print(f"{r[0]:6} {r[1]:12} {r[2]:10.1f} {r[3]:7.3f} {r[4]:6.3f} | "
              f"{r[5]:12} {r[6]:10.1f} {r[7]:7.3f} {r[8]:6.3f}{flag}")
    n = len(rows)
    ds = [r[7] - r[3] for r in rows]
    dm = [r[8] - r[4] for r in rows]
    print(f"n={n} A sMAPE {sum(r[3] for r in rows) / n:.3f} MASE {sum(r[4] for r in rows) / n:.3f}"
          f" | B sMAPE {sum(r[7] for r in rows) / n:.3f} MASE {sum(r[8] for r in rows) / n:.3f}")
    print(f"B better: sMAPE on {sum(x < 0 for x in ds)}/{n} series (median B-A {statistics.median(ds):+.3f}),"
          f" MASE on {sum(x < 0 for x in dm)}/{n} (median {statistics.median(dm):+.3f});"
          f" same model on {sum(r[1] == r[5] for r in rows)}; B's AICc lower on"
          f" {sum(r[6] < r[2] for r in rows)}")


if __name__ == "__main__":
    main()
