#!/usr/bin/python3
"""A week of Kafka history, in streamlens-exporter's metric names, that ends in a running incident.

The estate: 6 brokers, 12 consumer groups each reading its own topic (a topic's partitions are led
by one broker; the failing broker leads three topics). Traffic has a daily cycle and quieter
weekends; every group has its own usual daily batch whose lag burst (about 4,000 messages, in time
within +-10 minutes and in height within +-20%) is caught up in about 30 minutes, at a time of
day at least two hours from the end's (but for the bursting group below); lag samples have
one-minute blips now and then.

The incident, over the last `incident` minutes: the failing broker's request handlers saturate
(idle ratio 0.8 -> 0.05), its bytes in fall to a tenth of normal and the three groups it serves
stop keeping up: their lag runs away. One other group is half-way through its usual burst at the
end. The history ends `--end` (Unix seconds, default two minutes ago).

Writes OpenMetrics text for `promtool tsdb create-blocks-from openmetrics` and, with --truth, a
JSON file naming what a sidecar should find: the affected groups, the failing broker, the group
in its usual burst.

  incident_history.py --seed 3 --out history.om --truth truth.json
"""
import argparse
import json
import math
import random
import sys
import time

BROKERS = 6
GROUPS = 12
DAY = 86400
EXPORTER = 'job="streamlens-exporter",instance="exporter:9644"'


class Writer:
    """OpenMetrics text grouped by series (promtool wants a series' samples contiguous)."""

    def __init__(self):
        self.series = {}

    def add(self, name, labels, t, v):
        self.series.setdefault((name, labels), []).append((t, v))

    def write(self, f):
        for (name, labels), pts in self.series.items():
            lab = f"{{{labels},{EXPORTER}}}" if labels else f"{{{EXPORTER}}}"
            f.write("".join(f"{name}{lab} {v:.6g} {t}\n" for t, v in pts))
        f.write("# EOF\n")


def daily(t, peak):
    h = (t % DAY) / 3600.0
    return 1.0 + 0.4 * math.cos(2 * math.pi * (h - peak) / 24)


