#!/usr/bin/env python3
"""The sidecar's forecast case on the Kafka corpus: day-ahead forecasts of 15-minute means from 7
days of history, scored on the day that follows.

  kafka_forecast.py set OUT.csv SEED...        every series of each seed's corpus
                                               (bench/anomaly/kafka_corpus.py, 1-minute steps) as
                                               15-minute means, in 8-day windows ending every 3 days
                                               from day 8: M4 layout, the last 96 points held out
  kafka_forecast.py score SET.csv F.csv I.csv  sMAPE, MASE (in-sample seasonal-naive scale,
                                               m = 96), 80% / 95% coverage, overall and per
                                               category (lag, lag in seconds, traffic, ...)

bench/forecast/kafka_forecast.sh runs both around `streamlens-sidecar forecast --model auto`
with the built-in jobs' settings (daily season, 96-step horizon). Report untouched seeds (e.g.
101-104); seeds 1-3 are the tuning seeds.
"""
import csv
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BUCKET, DAY, HISTORY_DAYS = 15, 96, 7


def read_values(path):
    with open(path, newline="") as f:
        rows = csv.reader(f)
        next(rows)
        return [float(r[1]) for r in rows]


def build_set(out, seeds):
    rows = []
    for seed in seeds:
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([sys.executable, f"{HERE}/../anomaly/kafka_corpus.py", "--seed",
                            str(seed), "--out", d], check=True, stdout=subprocess.DEVNULL)
            for cat in sorted(os.listdir(f"{d}/data")):
                for name in sorted(os.listdir(f"{d}/data/{cat}")):
                    v = read_values(f"{d}/data/{cat}/{name}")
                    b = [sum(v[i:i + BUCKET]) / BUCKET for i in range(0, len(v) - BUCKET + 1, BUCKET)]
                    window = (HISTORY_DAYS + 1) * DAY
                    for end_day in range(HISTORY_DAYS + 1, len(b) // DAY + 1, 3):
                        w = b[end_day * DAY - window:end_day * DAY]
                        rows.append([f"s{seed}/{cat}/{name}@{end_day}"] + [f"{x:.6g}" for x in w])
    with open(out, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    print(f"{out}: {len(rows)} series")


def category(key):
    cat = key.split("/")[1]
    name = key.split("/")[2]
    if name.startswith("lag_seconds_"):
        return cat + "/lag_seconds"
    return cat + "/lag" if name.startswith("lag_") else cat


def score(set_path, f_path, i_path):
    train = {r[0]: [float(x) for x in r[1:]] for r in csv.reader(open(set_path)) if r}
    fc = {r[0]: [float(x) for x in r[1:]] for r in csv.reader(open(f_path)) if r and r[0] != "id"}
    iv = {}
    for r in csv.reader(open(i_path)):
        if r and r[0] != "id":
            iv.setdefault((r[0], r[1]), {})[r[2]] = [float(x) for x in r[3:]]
    agg = {}
    for key, f in fc.items():
        y, a = train[key][:-DAY], train[key][-DAY:]
        scale = sum(abs(y[t] - y[t - DAY]) for t in range(DAY, len(y))) / (len(y) - DAY) or 1e-9
        mase = sum(abs(p - q) for p, q in zip(a, f)) / DAY / scale
        smape = sum(200 * abs(p - q) / (abs(p) + abs(q)) if abs(p) + abs(q) > 0 else 0.0
                    for p, q in zip(a, f)) / DAY
        cov = []
        for level in ("0.8", "0.95"):
            b = iv[(key, level)]
            cov.append(sum(lo <= p <= hi for p, lo, hi in zip(a, b["lower"], b["upper"])) / DAY)
        for c in ("all", category(key)):
            agg.setdefault(c, []).append((smape, mase, cov[0], cov[1]))
    for c, v in sorted(agg.items()):
        col = list(zip(*v))
        print(f"{c:26s} n={len(v):4d} sMAPE={statistics.mean(col[0]):7.3f} "
              f"MASE={statistics.mean(col[1]):6.3f} median_MASE={statistics.median(col[1]):6.3f} "
              f"coverage80={statistics.mean(col[2]):.3f} coverage95={statistics.mean(col[3]):.3f}")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "set":
        build_set(sys.argv[2], [int(s) for s in sys.argv[3:]])
    elif len(sys.argv) == 5 and sys.argv[1] == "score":
        score(*sys.argv[2:])
    else:
        sys.exit(__doc__)
