#!/usr/bin/env python3
"""Scores auto's 8-step greedy ensemble selection on an auto_trace dump for several pooled pools.

Usage: auto_pool_variants.py --train Hourly-train.csv --trace trace.jsonl [--holdout 48]
                             [--horizon 48] [--season 24] [--steps 8]
                             --pools "NAME=global,global2;NAME2=global,global3,..."

The trace must come from forecast_auto_trace with every pooled model of interest in its GLOBAL
argument (candidates global, global2, ...). Each pool keeps the per-series candidates and only
the listed pooled candidates; the row is the greedy rule forecast.cc runs (same order and tie
breaking, see auto_rule_variants.py), scored as sMAPE / MASE on the held-out points, which the
rule never looks at. A pool equal to the trace's whole GLOBAL list reproduces the CLI's `auto`
with that --global-models. Needs numpy (run with /usr/bin/python3).
"""

import numpy as np

from auto_rule_variants import greedy, load_traced, smape
from auto_rules import trace_arg_parser


def main():
    ap = trace_arg_parser()
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--pools", required=True)
    args = ap.parse_args()
    h, series = load_traced(args)
    print(f"series={len(series)}")
    for item in args.pools.split(";"):
        name, _, members = item.partition("=")
        pool = set(x for x in members.split(",") if x)
        rows = []
        for s in series:
            al = [i for i, c in enumerate(s["names"]) if not c.startswith("global") or c in pool]
            f = greedy(s, args.steps, al) @ s["F"]
            rows.append((smape(s["act"], f), np.mean(np.abs(s["act"] - f)) / s["sc"]))
        a = np.array(rows)
        print(f"{name:40s} sMAPE={a[:, 0].mean():7.3f} MASE={a[:, 1].mean():6.4f}", flush=True)


if __name__ == "__main__":
    main()
