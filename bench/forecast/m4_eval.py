#!/usr/bin/env python3
"""Scores M4-layout forecasts: sMAPE, MASE, OWA (REFERENCE.md section 5) and interval coverage.

Usage: m4_eval.py --train Hourly-train.csv --forecast F.csv [--holdout 48] [--test TEST.csv]
                  [--intervals I.csv] [--season 24]

Validation mode (default, --holdout H): the actuals are the last H points of each training
series and MASE's in-sample scale uses the points before them. With --test, the actuals come from
the test file and the whole training series is in-sample. OWA divides by the scores of Naive2
(M4's benchmark: naive on the classically deseasonalised series when the 90% ACF test finds
seasonality) computed here on the same split; --published-naive2 uses the published M4 Hourly
test-set Naive2 scores (sMAPE 18.383, MASE 2.395) instead.
Coverage: share of actuals inside each interval level, plus mean scaled interval width.
"""
import argparse
import csv
import math
import sys


def read_m4(path):
    out = {}
    with open(path, newline="") as f:
        rows = csv.reader(f)
        for i, row in enumerate(rows):
            if not row:
                continue
            vals = [v for v in row[1:] if v not in ("", "NA")]
            try:
                nums = [float(v) for v in vals]
            except ValueError:
                if i == 0:
                    continue  # header
                raise SystemExit(f"{path}:{i+1}: non-numeric field in row {row[0]}")
            out[row[0]] = nums
    return out


def acf(x, k):
    n = len(x)
    mu = sum(x) / n
    den = sum((v - mu) ** 2 for v in x)
    if den == 0:
        return 0.0
    return sum((x[t] - mu) * (x[t - k] - mu) for t in range(k, n)) / den


def naive2(ins, h, m):
    """M4 Naive2: seasonality test, multiplicative classical decomposition, naive, reseasonalise."""
    n = len(ins)
    seasonal = False
    if m > 1 and n >= 3 * m:
        r = [acf(ins, k) for k in range(1, m + 1)]
        limit = 1.645 * math.sqrt((1 + 2 * sum(v * v for v in r[:-1])) / n)
        seasonal = abs(r[-1]) > limit
    if not seasonal:
        return [ins[-1]] * h
    half = m // 2
    sums, counts = [0.0] * m, [0] * m
    for t in range(half, n - half):
        if m % 2 == 0:
            w = 0.5 * ins[t - half] + 0.5 * ins[t + half] + sum(ins[t - half + 1:t + half])
        else:
            w = sum(ins[t - half:t + half + 1])
        sums[t % m] += ins[t] / (w / m)
        counts[t % m] += 1
    fig = [sums[k] / counts[k] for k in range(m)]
    mean = sum(fig) / m
    fig = [f / mean for f in fig]
    last = ins[-1] / fig[(n - 1) % m]
    return [last * fig[(n + i) % m] for i in range(h)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--forecast", required=True)
    ap.add_argument("--holdout", type=int, default=48)
    ap.add_argument("--test")
    ap.add_argument("--intervals")
    ap.add_argument("--season", type=int, default=24)
    ap.add_argument("--published-naive2", action="store_true")
    ap.add_argument("--label", default="")
    args = ap.parse_args()

    train = read_m4(args.train)
    fc = read_m4(args.forecast)
    test = read_m4(args.test) if args.test else None
    m = args.season
    smapes, mases, n2_smapes, n2_mases = [], [], [], []
    insample, actuals = {}, {}
    for sid, f in fc.items():
        if sid not in train:
            raise SystemExit(f"series {sid} in forecast but not in training file")
        x = train[sid]
        if test is not None:
            ins, act = x, test[sid]
        else:
            ins, act = x[: len(x) - args.holdout], x[len(x) - args.holdout:]
        h = min(len(act), len(f))
        if h == 0:
            raise SystemExit(f"series {sid}: no overlap between forecast and actuals")
        act, f = act[:h], f[:h]
        scale = sum(abs(ins[t] - ins[t - m]) for t in range(m, len(ins))) / (len(ins) - m)
        s = sum(200.0 * abs(a - b) / (abs(a) + abs(b)) if (abs(a) + abs(b)) > 0 else 0.0
                for a, b in zip(act, f)) / h
        mae = sum(abs(a - b) for a, b in zip(act, f)) / h
        smapes.append(s)
        mases.append(mae / scale if scale > 0 else float("nan"))
        n2 = naive2(ins, h, m)
        n2_smapes.append(sum(200.0 * abs(a - b) / (abs(a) + abs(b)) if (abs(a) + abs(b)) > 0
                             else 0.0 for a, b in zip(act, n2)) / h)
        n2_mases.append(sum(abs(a - b) for a, b in zip(act, n2)) / h / scale
                        if scale > 0 else float("nan"))
        insample[sid], actuals[sid] = (scale, ins), act
    valid_mase = [v for v in mases if not math.isnan(v)]
    smape = sum(smapes) / len(smapes)
    mase = sum(valid_mase) / len(valid_mase)
    if args.published_naive2:
        ref_smape, ref_mase = 18.383, 2.395
    else:
        ref_smape = sum(n2_smapes) / len(n2_smapes)
        valid = [v for v in n2_mases if not math.isnan(v)]
        ref_mase = sum(valid) / len(valid)
    owa = (smape / ref_smape + mase / ref_mase) / 2
    label = (args.label + " ") if args.label else ""
    print(f"{label}series={len(smapes)} sMAPE={smape:.3f} MASE={mase:.3f} OWA={owa:.3f} "
          f"(Naive2 sMAPE={ref_smape:.3f} MASE={ref_mase:.3f})")
    if args.intervals:
        cover, total, width = {}, {}, {}
        bounds = {}
        with open(args.intervals, newline="") as f:
            for i, row in enumerate(csv.reader(f)):
                if i == 0 or not row:
                    continue
                bounds[(row[0], float(row[1]), row[2])] = [float(v) for v in row[3:]]
        for (sid, level, bound), lo in bounds.items():
            if bound != "lower" or sid not in actuals:
                continue
            hi = bounds[(sid, level, "upper")]
            act = actuals[sid]
            scale = insample[sid][0]
            for t, a in enumerate(act):
                cover[level] = cover.get(level, 0) + (lo[t] <= a <= hi[t])
                total[level] = total.get(level, 0) + 1
                width[level] = width.get(level, 0.0) + ((hi[t] - lo[t]) / scale if scale > 0 else 0)
        for level in sorted(cover):
            print(f"{label}coverage level={level:g} observed={cover[level] / total[level]:.3f} "
                  f"scaled_width={width[level] / total[level]:.3f}")


if __name__ == "__main__":
    sys.exit(main())
