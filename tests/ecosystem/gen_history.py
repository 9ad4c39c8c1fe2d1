#!/usr/bin/env python3
"""Generates metric history for a small simulated Kafka cluster, as OpenMetrics text for
`promtool tsdb create-blocks-from openmetrics`.

The series carry the names and labels that streamlens-exporter serves (kafka_exporter-compatible
consumer group and topic families, jmx_exporter-style broker families with a `broker` label,
streamlens_exporter_* self-metrics) with the target labels Prometheus adds
(job="streamlens-exporter"). With --sidecar it also writes what streamlens-sidecar publishes
(anomaly scores and bands, forecasts, time to threshold, outliers, root causes, CPU model,
what-if, recommendations, self-metrics; job="streamlens-sidecar"), derived from the simulation's
own ground truth, so that dashboards can be checked against every family.

The cluster: brokers 1-3; topics orders, payments, clicks (4 partitions each, replication 3, or 1
for clicks' partition 3 so the what-if finds a partition that one failure takes offline); consumer
groups billing (orders), fraud (payments), analytics (clicks). Traffic has a daily cycle; clicks
gets a daily burst at 09:00 UTC that analytics catches up on (benign). Incidents (--incident):
  slowdown:GROUP:START:DURATION   the group consumes at a quarter of its capacity
  cpu:BROKER:START:DURATION       the broker's CPU rises by 0.35 without load (contention)
START is seconds after --start or an ISO time; DURATION like 30m, 2h.

Usage: gen_history.py --start EPOCH --end EPOCH [--step 60] [--sidecar] [--incident ...] > out.om
"""
import argparse
import math
import random
import sys
import datetime

BROKERS = [1, 2, 3]
TOPICS = {"orders": 200.0, "payments": 50.0, "clicks": 400.0}  # base messages/s per topic
PARTITIONS = 4
GROUPS = {"billing": ("orders", 320.0), "fraud": ("payments", 90.0), "analytics": ("clicks", 700.0)}
MSG_BYTES = {"orders": 900, "payments": 600, "clicks": 300}
EXPORTER = 'job="streamlens-exporter",instance="127.0.0.1:9644"'
SIDECAR = 'job="streamlens-sidecar",instance="127.0.0.1:9645"'
SLA_SECONDS = 600.0  # one of the sidecar's default thresholds (60, 180, 600)


def parse_duration(s):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if s[-1] in units:
        return float(s[:-1]) * units[s[-1]]
    return float(s)


def daily(t):
    """Daily traffic multiplier: low at 03:00 UTC, high at 15:00 UTC."""
    h = (t % 86400) / 3600.0
    return 1.0 + 0.5 * math.sin(2 * math.pi * (h - 9.0) / 24.0)


def burst(t):
    """The benign daily burst on clicks: x5 from 09:00 to 09:20 UTC."""
    s = t % 86400
    return 5.0 if 9 * 3600 <= s < 9 * 3600 + 1200 else 1.0


def leader_of(topic, p):
    return BROKERS[(list(TOPICS).index(topic) + p) % len(BROKERS)]


def replicas_of(topic, p):
    lead = leader_of(topic, p)
    if topic == "clicks" and p == 3:
        return [lead]
    return [lead] + [b for b in BROKERS if b != lead]


class Out:
    def __init__(self, f):
        self.f = f
        self.series = {}

    def add(self, name, labels, t, v):
        key = (name, labels)
        self.series.setdefault(key, []).append((t, v))

    def flush(self):
        w = self.f.write
        for (name, labels), pts in self.series.items():
            prefix = f"{name}{{{labels}}} " if labels else f"{name} "
            w("".join(f"{prefix}{v:.6g} {t}\n" for t, v in pts))
        w("# EOF\n")


