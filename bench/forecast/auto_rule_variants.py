#!/usr/bin/env python3
"""Scores variants of auto's greedy ensemble selection on an auto_trace dump (numpy; fast).

Usage: auto_rule_variants.py --train Hourly-train.csv --trace trace.jsonl [--holdout 48]
                             [--horizon 48] [--season 24] [--base global,global2,global3,global4]

The trace must come from forecast_auto_trace with every pooled model of interest in its GLOBAL
argument (e.g. logstd:2,log:2,log:1,logstd:1,log:1.43,logstd:1.43: candidates global..global6).
--base names the pooled candidates of the default pool; the others are "extra" pooled candidates.
Variants (each scored as sMAPE / MASE on the held-out points, which no rule looks at):
  greedyS pool       greedy ensemble selection with S steps (auto uses 8) over the default pool
                     or over every candidate of the trace;
  seed-pooled k S    the bag starts with the k best pooled candidates (by validation), then greedy;
  seed-top2 S        the bag starts with the two best candidates overall;
  alpha A            validation error (1-A) sMAPE/18.383 + A MASE/2.395 instead of A = 0.5;
  recency R          origin w weighted R^w (w = 0 is the most recent origin);
  bagged-loo         mean of the greedy weights over the leave-one-origin-out subsets;
  half-bagged        half greedy weights, half bagged-loo;
  +pooled-mean       one more candidate: the mean of the pooled candidates' forecasts;
  pooled-mean only   that mean replaces the individual pooled candidates.
Rows "greedy8 default pool" and "greedy8 all" reproduce the CLI's `auto` with --global-models
set to the default pool and to the trace's GLOBAL list (exactly, as forecast.cc breaks ties the
same way). Needs numpy (Debian python3-numpy: run with /usr/bin/python3).
"""
import json

import numpy as np

from auto_rules import read_m4, trace_arg_parser


def scale(x, m):
    x = np.asarray(x)
    lag = m if len(x) > m else 1
    s = np.mean(np.abs(x[lag:] - x[:-lag]))
    return s if s > 0 else 1e-12


def smape(a, f):
    d = np.abs(a) + np.abs(f)
    e = np.abs(a - f)
    return np.mean(np.where(d > 0, 200 * e / np.where(d > 0, d, 1), 0.0), axis=-1)


def load_traced(args):
    """(horizon, series) for the parsed trace_arg_parser() arguments."""
    h = args.horizon or args.holdout
    return h, load(args.trace, read_m4(args.train), args.holdout, h, args.season)


def load(path, train, hold, h, m):
    out = []
    for line in open(path):
        if not line.strip():
            continue
        r = json.loads(line)
        if "error" in r:
            continue
        x = train[r["id"]]
        ins, act = np.array(x[:-hold]), np.array(x[-hold:][:h])
        assert len(ins) == r["n"], r["id"]
        cands = {k: v for k, v in r["candidates"].items()
                 if v["score"] is not None and v["final"] and
                 len(v["validation"]) == len(r["origins"])}
        if not r["origins"] or not cands:
            continue
        # Same order as forecast.cc: by single validation score, stable on the trace's order.
        names = sorted(cands, key=lambda k: cands[k]["score"])
        out.append(dict(
            names=names,
            V=np.array([[cands[c]["validation"][w] for w in range(len(r["origins"]))]
                        for c in names]),
            F=np.array([cands[c]["final"] for c in names]),
            acts=np.array([ins[o:o + h] for o in r["origins"]]),
            scs=np.array([scale(ins[:o], m) for o in r["origins"]]),
            pos=ins.min() > 0, act=act, sc=scale(ins, m), auto=np.array(r["auto"])))
    return out


def vscore(s, avg, ow, alpha):
    e = np.mean(np.abs(avg - s["acts"][None]), axis=2) / s["scs"][None]
    if s["pos"]:
        v = (1 - alpha) * smape(s["acts"][None], avg) / 18.383 + alpha * e / 2.395
    else:
        v = e
    return (v * ow[None]).sum(axis=1) / ow.sum()


def greedy(s, steps, allowed, seed=(), ow=None, alpha=0.5):
    V = s["V"]
    ow = np.ones(len(s["acts"])) if ow is None else ow
    counts = np.zeros(len(V))
    tot = np.zeros(V.shape[1:])
    n = 0
    for c in seed:
        counts[c] += 1
        tot += V[c]
        n += 1
    for _ in range(steps - len(seed)):
        j = allowed[int(np.argmin(vscore(s, (tot[None] + V[allowed]) / (n + 1), ow, alpha)))]
        counts[j] += 1
        tot += V[j]
        n += 1
    return counts / counts.sum()


