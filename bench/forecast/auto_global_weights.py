#!/usr/bin/env python3
"""Cross-series combination weights for auto, scored on an auto_trace dump (numpy).

Usage: auto_global_weights.py --train Hourly-train.csv --trace trace.jsonl [--holdout 48]
                              [--horizon 48] [--season 24] [--pool global,global2,...]

auto combines each series' candidates by greedy ensemble selection on that series' own six
validation windows (8 steps, forecast.cc). This script tries weights learned across ALL series
instead (leak-free: only validation windows, never the held-out points): greedy selection with
S steps minimising the sum over series of the per-series validation error (the OWA-like score
of forecast.cc), one weight vector per candidate name (a series lacking a candidate renormalises
over the rest), optionally one per horizon bucket; and blends of the per-series greedy weights
with those global weights. --pool lists the pooled candidates taken (default: the six of the
default pool, global..global6 in a trace made with the default GLOBAL argument).
"""

import numpy as np

from auto_rule_variants import greedy, load_traced, smape, vscore
from auto_rules import trace_arg_parser


def global_greedy(series, names, steps, cols=None):
    """Greedy over candidate names on the summed validation error; cols restricts horizon steps."""
    counts = {c: 0 for c in names}
    for _ in range(steps):
        best, best_c = np.inf, None
        for c in names:
            trial = dict(counts)
            trial[c] += 1
            tot = 0.0
            for s in series:
                w = np.array([trial.get(n, 0) for n in s["names"]], dtype=float)
                if w.sum() == 0:
                    continue
                avg = (w / w.sum()) @ s["V"].reshape(len(w), -1)
                avg = avg.reshape(s["V"].shape[1:])
                if cols is not None:
                    s2 = dict(s, acts=s["acts"][:, cols])
                    tot += vscore(s2, avg[None][:, :, cols], np.ones(len(s["acts"])), 0.5)[0]
                else:
                    tot += vscore(s, avg[None], np.ones(len(s["acts"])), 0.5)[0]
            if tot < best:
                best, best_c = tot, c
        counts[best_c] += 1
    return counts


def weights_for(s, counts):
    w = np.array([counts.get(n, 0) for n in s["names"]], dtype=float)
    return w / w.sum() if w.sum() > 0 else None


def main():
    ap = trace_arg_parser()
    ap.add_argument("--pool", default="global,global2,global3,global4,global5,global6")
    ap.add_argument("--steps", type=int, default=16)
    args = ap.parse_args()
    pool = set(args.pool.split(","))
    h, series = load_traced(args)
    # Keep only the pool's pooled candidates.
    for s in series:
        keep = [i for i, c in enumerate(s["names"]) if not c.startswith("global") or c in pool]
        s["names"] = [s["names"][i] for i in keep]
        s["V"], s["F"] = s["V"][keep], s["F"][keep]
    names = sorted({c for s in series for c in s["names"]})
    g = global_greedy(series, names, args.steps)
    print("global weights:", {c: k for c, k in g.items() if k})
    buckets = [np.arange(0, 12), np.arange(12, 24), np.arange(24, h)]
    gb = [global_greedy(series, names, args.steps, cols) for cols in buckets]
    for b, cnt in zip(buckets, gb):
        print(f"bucket {b[0]}-{b[-1]}:", {c: k for c, k in cnt.items() if k})

    def score(rule):
        a = np.array([(smape(s["act"], f), np.mean(np.abs(s["act"] - f)) / s["sc"])
                      for s in series for f in [rule(s)]])
        return a.mean(axis=0)

    local = lambda s: greedy(s, 8, list(range(len(s["names"])))) @ s["F"]

    def glob(s):
        w = weights_for(s, g)
        return w @ s["F"] if w is not None else local(s)

    def glob_buckets(s):
        out = np.empty(h)
        for cols, cnt in zip(buckets, gb):
            w = weights_for(s, cnt)
            out[cols] = (w @ s["F"])[cols] if w is not None else local(s)[cols]
        return out

    rules = [("per-series greedy8 (auto)", local), ("global greedy", glob),
             ("global greedy per horizon bucket", glob_buckets)]
    for lam in (0.25, 0.5):
        rules.append((f"{1 - lam:.2f} per-series + {lam:.2f} global",
                      lambda s, lam=lam: (1 - lam) * local(s) + lam * glob(s)))
        rules.append((f"{1 - lam:.2f} per-series + {lam:.2f} global buckets",
                      lambda s, lam=lam: (1 - lam) * local(s) + lam * glob_buckets(s)))
    print(f"series={len(series)}")
    for name, rule in rules:
        sm, ms = score(rule)
        print(f"{name:45s} sMAPE={sm:7.3f} MASE={ms:6.4f}", flush=True)


if __name__ == "__main__":
    main()