def lbl(*parts, base=EXPORTER):
    return ",".join([p for p in parts if p] + [base])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--start", type=float, required=True, help="first timestamp, Unix seconds")
    ap.add_argument("--end", type=float, required=True, help="last timestamp, Unix seconds")
    ap.add_argument("--step", type=float, default=60.0, help="seconds between samples")
    ap.add_argument("--sidecar", action="store_true", help="also write the sidecar's outputs")
    ap.add_argument("--incident", action="append", default=[], help="kind:target:start:duration")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.end <= a.start or a.step <= 0:
        sys.exit("gen_history: expected --start < --end and --step > 0")
    rnd = random.Random(a.seed)

    incidents = []
    for spec in a.incident:
        try:
            kind, target, start, dur = spec.split(":", 3) if spec.count(":") == 3 else (None,) * 4
            if kind not in ("slowdown", "cpu"):
                raise ValueError
            try:
                s = a.start + float(start)
            except ValueError:
                s = datetime.datetime.fromisoformat(start).timestamp()
            incidents.append((kind, target, s, s + parse_duration(dur)))
        except (ValueError, TypeError):
            sys.exit(f"gen_history: bad --incident {spec!r}: expected slowdown:GROUP:START:DURATION "
                     "or cpu:BROKER:START:DURATION")

    def active(kind, target, t):
        return any(k == kind and g == target and s <= t < e for k, g, s, e in incidents)

    out = Out(sys.stdout)
    hw = {(tp, p): 1_000_000.0 * (i + 1) for i, tp in enumerate(TOPICS) for p in range(PARTITIONS)}
    low = {k: v - 500_000.0 for k, v in hw.items()}
    committed = {(g, p): hw[(tp, p)] for g, (tp, _) in GROUPS.items() for p in range(PARTITIONS)}
    hw_hist = {k: [] for k in hw}  # (t, hw) for lag-in-seconds interpolation
    bytes_in = {b: 0.0 for b in BROKERS}
    bytes_out = {b: 0.0 for b in BROKERS}
    msgs_in = {b: 0.0 for b in BROKERS}
    topic_bytes_in = {(b, tp): 0.0 for b in BROKERS for tp in TOPICS}
    req = {(b, r): 0.0 for b in BROKERS for r in ("Produce", "FetchConsumer", "FetchFollower")}
    sidecar_runs = 0.0
    samples_read = 0.0
    n = int((a.end - a.start) // a.step) + 1
    for i in range(n):
        t = a.start + i * a.step
        ts = int(t)
        # --- produce ---
        rate_tp = {tp: base * daily(t) * (burst(t) if tp == "clicks" else 1.0) for tp, base in TOPICS.items()}
        load = {b: 0.0 for b in BROKERS}
        for (tp, p) in hw:
            r = rate_tp[tp] / PARTITIONS * (1.0 + 0.05 * rnd.uniform(-1, 1))
            hw[(tp, p)] += r * a.step
            low[(tp, p)] += r * a.step * 0.98
            hist = hw_hist[(tp, p)]
            hist.append((t, hw[(tp, p)]))
            if len(hist) > 2000:
                del hist[:1000]
            lead = leader_of(tp, p)
            b_in = r * MSG_BYTES[tp]
            bytes_in[lead] += b_in * a.step
            topic_bytes_in[(lead, tp)] += b_in * a.step
            msgs_in[lead] += r * a.step
            req[(lead, "Produce")] += r / 20.0 * a.step
            for f in replicas_of(tp, p)[1:]:
                req[(lead, "FetchFollower")] += 2.0 * a.step
            load[lead] += b_in
        # --- consume ---
        group_lag_s = {}
        for g, (tp, cap) in GROUPS.items():
            capacity = cap / PARTITIONS * (0.25 if active("slowdown", g, t) else 1.0)
            worst = 0.0
            for p in range(PARTITIONS):
                lag = hw[(tp, p)] - committed[(g, p)]
                step_c = min(lag, capacity * a.step)
                committed[(g, p)] += step_c
                lead = leader_of(tp, p)
                bytes_out[lead] += step_c * MSG_BYTES[tp]
                req[(lead, "FetchConsumer")] += 5.0 * a.step
                load[lead] += step_c / a.step * MSG_BYTES[tp]
                lag = hw[(tp, p)] - committed[(g, p)]
                # Lag in seconds: how long ago the head of the log was at the committed offset.
                lag_s = 0.0
                if lag > 0:
                    c = committed[(g, p)]
                    hist = hw_hist[(tp, p)]
                    for j in range(len(hist) - 1, 0, -1):
                        if hist[j - 1][1] <= c <= hist[j][1]:
                            t0, h0 = hist[j - 1]
                            t1, h1 = hist[j]
                            lag_s = t - (t0 + (t1 - t0) * (c - h0) / max(h1 - h0, 1e-9))
                            break
                    else:
                        lag_s = t - hist[0][0]
                worst = max(worst, lag_s)
                pl = f'consumergroup="{g}",topic="{tp}",partition="{p}"'
                out.add("kafka_consumergroup_current_offset", lbl(pl), ts, committed[(g, p)])
                out.add("kafka_consumergroup_lag", lbl(pl), ts, lag)
                out.add("streamlens_consumergroup_lag_seconds", lbl(pl), ts, lag_s)
                status = 1 if lag_s < 60 else 2
                out.add("streamlens_consumergroup_status", lbl(pl), ts, status)
            group_lag_s[g] = worst
            out.add("streamlens_consumergroup_max_lag_seconds", lbl(f'consumergroup="{g}",topic="{tp}"'), ts, worst)
            gl = f'consumergroup="{g}",topic="{tp}"'
            out.add("kafka_consumergroup_current_offset_sum", lbl(gl), ts,
                    sum(committed[(g, p)] for p in range(PARTITIONS)))
            out.add("kafka_consumergroup_lag_sum", lbl(gl), ts,
                    sum(hw[(tp, p)] - committed[(g, p)] for p in range(PARTITIONS)))
            out.add("kafka_consumergroup_uncommitted_partitions", lbl(gl), ts, 0)
            out.add("kafka_consumergroup_members", lbl(f'consumergroup="{g}"'), ts, 2)
            gstatus = "OK" if worst < 60 else ("WARN" if worst < 600 else "ERR")
            out.add("streamlens_consumergroup_group_status", lbl(f'consumergroup="{g}"'), ts,
                    {"OK": 1, "WARN": 2, "ERR": 3}[gstatus])
            for s in ("OK", "WARN", "ERR"):
                out.add("streamlens_consumergroup_status_info", lbl(f'consumergroup="{g}",status="{s}"'),
                        ts, 1 if s == gstatus else 0)
        # --- topics and partitions ---
        out.add("kafka_brokers", lbl(), ts, len(BROKERS))
        for b in BROKERS:
            out.add("kafka_broker_info", lbl(f'id="{b}",address="127.0.0.1:{9091 + b}"'), ts, 1)
        for tp in TOPICS:
            out.add("kafka_topic_partitions", lbl(f'topic="{tp}"'), ts, PARTITIONS)
            out.add("kafka_topic_replication_factor", lbl(f'topic="{tp}"'), ts, len(BROKERS))
            out.add("kafka_topic_config_min_insync_replicas", lbl(f'topic="{tp}"'), ts, 2)
            out.add("kafka_topic_config_retention_seconds", lbl(f'topic="{tp}"'), ts, 604800)
            out.add("kafka_topic_config_retention_bytes", lbl(f'topic="{tp}"'), ts, 1e11)
            out.add("kafka_topic_config_cleanup_policy_info", lbl(f'topic="{tp}",policy="delete"'), ts, 1)
            for p in range(PARTITIONS):
                pl = f'topic="{tp}",partition="{p}"'
                reps = replicas_of(tp, p)
                out.add("kafka_topic_partition_current_offset", lbl(pl), ts, hw[(tp, p)])
                out.add("kafka_topic_partition_oldest_offset", lbl(pl), ts, low[(tp, p)])
                out.add("kafka_topic_partition_leader", lbl(pl), ts, leader_of(tp, p))
                out.add("kafka_topic_partition_replicas", lbl(pl), ts, len(reps))
                out.add("kafka_topic_partition_in_sync_replica", lbl(pl), ts, len(reps))
                out.add("kafka_topic_partition_leader_is_preferred", lbl(pl), ts, 1)
                out.add("kafka_topic_partition_under_replicated_partition", lbl(pl), ts, 0)
                for k, b in enumerate(reps):
                    role = "leader" if k == 0 else "follower"
                    out.add("kafka_topic_partition_replica_info",
                            lbl(f'{pl},broker="{b}",role="{role}",in_sync="true"'), ts, 1)
        # --- brokers (JMX through Jolokia) ---
        total_load = sum(load.values()) or 1.0
        for b in BROKERS:
            bl = f'broker="{b}"'
            out.add("kafka_server_brokertopicmetrics_bytesin_total", lbl(bl), ts, bytes_in[b])
            out.add("kafka_server_brokertopicmetrics_bytesout_total", lbl(bl), ts, bytes_out[b])
            out.add("kafka_server_brokertopicmetrics_messagesin_total", lbl(bl), ts, msgs_in[b])
            for tp in TOPICS:
                out.add("kafka_server_brokertopicmetrics_bytesin_total", lbl(bl, f'topic="{tp}"'), ts,
                        topic_bytes_in[(b, tp)])
            for r in ("Produce", "FetchConsumer", "FetchFollower"):
                rl = f'{bl},request="{r}"'
                out.add("kafka_network_requestmetrics_requests_total", lbl(rl), ts, req[(b, r)])
                for q, mult in (("0.5", 1.0), ("0.99", 4.0)):
                    out.add("kafka_network_requestmetrics_totaltimems", lbl(rl, f'quantile="{q}"'), ts,
                            (2.0 + 3.0 * load[b] / 1e6) * mult)
            share = load[b] / 1e6
            idle = max(0.05, 0.9 - 0.6 * share)
            out.add("kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_oneminuterate", lbl(bl), ts, idle)
            out.add("kafka_network_socketserver_networkprocessoravgidlepercent", lbl(bl), ts,
                    min(1.0, idle + 0.05))
            out.add("kafka_server_replicamanager_underreplicatedpartitions", lbl(bl), ts, 0)
            out.add("kafka_server_replicamanager_underminisrpartitioncount", lbl(bl), ts, 0)
            out.add("kafka_server_replicamanager_partitioncount", lbl(bl), ts,
                    sum(1 for tp in TOPICS for p in range(PARTITIONS) if b in replicas_of(tp, p)))
            out.add("kafka_server_replicamanager_leadercount", lbl(bl), ts,
                    sum(1 for tp in TOPICS for p in range(PARTITIONS) if leader_of(tp, p) == b))
            out.add("kafka_server_replicamanager_isrshrinks_total", lbl(bl), ts, 0)
            out.add("kafka_controller_kafkacontroller_activecontrollercount", lbl(bl), ts, 1 if b == 1 else 0)
            out.add("kafka_controller_kafkacontroller_offlinepartitionscount", lbl(bl), ts, 0)
            cpu_pred = 0.08 + 0.5 * share
            cpu = cpu_pred + rnd.gauss(0, 0.01) + (0.35 if active("cpu", str(b), t) else 0.0)
            out.add("java_lang_operatingsystem_processcpuload", lbl(bl), ts, min(1.0, max(0.0, cpu)))
            out.add("jolokia_up", lbl(bl), ts, 1)
            # Log size on disk (kafka.log Log Size MBeans) of one partition per topic led here,
            # growing 1 MB a minute, and the operator-provided capacity of its log directories.
            size = 0.0
            for k, tp in enumerate(TOPICS):
                v = 2e9 + 1e9 * k + 1e6 * (t - a.start) / 60
                size += v
                out.add("kafka_log_log_size", lbl(bl, f'topic="{tp}",partition="{b - 1}"'), ts, v)
            out.add("kafka_broker_log_dir_capacity_bytes", lbl(bl), ts, 100e9)
            if a.sidecar:
                used = size / 100e9
                fl = f'for="broker_disk_usage",model="ets",{bl}'
                growth = 3e6 / 100e9  # fill ratio per minute
                for th in (0.8, 0.9):
                    out.add("streamlens_time_to_threshold_seconds", lbl(fl, f'threshold="{th:g}"', base=SIDECAR), ts,
                            (th - used) / growth * 60)
                out.add("streamlens_broker_cpu_predicted_ratio", lbl(bl, base=SIDECAR), ts, cpu_pred)
                out.add("streamlens_broker_cpu_residual_ratio", lbl('for="kafka_cluster"', bl, base=SIDECAR), ts,
                        cpu - cpu_pred)
                out.add("streamlens_broker_predicted_load_ratio", lbl('for="kafka_cluster"', bl, base=SIDECAR), ts,
                        load[b] / max(load.values()))
                out.add("streamlens_broker_failure_data_loss_threat", lbl('for="kafka_cluster"', bl, base=SIDECAR),
                        ts, 1 if any(replicas_of(tp, p) == [b] for tp in TOPICS for p in range(PARTITIONS)) else 0)
                # The per-broker anomaly jobs (request_handler_idle, under_replicated, broker_cpu)
                # score against their expectation; the CPU forecast crosses 0.8 only under contention.
                for job, y, yhat, spread in (("request_handler_idle", idle, max(0.05, 0.9 - 0.6 * share), 0.1),
                                             ("under_replicated", 0.0, 0.0, 1.0),
                                             ("broker_cpu", cpu, cpu_pred, 0.1)):
                    fl = f'for="{job}",model="envelope_1d",{bl}'
                    out.add("streamlens_anomaly_score", lbl(fl, base=SIDECAR), ts, abs(y - yhat) / spread)
                    out.add("streamlens_y", lbl(fl, base=SIDECAR), ts, y)
                    out.add("streamlens_yhat", lbl(fl, base=SIDECAR), ts, yhat)
                    out.add("streamlens_yhat_lower", lbl(fl, base=SIDECAR), ts, max(0.0, yhat - spread))
                    out.add("streamlens_yhat_upper", lbl(fl, base=SIDECAR), ts, yhat + spread)
                fl = f'for="broker_cpu",model="ets",{bl}'
                cpu_trend = 0.35 / 3600 if active("cpu", str(b), t) else 0.0
                for h, hs in (("1h", 3600), ("6h", 21600), ("24h", 86400)):
                    f = min(1.0, cpu + cpu_trend * hs)
                    out.add("streamlens_forecast", lbl(fl, f'horizon="{h}"', base=SIDECAR), ts, f)
                    out.add("streamlens_forecast_upper", lbl(fl, f'horizon="{h}"', base=SIDECAR), ts, min(1.0, f + 0.1))
                    out.add("streamlens_threshold_breach_probability",
                            lbl(fl, 'threshold="0.8"', f'horizon="{h}"', base=SIDECAR), ts,
                            1.0 / (1.0 + math.exp(-(f - 0.8) / 0.05)))
                out.add("streamlens_time_to_threshold_seconds", lbl(fl, 'threshold="0.8"', base=SIDECAR), ts,
                        0.0 if cpu >= 0.8 else ((0.8 - cpu) / cpu_trend if cpu_trend > 0 else 86400.0 * 7))
                out.add("streamlens_threshold_breached", lbl(fl, 'threshold="0.8"', base=SIDECAR), ts,
                        1 if cpu >= 0.8 else 0)
                for th in (0.8, 0.9):
                    out.add("streamlens_threshold_breached",
                            lbl(f'for="broker_disk_usage",model="ets",{bl}', f'threshold="{th:g}"', base=SIDECAR), ts,
                            1 if used >= th else 0)
                others = [load[o] for o in BROKERS if o != b]
                mean_o = sum(others) / len(others)
                out.add("streamlens_outlier_score", lbl('for="broker_bytes_in"', bl, base=SIDECAR), ts,
                        abs(load[b] - mean_o) / max(0.5 * mean_o, 1.0))
                off = sum(1 for tp in TOPICS for p in range(PARTITIONS) if replicas_of(tp, p) == [b])
                out.add("streamlens_broker_failure_offline_partitions", lbl(bl, base=SIDECAR), ts, off)
                out.add("streamlens_broker_failure_under_min_isr_partitions", lbl(bl, base=SIDECAR), ts,
                        sum(1 for tp in TOPICS for p in range(PARTITIONS) if b in replicas_of(tp, p)))
                out.add("streamlens_broker_failure_peak_load_ratio", lbl(bl, base=SIDECAR), ts,
                        max(load[o] for o in BROKERS if o != b) / total_load * 1.5)
        # --- exporter self-metrics ---
        out.add("up", lbl(), ts, 1)
        out.add("kafka_up", lbl(), ts, 1)
        out.add("streamlens_exporter_kafka_group_listing_supported", lbl(), ts, 1)
        # --- end-to-end probe: one partition per leader, one message per second ---
        sent = t - a.start
        bounds = ("0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1",
                  "2.5", "5", "10", "+Inf")
        for b in BROKERS:
            pl = f'leader="{b}",partition="{b - 1}"'
            for fam, at in (("produce", 0.01), ("roundtrip", 0.05)):
                name = f"streamlens_end_to_end_{fam}_latency_seconds"
                for le in bounds:
                    out.add(f"{name}_bucket", lbl(pl, f'le="{le}"'), ts, sent if float(le) >= at else 0)
                out.add(f"{name}_sum", lbl(pl), ts, sent * at)
                out.add(f"{name}_count", lbl(pl), ts, sent)
            for c, v in (("produced", sent), ("received", sent), ("lost", 0), ("duplicated", 0)):
                out.add(f"streamlens_end_to_end_messages_{c}_total", lbl(pl), ts, v)
        for le in bounds:
            out.add("streamlens_end_to_end_commit_latency_seconds_bucket", lbl(f'le="{le}"'), ts,
                    sent if float(le) >= 0.005 else 0)
        out.add("streamlens_end_to_end_commit_latency_seconds_sum", lbl(), ts, sent * 0.005)
        out.add("streamlens_end_to_end_commit_latency_seconds_count", lbl(), ts, sent)
        out.add("streamlens_exporter_kafka_topic_configs_supported", lbl(), ts, 1)
        for c, d in (("kafka", 0.12), ("jolokia", 0.05)):
            cl = f'collector="{c}"'
            out.add("streamlens_exporter_last_collect_timestamp_seconds", lbl(cl), ts, t - 5)
            out.add("streamlens_exporter_collect_duration_seconds", lbl(cl), ts, d * (1 + 0.2 * rnd.random()))
            out.add("streamlens_exporter_collect_success", lbl(cl), ts, 1)
            out.add("streamlens_exporter_collect_failures_total", lbl(cl), ts, 0)
        for job, base in (("streamlens-exporter", EXPORTER), ("streamlens-sidecar", SIDECAR)):
            if job == "streamlens-sidecar" and not a.sidecar:
                continue
            out.add("process_resident_memory_bytes", base, ts, 30e6 + 1e6 * rnd.random())
            out.add("process_cpu_seconds_total", base, ts, 0.02 * (t - a.start))
            out.add("streamlens_build_info", f'version="0.1.0",revision="fixture",compiler="gcc",{base}', ts, 1)
        if not a.sidecar:
            continue
        # --- sidecar outputs ---
        out.add("up", SIDECAR, ts, 1)
        for g, (tp, cap) in GROUPS.items():
            lag = sum(hw[(tp, p)] - committed[(g, p)] for p in range(PARTITIONS))
            expected = 0.0 if tp != "clicks" else max(0.0, lag if burst(t) > 1 or burst(t - 1800) > 1 else 0.0)
            band = 50.0 + 0.2 * expected
            score = abs(lag - expected) / band
            gl = f'consumergroup="{g}",topic="{tp}"'
            fl = f'for="consumer_lag",model="seasonal",{gl}'
            out.add("streamlens_anomaly_score", lbl(fl, base=SIDECAR), ts, score)
            out.add("streamlens_y", lbl(fl, base=SIDECAR), ts, lag)
            out.add("streamlens_yhat", lbl(fl, base=SIDECAR), ts, expected)
            out.add("streamlens_yhat_lower", lbl(fl, base=SIDECAR), ts, max(0.0, expected - band))
            out.add("streamlens_yhat_upper", lbl(fl, base=SIDECAR), ts, expected + band)
            lag_s = group_lag_s[g]
            trend = 4.0 if active("slowdown", g, t) else 0.0
            fs = f'for="consumer_lag_seconds",model="ets",{gl}'
            for h, hs in (("15m", 900), ("1h", 3600)):
                f = lag_s + trend * hs
                out.add("streamlens_forecast", lbl(fs, f'horizon="{h}"', base=SIDECAR), ts, f)
                out.add("streamlens_forecast_lower", lbl(fs, f'horizon="{h}"', base=SIDECAR), ts, max(0.0, 0.7 * f))
                out.add("streamlens_forecast_upper", lbl(fs, f'horizon="{h}"', base=SIDECAR), ts, 1.3 * f + 10)
                p = 1.0 / (1.0 + math.exp(-(f - SLA_SECONDS) / 30.0))
                out.add("streamlens_threshold_breach_probability",
                        lbl(fs, f'threshold="{SLA_SECONDS:g}",horizon="{h}"', base=SIDECAR), ts, p)
            ttt = (SLA_SECONDS - lag_s) / trend if trend > 0 and lag_s < SLA_SECONDS else (0.0 if lag_s >= SLA_SECONDS else 86400.0 * 7)
            out.add("streamlens_time_to_threshold_seconds", lbl(fs, f'threshold="{SLA_SECONDS:g}"', base=SIDECAR),
                    ts, ttt)
            out.add("streamlens_threshold_breached", lbl(fs, f'threshold="{SLA_SECONDS:g}"', base=SIDECAR),
                    ts, 1 if lag_s >= SLA_SECONDS else 0)
            rl = f'for="consumer_capacity",topic="{tp}",consumergroup="{g}"'
            out.add("streamlens_recommended_consumers", lbl(rl, base=SIDECAR), ts,
                    math.ceil(TOPICS[tp] * 1.5 * 1.2 / (cap / PARTITIONS)))
            out.add("streamlens_consumer_capacity_per_consumer_messages_per_second", lbl(rl, base=SIDECAR), ts,
                    cap / PARTITIONS)
            out.add("streamlens_recommendation_required_messages_per_second", lbl(rl, base=SIDECAR), ts,
                    TOPICS[tp] * 1.5 * 1.2 + lag / 300.0)
            out.add("streamlens_recommended_partitions", lbl(f'topic="{tp}",consumergroup="{g}"', base=SIDECAR), ts,
                    max(PARTITIONS, math.ceil(TOPICS[tp] * 1.5 * 1.25 / (cap / PARTITIONS))))
            for cand, layer, w in (("kafka_consumergroup_current_offset", "application", 0.9),
                                   ("kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_oneminuterate",
                                    "platform", 0.3),
                                   ("java_lang_operatingsystem_processcpuload", "resources", 0.2),
                                   ("kafka_topic_partition_current_offset", "data", 0.4)):
                out.add("streamlens_rootcause_score",
                        lbl(f'for="consumer_lag",consumergroup="{g}",topic="{tp}"',
                            f'candidate="{cand}",layer="{layer}"', base=SIDECAR), ts,
                        w * (1.0 if trend > 0 or cand != "kafka_consumergroup_current_offset" else 0.4))
        for b in BROKERS:
            bl = f'broker="{b}"'
            y = load[b]
            yhat = TOPICS["orders"] * daily(t) * MSG_BYTES["orders"] / len(BROKERS) * 2.5
            fl = f'for="broker_bytes_in",model="seasonal",{bl}'
            out.add("streamlens_anomaly_score", lbl(fl, base=SIDECAR), ts, abs(y - yhat) / max(0.5 * yhat, 1.0))
            out.add("streamlens_y", lbl(fl, base=SIDECAR), ts, y)
            out.add("streamlens_yhat", lbl(fl, base=SIDECAR), ts, yhat)
            out.add("streamlens_yhat_lower", lbl(fl, base=SIDECAR), ts, 0.5 * yhat)
            out.add("streamlens_yhat_upper", lbl(fl, base=SIDECAR), ts, 1.5 * yhat)
        out.add("streamlens_broker_cpu_model_r2", SIDECAR, ts, 0.94)
        cl = 'for="kafka_cluster"'
        for feature, coef in (("leader_bytes_in", 5e-7), ("leader_bytes_out", 2e-7), ("produce_requests", 1e-4)):
            out.add("streamlens_broker_cpu_model_coefficient", lbl(cl, f'feature="{feature}"', base=SIDECAR), ts, coef)
        out.add("streamlens_broker_cpu_model_intercept_ratio", lbl(cl, base=SIDECAR), ts, 0.08)
        out.add("streamlens_broker_cpu_model_residual_stddev_ratio", lbl(cl, base=SIDECAR), ts, 0.01)
        out.add("streamlens_broker_cpu_model_samples", lbl(cl, base=SIDECAR), ts, 3 * 60 * 24 * 7)
        out.add("streamlens_rebalance_proposed_moves", SIDECAR, ts, 2)
        out.add("streamlens_placement_data_coverage_ratio", SIDECAR, ts, 1.0)
        out.add("streamlens_placement_data_freshness_ratio", SIDECAR, ts, 0.999)
        peak = max(load.values()) / (total_load / len(BROKERS))
        out.add("streamlens_rebalance_peak_load_before_ratio", lbl(cl, base=SIDECAR), ts, 1.0)
        out.add("streamlens_rebalance_peak_load_after_ratio", lbl(cl, base=SIDECAR), ts, 1.0 / peak * 1.05)
        out.add("streamlens_add_broker_peak_load_ratio", lbl(cl, base=SIDECAR), ts,
                len(BROKERS) / (len(BROKERS) + 1.0) / peak * 1.1)
        sidecar_runs += 1
        jobs = ("consumer_lag", "consumer_lag_seconds", "broker_bytes_in")
        for job in jobs:
            jl = f'for="{job}"'
            samples_read += 12 * a.step / 60.0
            out.add("streamlens_sidecar_job_runs_total", lbl(jl, base=SIDECAR), ts, sidecar_runs)
            out.add("streamlens_sidecar_job_failures_total", lbl(jl, base=SIDECAR), ts, 0)
            out.add("streamlens_sidecar_job_skipped_cycles_total", lbl(jl, base=SIDECAR), ts, 0)
            out.add("streamlens_sidecar_job_last_infer_duration_seconds", lbl(jl, base=SIDECAR), ts, 0.02 + 0.01 * rnd.random())
            out.add("streamlens_sidecar_job_last_fit_duration_seconds", lbl(jl, base=SIDECAR), ts, 0.5)
            out.add("streamlens_sidecar_job_series", lbl(jl, base=SIDECAR), ts, 3)
            out.add("streamlens_sidecar_samples_read_total", lbl(jl, base=SIDECAR), ts, samples_read)
            out.add("streamlens_sidecar_job_last_success_timestamp_seconds", lbl(jl, base=SIDECAR), ts, t - 10)
            out.add("streamlens_sidecar_series_fits_total", lbl(jl, base=SIDECAR), ts, 3 * (1 + sidecar_runs // 15))
            out.add("streamlens_sidecar_series_fit_failures_total", lbl(jl, base=SIDECAR), ts, 0)
            out.add("streamlens_sidecar_series_processed_total", lbl(jl, base=SIDECAR), ts, 3 * sidecar_runs)
            out.add("streamlens_sidecar_series_dropped_total", lbl(jl, base=SIDECAR), ts, 0)
            out.add("streamlens_sidecar_series_restored_total", lbl(jl, base=SIDECAR), ts, 3)
            out.add("streamlens_sidecar_job_state_bytes", lbl(jl, base=SIDECAR), ts, 3 * 40e3)
        out.add("streamlens_sidecar_source_up", lbl('source="default"', base=SIDECAR), ts, 1)
        out.add("streamlens_sidecar_config_last_reload_successful", SIDECAR, ts, 1)
        out.add("streamlens_sidecar_config_last_reload_success_timestamp_seconds", SIDECAR, ts, a.start)
    out.flush()


if __name__ == "__main__":
    main()
