#!/usr/bin/env python3
"""Per-series comparison of two M4-layout forecast files on the M4 validation split (the last
H points of each training series held out), e.g. R's forecast::ets (KEEP_R_FORECAST of
ets_vs_r.sh) against ours: how many series have the same forecasts, sMAPE/MASE of both, and the
series where B gains or loses most against A.

Usage: ets_forecast_compare.py TRAIN.csv A.csv B.csv [--top K] [--horizon H] [--season M]
"""
import argparse
import csv
import statistics


def read_rows(path):
    with open(path, newline="") as f:
        rows = csv.reader(f)
        next(rows)
        return {r[0].strip('"'): [float(v) for v in r[1:] if v not in ("", "NA")] for r in rows}


def scores(y, fc, h, m):
    ins, act = y[:-h], y[-h:]
    smape = sum(200 * abs(a - f) / (abs(a) + abs(f)) for a, f in zip(act, fc)) / h
    scale = sum(abs(ins[t] - ins[t - m]) for t in range(m, len(ins))) / (len(ins) - m)
    return smape, sum(abs(a - f) for a, f in zip(act, fc)) / h / scale


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("train")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--horizon", type=int, default=48)
    ap.add_argument("--season", type=int, default=24)
    args = ap.parse_args()
    train, fa, fb = read_rows(args.train), read_rows(args.a), read_rows(args.b)
    common = [k for k in fa if k in fb]
    if not common:
        raise SystemExit(f"error: {args.a} and {args.b} have no series in common")
    rows = []
    for k in common:
        if k not in train:
            raise SystemExit(f"error: series {k} not in {args.train}")
        if len(fa[k]) != args.horizon or len(fb[k]) != args.horizon:
            raise SystemExit(f"error: series {k}: expected {args.horizon} forecasts in both files")
        rel = max(abs(x - y) / max(abs(x), 1e-12) for x, y in zip(fa[k], fb[k]))
        sa, ma = scores(train[k], fa[k], args.horizon, args.season)
        sb, mb = scores(train[k], fb[k], args.horizon, args.season)
        rows.append((sb - sa, mb - ma, k, sa, sb, ma, mb, rel))
    n = len(rows)
    print(f"series={n} A sMAPE={sum(r[3] for r in rows) / n:.3f} MASE={sum(r[5] for r in rows) / n:.3f}"
          f" | B sMAPE={sum(r[4] for r in rows) / n:.3f} MASE={sum(r[6] for r in rows) / n:.3f}")
    for tol in (1e-6, 1e-3):
        print(f"forecasts equal within {tol:g} (relative, every step): "
              f"{sum(r[7] <= tol for r in rows)}/{n}")
    print(f"max relative forecast difference {max(r[7] for r in rows):.3g}; B better sMAPE on "
          f"{sum(r[0] < -1e-9 for r in rows)}, worse on {sum(r[0] > 1e-9 for r in rows)}; "
          f"median B-A {statistics.median(r[0] for r in rows):+.4f}")
    rows.sort()
    print(f"B gains most (id, B-A sMAPE, B-A MASE, A sMAPE, B sMAPE, max rel diff):")
    for r in rows[: args.top]:
        if r[0] < 0:
            print(f"  {r[2]:6} {r[0]:+8.3f} {r[1]:+8.3f} {r[3]:8.3f} {r[4]:8.3f} {r[7]:.2g}")
    print("B loses most:")
    for r in reversed(rows[len(rows) - args.top:]):
        if r[0] > 0:
            print(f"  {r[2]:6} {r[0]:+8.3f} {r[1]:+8.3f} {r[3]:8.3f} {r[4]:8.3f} {r[7]:.2g}")


if __name__ == "__main__":
    main()