def weekly(t):
    dow = (int(t // DAY) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    return 0.7 if dow >= 5 else 1.0


class Estate:
    def __init__(self, rnd, end, minutes, incident):
        self.rnd, self.end, self.minutes, self.incident = rnd, end, minutes, incident
        self.start = end - (minutes - 1) * 60
        self.failing = rnd.randint(1, BROKERS)
        others = [b for b in range(1, BROKERS + 1) if b != self.failing]
        # The failing broker leads 3 topics, three others 2, the last one 1.
        leaders = [self.failing] * 3 + others[:3] * 2 + others[3:4] * 2 + others[4:]
        rnd.shuffle(leaders)
        self.leader = leaders[:GROUPS]
        self.affected = [g for g in range(GROUPS) if self.leader[g] == self.failing]
        self.rate = [rnd.uniform(60, 120) for _ in range(GROUPS)]  # msgs/s at the daily mean
        self.peak = rnd.uniform(13, 16)
        # Usual batch: minute of the day it starts, and the backlog it leaves (~4,000). Batches
        # start at least two hours from the end's time of day, so the scenario (runaway lag, not a
        # usual burst, on the affected groups) is the same whatever the hour the history ends at.
        end_minute = (end % DAY) / 60.0
        self.batch = [(end_minute + rnd.uniform(120, 1320)) % 1440 for _ in range(GROUPS)]
        calm = [g for g in range(GROUPS) if g not in self.affected]
        self.bursting = rnd.choice(calm)
        # The bursting group's batch started 12 minutes before the end (its usual time today).
        self.batch[self.bursting] = (end_minute - 12) % 1440
        self.wander = {}

    def batch_window(self, g, day):
        key = (g, day)
        if key not in self.wander:
            if g == self.bursting and day == int(self.end // DAY):
                self.wander[key] = (0.0, 1.0)
            else:
                self.wander[key] = (self.rnd.uniform(-10, 10), self.rnd.uniform(0.8, 1.2))
        shift, height = self.wander[key]
        start = day * DAY + (self.batch[g] + shift) * 60
        return start, height

    def in_incident(self, t):
        return t > self.end - self.incident * 60


def simulate(a):
    rnd = random.Random(a.seed)
    e = Estate(rnd, a.end, a.minutes, a.incident)
    w = Writer()
    lag = [0.0] * GROUPS
    committed = [0.0] * GROUPS
    produced = [0.0] * GROUPS
    bytes_in = [0.0] * (BROKERS + 1)
    bytes_out = [0.0] * (BROKERS + 1)
    msgs_in = [0.0] * (BROKERS + 1)
    for i in range(a.minutes):
        t = e.start + i * 60
        ts = int(t)
        load = [0.0] * (BROKERS + 1)
        for g in range(GROUPS):
            b = e.leader[g]
            r = e.rate[g] * daily(t, e.peak) * weekly(t) * rnd.uniform(0.97, 1.03)
            incident = e.in_incident(t) and b == e.failing
            if incident:
                r *= 0.1  # produce requests to the saturated broker mostly fail
            # Spare capacity drains a 4,000-message backlog in 25 minutes; the batch adds, over 8
            # minutes, enough to build that backlog (times its height today).
            spare = 4000.0 / (25 * 60)
            extra = 0.0
            day = int(t // DAY)
            for d in (day - 1, day):
                bs, height = e.batch_window(g, d)
                if bs <= t < bs + 8 * 60:
                    extra = 4000.0 * height / (8 * 60) + spare
            inflow = (r + extra) * 60
            capacity = (r + spare) * 60
            if incident:
                capacity = 0.0  # fetches from the saturated broker time out
            lag[g] = max(0.0, lag[g] + inflow - capacity)
            produced[g] += inflow
            committed[g] = produced[g] - lag[g]
            bytes_in[b] += inflow * 600
            msgs_in[b] += inflow
            bytes_out[b] += min(capacity, lag[g] + inflow) * 600
            load[b] += inflow / 60
            shown = lag[g] + r * rnd.uniform(0.5, 2.0)  # in flight between commits
            if rnd.random() < 2.0 / 1440:
                shown *= rnd.uniform(2, 4)  # a one-minute blip
            gl = f'consumergroup="group-{g}",topic="topic-{g}"'
            w.add("kafka_consumergroup_lag_sum", gl, ts, round(shown))
            w.add("kafka_consumergroup_current_offset_sum", gl, ts, round(committed[g]))
            w.add("streamlens_consumergroup_max_lag_seconds", gl, ts, round(shown / max(r, 1e-9), 2))
            w.add("kafka_consumergroup_members", f'consumergroup="group-{g}"', ts, 3)
            w.add("kafka_topic_partitions", f'topic="topic-{g}"', ts, 6)
        for b in range(1, BROKERS + 1):
            bl = f'broker="{b}"'
            saturated = e.in_incident(t) and b == e.failing
            ramp = min(1.0, (t - (e.end - e.incident * 60)) / 180.0) if saturated else 0.0
            idle = 0.8 - 0.75 * ramp + rnd.uniform(-0.02, 0.02)
            w.add("kafka_server_brokertopicmetrics_bytesin_total", f'{bl},topic=""', ts, bytes_in[b])
            w.add("kafka_server_brokertopicmetrics_bytesout_total", f'{bl},topic=""', ts, bytes_out[b])
            w.add("kafka_server_brokertopicmetrics_messagesin_total", f'{bl},topic=""', ts, msgs_in[b])
            w.add("kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_oneminuterate",
                  bl, ts, round(idle, 4))
            w.add("kafka_server_replicamanager_partitioncount", bl, ts, 36)
            w.add("kafka_server_replicamanager_leadercount", bl, ts,
                  6 * sum(1 for g in range(GROUPS) if e.leader[g] == b))
            w.add("kafka_server_replicamanager_underreplicatedpartitions", bl, ts, 0)
            cpu = 0.15 + load[b] / 2000.0 + (0.3 * ramp) + rnd.uniform(-0.01, 0.01)
            w.add("java_lang_operatingsystem_processcpuload", bl, ts, round(cpu, 4))
        w.add("kafka_brokers", "", ts, BROKERS)
    return e, w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--end", type=float, default=None, help="last sample, Unix seconds")
    ap.add_argument("--days", type=float, default=7)
    ap.add_argument("--incident", type=int, default=40, help="minutes of incident at the end")
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth", default=None)
    a = ap.parse_args()
    if a.end is None:
        a.end = (time.time() // 60) * 60 - 120
    a.end = (a.end // 60) * 60
    a.minutes = int(a.days * 1440)
    e, w = simulate(a)
    with open(a.out, "w") as f:
        w.write(f)
    truth = {"failing_broker": str(e.failing),
             "affected_groups": [f"group-{g}" for g in e.affected],
             "bursting_group": f"group-{e.bursting}",
             "end": a.end, "incident_minutes": a.incident}
    if a.truth:
        with open(a.truth, "w") as f:
            json.dump(truth, f, indent=1)
    print(json.dumps(truth))


if __name__ == "__main__":
    sys.exit(main())
