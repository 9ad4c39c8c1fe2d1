#!/usr/bin/env python3
"""Scores selection/combination rules for the automatic default from an auto_trace dump.

Usage: auto_rules.py --train Hourly-train.csv --trace trace.jsonl [--holdout 48] [--horizon H]
                     [--season 24]

--horizon defaults to --holdout. A second, earlier holdout: dump the trace with HOLDOUT=96 and
HORIZON=48 (auto_trace) and score with --holdout 96 --horizon 48: the actuals are then the 48
points before the last 48, which no fit has seen either.

Each rule only looks at the candidates' rolling-origin validation forecasts (inside the series'
history); the held-out last HOLDOUT points are used for scoring only. Prints sMAPE / MASE per
single candidate and per rule.
"""
import argparse
import csv
import itertools
import json
import math


def trace_arg_parser():
    """The arguments of every script that scores a forecast_auto_trace dump: --train (M4 file),
    --trace (JSON lines), --holdout, --horizon (0: the holdout), --season."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--trace", required=True)
    ap.add_argument("--holdout", type=int, default=48)
    ap.add_argument("--horizon", type=int, default=0)
    ap.add_argument("--season", type=int, default=24)
    return ap


def read_m4(path):
    out = {}
    with open(path, newline="") as f:
        for i, row in enumerate(csv.reader(f)):
            if i == 0 or not row:
                continue
            out[row[0]] = [float(v) for v in row[1:] if v not in ("", "NA")]
    return out


def smape(a, f):
    return sum(200.0 * abs(x - y) / (abs(x) + abs(y)) if abs(x) + abs(y) > 0 else 0.0
               for x, y in zip(a, f)) / len(a)


def mae(a, f):
    return sum(abs(x - y) for x, y in zip(a, f)) / len(a)


def scale(x, m):
    lag = m if len(x) > m else 1
    s = sum(abs(x[t] - x[t - lag]) for t in range(lag, len(x))) / max(1, len(x) - lag)
    return s if s > 0 else 1e-12


def vscore(series, origins, preds, m, h, positive):
    """OWA-like validation error of forecasts `preds[w]` made at origins[w] (as forecast.cc)."""
    tot = 0.0
    for w, o in enumerate(origins):
        act = series[o:o + h]
        p = preds[w]
        sc = scale(series[:o], m)
        e = mae(act, p) / sc
        tot += 0.5 * (smape(act, p) / 18.383 + e / 2.395) if positive else e
    return tot / max(1, len(origins))


def mean_of(vs):
    return [sum(c) / len(c) for c in zip(*vs)]


def median_of(vs):
    out = []
    for c in zip(*vs):
        s = sorted(c)
        k = len(s)
        out.append(s[k // 2] if k % 2 else 0.5 * (s[k // 2 - 1] + s[k // 2]))
    return out


def main():
    ap = trace_arg_parser()
    ap.add_argument("--pools", default="",
                    help="only score the 8-step greedy rule, once per candidate pool: "
                         "'|'-separated lists of comma-separated candidate names to leave out "
                         "(an empty list = every candidate), e.g. 'global,global2|global2|'")
    args = ap.parse_args()
    train = read_m4(args.train)
    m, hold = args.season, args.holdout
    h = args.horizon or hold
    recs = [json.loads(l) for l in open(args.trace) if l.strip()]
    totals = {}

    def add(name, sm, ms):
        a = totals.setdefault(name, [0.0, 0.0, 0])
        a[0] += sm
        a[1] += ms
        a[2] += 1

    for r in recs:
        x = train[r["id"]]
        ins, act = x[:-hold], x[-hold:][:h]
        assert len(ins) == r["n"], r["id"]
        sc = scale(ins, m)
        positive = min(ins) > 0

        def score(f):
            return smape(act, f[:h]), mae(act, f[:h]) / sc

        add("auto (as run)", *score(r["auto"]))
        cands = {k: v for k, v in r["candidates"].items()
                 if v["score"] is not None and v["final"] and len(v["validation"]) == len(r["origins"])}
        for k, v in cands.items():
            add("single " + k, *score(v["final"]))
        if not r["origins"] or not cands:
            continue
        names = sorted(cands, key=lambda k: cands[k]["score"])
        if args.pools:
            for pool in args.pools.split("|"):
                drop = set(x for x in pool.split(",") if x)
                pool_names = [c for c in names if c not in drop]
                val = lambda members, comb=mean_of: vscore(
                    ins, r["origins"], [comb([cands[c]["validation"][w] for c in members])
                                        for w in range(len(r["origins"]))], m, h, positive)
                bag = []
                for _ in range(8):
                    best_c, best_s = None, math.inf
                    for c in pool_names:
                        s = val(bag + [c])
                        if s < best_s:
                            best_c, best_s = c, s
                    bag.append(best_c)
                add("greedy8 without [" + ",".join(sorted(drop)) + "]",
                    *score(mean_of([cands[c]["final"] for c in bag])))
            continue
        val = lambda members, comb=mean_of: vscore(
            ins, r["origins"], [comb([cands[c]["validation"][w] for c in members])
                                for w in range(len(r["origins"]))], m, h, positive)
        fin = lambda members, comb=mean_of: comb([cands[c]["final"] for c in members])
        # Rule A (current): best of top-1/2/3 means by validation.
        best, bs = [names[0]], cands[names[0]]["score"]
        for k in (2, 3):
            s = val(names[:k])
            if s < bs:
                best, bs = names[:k], s
        add("A top1/2/3 mean", *score(fin(best)))
        for kmax in (4, 5, 6):
            best, bs = [names[0]], cands[names[0]]["score"]
            for k in range(2, min(kmax, len(names)) + 1):
                s = val(names[:k])
                if s < bs:
                    best, bs = names[:k], s
            add(f"B top1..{kmax} mean", *score(fin(best)))
        for k in (2, 3, 4, 5):
            add(f"C fixed top{k} mean", *score(fin(names[:k])))
            add(f"D fixed top{k} median", *score(fin(names[:k], median_of)))
            # inverse-score weights
            ws = [1.0 / max(cands[c]["score"], 1e-9) for c in names[:k]]
            tot = sum(ws)
            f = [sum(w * cands[c]["final"][i] for w, c in zip(ws, names[:k])) / tot
                 for i in range(h)]
            add(f"E top{k} inv-score weighted", *score(f))
        # Greedy forward selection (ensemble selection with replacement, Caruana 2004).
        for steps in (3, 5, 8):
            bag = []
            for _ in range(steps):
                best_c, best_s = None, math.inf
                for c in names:
                    s = val(bag + [c])
                    if s < best_s:
                        best_c, best_s = c, s
                bag.append(best_c)
            add(f"F greedy bag {steps}", *score(fin(bag)))
    print(f"series={len(recs)}")
    rows = sorted(totals.items(), key=lambda kv: kv[1][0] / kv[1][2])
    for name, (sm, ms, n) in rows:
        print(f"{name:32s} n={n:3d} sMAPE={sm / n:7.3f} MASE={ms / n:6.3f}")


if __name__ == "__main__":
    main()
