#!/usr/bin/python3
"""Generates streamlens' Kafka anomaly corpus: NAB-layout series with ground-truth windows.

One corpus per seed (deterministic): 27 series, one file each, at one step (60 s: three weeks,
15 s: fifteen days). Every series carries the benign patterns of a Kafka estate (daily and weekly
traffic cycles, one-sample blips, broker restarts that lose a sample, consumer restarts and
rebalances that pause consumption for a minute or two, the usual daily batch whose lag burst is
caught up in about half an hour and wanders in time and height), and 21 of them carry one
incident of seven kinds, three files each (streamlens-loadgen's fault kinds and the incidents SREs
page on):

  lag_runaway         consumer capacity drops below the input for hours; lag does not recover
  consumer_stop       the group stops consuming for 1-3 h; lag grows with the input
  traffic_drop        a broker's bytes in drop to 30-60% for 3 h (producers failing over)
  latency_shift       produce p99 latency up 40-100% for 4 h
  weekend_as_weekday  a weekend day carries weekday traffic (a batch that should not run)
  isr_churn           ISR shrinks every few minutes for 1-3 h (a flapping follower)
  memory_leak         the heap's live set grows 10-30% of the heap per day until the end

Six files are benign (one per series type). Series types: consumer lag in messages
(kafka_consumergroup_lag_sum) and in seconds, broker bytes in (rate), produce p99 latency, ISR
shrinks per second (rate of a counter, mostly zero) and JVM heap used bytes (GC sawtooth).

Layout (as NAB): OUT/data/<category>/<file>.csv (timestamp,value with "YYYY-MM-DD HH:MM:SS"),
OUT/labels/combined_windows.json (NAB windows: width 10% of the file's rows divided by its
number of incidents, centred on the incident start), OUT/labels/combined_labels.json (incident
starts) and OUT/incidents.json (kind, start, end, category per incident, for delay metrics).

  kafka_corpus.py --seed 1 --step 60 --out /tmp/kafka-s1

The evaluation protocol (docs/anomaly-detection.md) fixes which seeds are tuning seeds and which
are untouched; this script does not know.
"""
import argparse
import datetime as dt
import json
import math
import os

import numpy as np

DAY = 86400.0
KINDS = ["lag_runaway", "consumer_stop", "traffic_drop", "latency_shift", "weekend_as_weekday",
         "isr_churn", "memory_leak"]
SERIES_OF_KIND = {
    "lag_runaway": ["lag", "lag", "lag_seconds"],
    "consumer_stop": ["lag", "lag_seconds", "lag"],
    "traffic_drop": ["bytes_in"] * 3,
    "latency_shift": ["latency"] * 3,
    "weekend_as_weekday": ["bytes_in"] * 3,
    "isr_churn": ["isr_shrinks"] * 3,
    "memory_leak": ["heap"] * 3,
}
BENIGN = ["lag", "lag_seconds", "bytes_in", "latency", "isr_shrinks", "heap"]
CATEGORY = {"lag": "kafkaLag", "lag_seconds": "kafkaLag", "bytes_in": "kafkaTraffic",
            "latency": "kafkaLatency", "isr_shrinks": "kafkaReplication", "heap": "kafkaMemory"}