def bagged(s, steps, allowed):
    W = len(s["acts"])
    if W < 2:
        return greedy(s, steps, allowed)
    w = np.zeros(len(s["V"]))
    for k in range(W):
        ow = np.ones(W)
        ow[k] = 0
        w += greedy(s, steps, allowed, ow=ow)
    return w / W


def main():
    ap = trace_arg_parser()
    ap.add_argument("--base", default="global,global2,global3,global4")
    args = ap.parse_args()
    h, series = load_traced(args)
    base = set(args.base.split(","))
    is_pooled = lambda c: c.startswith("global")

    def allowed(s, pool):
        return [i for i, c in enumerate(s["names"]) if not is_pooled(c) or pool is None or c in pool]

    def with_mean(s, members_of, keep_pooled):
        idx = [i for i, c in enumerate(s["names"]) if is_pooled(c) and members_of(c)]
        al = [i for i, c in enumerate(s["names"]) if not is_pooled(c) or keep_pooled(c)]
        if not idx:
            return s, al
        s2 = dict(s)
        s2["V"] = np.concatenate([s["V"], s["V"][idx].mean(axis=0)[None]])
        s2["F"] = np.concatenate([s["F"], s["F"][idx].mean(axis=0)[None]])
        return s2, al + [len(s["V"])]

    def seed_pooled(s, pool, k):
        al = allowed(s, pool)
        return [i for i in al if is_pooled(s["names"][i])][:k], al

    variants = [("auto as run (trace)", lambda s: s["auto"])]
    for pn, pool in (("default pool", base), ("all", None)):
        for st in (6, 7, 8, 9, 10, 12, 16):
            variants.append((f"greedy{st} {pn}",
                             lambda s, st=st, pool=pool: greedy(s, st, allowed(s, pool)) @ s["F"]))
        for k, st in ((1, 8), (1, 10), (1, 12), (2, 10)):
            def f(s, k=k, st=st, pool=pool):
                seed, al = seed_pooled(s, pool, k)
                return greedy(s, st, al, seed=seed) @ s["F"]
            variants.append((f"seed-pooled {k} greedy{st} {pn}", f))
        variants.append((f"seed-top2 greedy8 {pn}", lambda s, pool=pool: greedy(
            s, 8, allowed(s, pool), seed=allowed(s, pool)[:2]) @ s["F"]))
        for a in (0.6, 0.7):
            variants.append((f"alpha {a} greedy8 {pn}", lambda s, a=a, pool=pool: greedy(
                s, 8, allowed(s, pool), alpha=a) @ s["F"]))
        variants.append((f"recency 0.85 greedy8 {pn}", lambda s, pool=pool: greedy(
            s, 8, allowed(s, pool), ow=0.85 ** np.arange(len(s["acts"]))) @ s["F"]))
        variants.append((f"bagged-loo greedy8 {pn}",
                         lambda s, pool=pool: bagged(s, 8, allowed(s, pool)) @ s["F"]))
        variants.append((f"half-bagged greedy8 {pn}", lambda s, pool=pool: (
            0.5 * bagged(s, 8, allowed(s, pool)) + 0.5 * greedy(s, 8, allowed(s, pool))) @ s["F"]))
        member = (lambda c: c in base) if pool is not None else (lambda c: True)

        def pm(s, member=member):
            s2, al = with_mean(s, member, member)
            return greedy(s2, 8, al) @ s2["F"]

        def pm_only(s, member=member):
            s2, al = with_mean(s, member, lambda c: False)
            return greedy(s2, 8, al) @ s2["F"]
        variants.append((f"+pooled-mean greedy8 {pn}", pm))
        variants.append((f"pooled-mean only greedy8 {pn}", pm_only))
    print(f"series={len(series)}")
    for name, rule in variants:
        a = np.array([(smape(s["act"], f), np.mean(np.abs(s["act"] - f)) / s["sc"])
                      for s in series for f in [rule(s)]])
        print(f"{name:40s} sMAPE={a[:, 0].mean():7.3f} MASE={a[:, 1].mean():6.4f}", flush=True)


if __name__ == "__main__":
    main()