class Clock:
    """Sample times of one file: t (seconds from the start) and calendar helpers."""

    def __init__(self, rng, step, days):
        self.step = step
        self.n = int(days * DAY / step)
        self.t = np.arange(self.n) * float(step)
        # Start at midnight UTC on a random weekday, so weekends fall anywhere in the file.
        self.start = dt.datetime(2026, 1, 5) + dt.timedelta(days=int(rng.integers(0, 7)))
        start_dow = self.start.weekday()  # Monday = 0
        self.hours = (self.t % DAY) / 3600.0
        self.day = (self.t // DAY).astype(int)
        self.dow = (start_dow + self.day) % 7

    def stamps(self):
        base = np.datetime64(self.start.strftime("%Y-%m-%dT%H:%M:%S"))
        times = base + self.t.astype("timedelta64[s]")
        return [str(x).replace("T", " ") for x in times]

    def index(self, seconds):
        return int(min(self.n - 1, max(0, round(seconds / self.step))))


def ar_noise(rng, n, step, sd, corr_seconds):
    """Stationary AR(1) noise with the given standard deviation and correlation time."""
    phi = math.exp(-step / corr_seconds) if corr_seconds > 0 else 0.0
    e = rng.normal(0.0, sd * math.sqrt(1 - phi * phi), n)
    out = np.empty(n)
    x = rng.normal(0.0, sd)
    for i in range(n):
        x = phi * x + e[i]
        out[i] = x
    return out


def weekend_factor(clock, low, override_day=None):
    """Multiplier: 1 on weekdays, `low` on Saturday and Sunday, with one-hour ramps."""
    w = np.ones(clock.n)
    weekend = (clock.dow >= 5)
    if override_day is not None:
        weekend = weekend & (clock.day != override_day)
    w[weekend] = low
    # Smooth the steps at midnight over an hour (a moving average in time).
    k = max(1, int(3600 / clock.step))
    kern = np.ones(k) / k
    return np.convolve(np.pad(w, (k // 2, k - 1 - k // 2), mode="edge"), kern, mode="valid")


def traffic_shape(rng, clock, override_day=None):
    """Daily x weekly x slow drift multiplier of traffic (mean about 1 on weekdays)."""
    peak = rng.uniform(11, 17)
    a1, a2 = rng.uniform(0.3, 0.55), rng.uniform(0.0, 0.15)
    p2 = rng.uniform(0, 24)
    h = clock.hours
    daily = 1 + a1 * np.cos(2 * np.pi * (h - peak) / 24) + a2 * np.cos(4 * np.pi * (h - p2) / 24)
    daily = np.maximum(daily, 0.15)
    low = rng.uniform(0.55, 0.85)
    drift = np.exp(np.cumsum(rng.normal(0, 0.01 * math.sqrt(clock.step / DAY), clock.n)))
    return daily * weekend_factor(clock, low, override_day) * drift, low


def add_blips(rng, clock, x, per_day, lo, hi, sign=None):
    """One-sample blips: x[i] *= 1 + s * U(lo, hi)."""
    count = rng.poisson(per_day * clock.n * clock.step / DAY)
    for i in rng.integers(0, clock.n, count):
        s = sign if sign is not None else rng.choice([-1, 1])
        x[i] *= max(0.0, 1 + s * rng.uniform(lo, hi))
    return x


def pick_start(rng, clock, kind):
    """Incident start (seconds): after the first week, at least a day before the end."""
    if kind == "weekend_as_weekday":
        days = [d for d in range(8, int(clock.n * clock.step / DAY) - 1)
                if (clock.dow[clock.index(d * DAY)] >= 5)]
        return float(rng.choice(days)) * DAY
    lo = 8 * DAY if clock.n * clock.step >= 14 * DAY else 0.45 * clock.n * clock.step
    hi = clock.n * clock.step - 1.2 * DAY
    return float(rng.uniform(lo, hi))


# ---- series types -------------------------------------------------------------------------------

def gen_bytes_in(rng, clock, incident):
    override = int(incident["start"] // DAY) if incident and incident["kind"] == "weekend_as_weekday" else None
    shape, _ = traffic_shape(rng, clock, override)
    base = 10 ** rng.uniform(6.3, 7.7)
    noise = np.exp(ar_noise(rng, clock.n, clock.step, rng.uniform(0.02, 0.05), rng.uniform(60, 600)))
    x = base * shape * noise
    if incident and incident["kind"] == "traffic_drop":
        a, b = clock.index(incident["start"]), clock.index(incident["end"])
        x[a:b] *= rng.uniform(0.3, 0.6)
    add_blips(rng, clock, x, rng.uniform(1, 4), 0.3, 0.9)
    # Broker restarts: a rate sample near zero (the counter restarted), about weekly.
    for i in rng.integers(0, clock.n, rng.poisson(clock.n * clock.step / DAY / 7)):
        x[i] *= rng.uniform(0.0, 0.2)
    return x


def gen_latency(rng, clock, incident):
    shape, _ = traffic_shape(rng, clock)
    base = rng.uniform(5, 50)
    load = 0.4 * shape / shape.mean()
    noise = np.exp(ar_noise(rng, clock.n, clock.step, rng.uniform(0.05, 0.15), rng.uniform(30, 300)))
    x = base * (1 + load) * noise
    if incident and incident["kind"] == "latency_shift":
        a, b = clock.index(incident["start"]), clock.index(incident["end"])
        x[a:b] *= 1 + rng.uniform(0.4, 1.0)
    add_blips(rng, clock, x, rng.uniform(1, 4), 1.0, 5.0, sign=1)
    return np.round(x, 3)


def gen_isr(rng, clock, incident):
    per_second = rng.uniform(0.5, 3) / DAY  # usual shrinks: a few per day
    lam = np.full(clock.n, per_second * clock.step)
    if incident and incident["kind"] == "isr_churn":
        a, b = clock.index(incident["start"]), clock.index(incident["end"])
        lam[a:b] = rng.uniform(0.15, 0.6) * clock.step / 60.0  # one every ~2-7 minutes
    counts = rng.poisson(lam) * rng.integers(1, 4, clock.n)  # a shrink touches 1-3 partitions
    return counts / float(clock.step)


def gen_heap(rng, clock, incident):
    top = 10 ** rng.uniform(9, 9.8)  # max heap
    trigger = rng.uniform(0.7, 0.85) * top  # GC when the heap reaches this
    floor = np.full(clock.n, rng.uniform(0.2, 0.4) * top)
    floor *= 1 + ar_noise(rng, clock.n, clock.step, 0.01, 3600)
    if incident and incident["kind"] == "memory_leak":
        a = clock.index(incident["start"])
        per_s = rng.uniform(0.10, 0.30) * top / DAY
        floor[a:] += per_s * (clock.t[a:] - clock.t[a])
        floor = np.minimum(floor, trigger - 0.03 * top)
    shape, _ = traffic_shape(rng, clock)
    alloc = rng.uniform(0.2, 0.6) * top / rng.uniform(300, 1800) * shape  # bytes/s
    x = np.empty(clock.n)
    h = floor[0]
    for i in range(clock.n):
        h += alloc[i] * clock.step * rng.uniform(0.8, 1.2)
        if h >= trigger:
            h = floor[i] * rng.uniform(0.98, 1.03)
        x[i] = h
    return np.round(x)


def lag_model(rng, clock, incident, seconds):
    """Backlog of a consumer group (messages), or seconds behind when `seconds`."""
    shape, _ = traffic_shape(rng, clock)
    rate = 10 ** rng.uniform(0.5, 2.5) * shape  # produced messages/s
    rate *= np.exp(ar_noise(rng, clock.n, clock.step, 0.05, 120))
    batch_hour = rng.uniform(1, 23)
    rise_min = rng.uniform(6, 12)
    catch_min = rng.uniform(18, 26)
    height_minutes = rng.uniform(8, 20)  # the usual burst holds this many minutes of input
    days = int(clock.n * clock.step / DAY)
    capacity = rate * rng.uniform(1.3, 2.0)
    extra = np.zeros(clock.n)
    for d in range(days):
        start = d * DAY + (batch_hour + rng.uniform(-0.25, 0.25)) * 3600
        a, b = clock.index(start), clock.index(start + rise_min * 60)
        if b <= a:
            continue
        target = height_minutes * 60 * rate[a] * rng.uniform(0.75, 1.25)  # usual peak backlog
        spare = capacity[a] - rate[a]
        extra[a:b] += target / (rise_min * 60) + spare
        # Just enough spare capacity after the batch to catch up in catch_min minutes.
        c, e = b, clock.index(start + (rise_min + catch_min) * 60)
        capacity[c:e] = np.minimum(capacity[c:e], rate[c:e] + target / (catch_min * 60))
    # Consumer restarts and rebalances: consumption pauses for 10-90 s, every 1-3 days.
    pauses = np.zeros(clock.n, dtype=bool)
    for i in rng.integers(0, clock.n, rng.poisson(days / 2.0)):
        pauses[i:clock.index(clock.t[i] + rng.uniform(10, 90)) + 1] = True
    capacity[pauses] = 0
    if incident:
        a, b = clock.index(incident["start"]), clock.index(incident["end"])
        if incident["kind"] == "consumer_stop":
            capacity[a:b] = 0
        elif incident["kind"] == "lag_runaway":
            # Capacity falls to 60-90% of the input: the backlog grows for hours.
            capacity[a:b] = rate[a:b] * rng.uniform(0.6, 0.9)
    backlog = np.empty(clock.n)
    q = 0.0
    produced = (rate + extra) * clock.step
    consumable = capacity * clock.step
    for i in range(clock.n):
        q = max(0.0, q + produced[i] - consumable[i])
        backlog[i] = q
    # What the exporter sees: the backlog plus what is in flight between commits (a few seconds).
    inflight = rate * rng.uniform(1, 5) * np.exp(rng.normal(0, 0.3, clock.n))
    lag = backlog + inflight
    add_blips(rng, clock, lag, rng.uniform(1, 4), 1.0, 4.0, sign=1)
    if seconds:
        return np.round(lag / rate, 2)
    return np.round(lag)


def gen_lag(rng, clock, incident):
    return lag_model(rng, clock, incident, seconds=False)


def gen_lag_seconds(rng, clock, incident):
    return lag_model(rng, clock, incident, seconds=True)


GENERATORS = {"lag": gen_lag, "lag_seconds": gen_lag_seconds, "bytes_in": gen_bytes_in,
              "latency": gen_latency, "isr_shrinks": gen_isr, "heap": gen_heap}


def duration_of(rng, kind, clock):
    if kind == "traffic_drop":
        return rng.uniform(2.5, 3.5) * 3600
    if kind == "latency_shift":
        return rng.uniform(3.5, 4.5) * 3600
    if kind == "consumer_stop":
        return rng.uniform(1, 3) * 3600
    if kind == "lag_runaway":
        return rng.uniform(3, 8) * 3600
    if kind == "isr_churn":
        return rng.uniform(1, 3) * 3600
    if kind == "weekend_as_weekday":
        return DAY
    return None  # memory_leak: until the end


def write_corpus(seed, step, out):
    days = 21 if step >= 60 else 15
    files = []
    for kind in KINDS:
        for k, series in enumerate(SERIES_OF_KIND[kind]):
            files.append((series, kind, k))
    for k, series in enumerate(BENIGN):
        files.append((series, None, k))
    windows, labels, incidents = {}, {}, []
    for idx, (series, kind, k) in enumerate(files):
        rng = np.random.default_rng([seed, step, idx])
        clock = Clock(rng, step, days)
        incident = None
        if kind:
            start = pick_start(rng, clock, kind)
            dur = duration_of(rng, kind, clock)
            end = clock.n * clock.step - clock.step if dur is None else min(start + dur, clock.n * clock.step - clock.step)
            incident = {"kind": kind, "start": start, "end": end}
        x = GENERATORS[series](rng, clock, incident)
        name = f"{series}_{kind or 'benign'}_{k}.csv"
        cat = CATEGORY[series]
        os.makedirs(os.path.join(out, "data", cat), exist_ok=True)
        stamps = clock.stamps()
        with open(os.path.join(out, "data", cat, name), "w") as f:
            f.write("timestamp,value\n")
            for s, v in zip(stamps, x):
                f.write(f"{s},{v:.10g}\n")
        key = f"{cat}/{name}"
        windows[key], labels[key] = [], []
        if incident:
            i0 = clock.index(incident["start"])
            width = int(0.1 * clock.n)  # one incident per file
            lo, hi = max(0, i0 - width // 2), min(clock.n - 1, i0 + width // 2)
            windows[key].append([stamps[lo] + ".000000", stamps[hi] + ".000000"])
            labels[key].append(stamps[i0] + ".000000")
            incidents.append({"file": key, "kind": kind, "series": series,
                              "start": stamps[i0], "end": stamps[clock.index(incident["end"])]})
    os.makedirs(os.path.join(out, "labels"), exist_ok=True)
    with open(os.path.join(out, "labels", "combined_windows.json"), "w") as f:
        json.dump(windows, f, indent=1, sort_keys=True)
    with open(os.path.join(out, "labels", "combined_labels.json"), "w") as f:
        json.dump(labels, f, indent=1, sort_keys=True)
    with open(os.path.join(out, "incidents.json"), "w") as f:
        json.dump({"seed": seed, "step": step, "incidents": incidents}, f, indent=1)
    return len(files), len(incidents)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--step", type=int, choices=[15, 60], default=60, help="seconds per sample")
    ap.add_argument("--out", required=True, help="output folder (NAB layout)")
    a = ap.parse_args()
    nfiles, ninc = write_corpus(a.seed, a.step, a.out)
    print(f"kafka_corpus: seed={a.seed} step={a.step}s files={nfiles} incidents={ninc} -> {a.out}")


if __name__ == "__main__":
    main()
