"""History of the simulated brokers' JMX series, for backfilling before a live run.

streamlens-loadgen with --jolokia.listen-address serves simulated broker JMX that follows its
traffic (exporter/loadgen/simulated_jmx.h); streamlens-exporter reads it with its Jolokia
collector. A real Prometheus would hold weeks of these series; this module writes the past of the
ones the sidecar's built-in broker jobs, its CPU model and its root-cause candidates read, from the
same model: leader traffic of the partitions each broker leads (loadgen's --leaders=spread
placement and topic/partition weights), the scenario's daily bursts at the same time of day on
past days (Workload.daily_burst), handler idle 0.95 - 0.2 x load and CPU 0.08 + 0.2 x load (load =
the broker's messages in over the per-broker nominal rate), request rates, constant counts and
latencies. Counters start at 0 at the beginning of the history; the live series start again near
0 when loadgen starts, which Prometheus and the sidecar read as a counter reset (a broker restart).

Only for workloads with leaders="spread" and the replication factor equal to the broker count
(every broker holds a replica of every partition).
"""
import random


def _led(workload, b):
    return [(t, p) for t in range(workload.topics) for p in range(workload.partitions)
            if workload.leader(t, p) == b]


class BrokerModel:
    """Rates and gauges of broker b at unix time `at`, for the live run started at t0."""

    def __init__(self, workload, t0):
        self.w, self.t0 = workload, t0
        self.topic_names = [f"loadgen-topic-{t}" for t in range(workload.topics)]
        self.groups_on = [sum(1 for g in range(workload.groups) if g % workload.topics == t)
                          for t in range(workload.topics)]
        self._cache = {}

    def _burst(self, t, at):
        key = (t, at)
        if key not in self._cache:
            self._cache[key] = self.w.daily_burst(self.topic_names[t], at, self.t0)
        return self._cache[key]

    def messages(self, b, at, topic=None, consumed=False):
        total = 0.0
        for t, p in _led(self.w, b):
            if topic is not None and t != topic:
                continue
            _, prod, cons = self._burst(t, at)
            total += self.w.partition_rate(t, p) * (cons if consumed else prod)
        return total

    def replication_in(self, b, at):
        followers = (self.w.brokers - 1) / max(1, self.w.brokers - 1)
        return sum(self.messages(o, at) for o in range(1, self.w.brokers + 1) if o != b) * followers

    def load(self, b, at):
        return self.messages(b, at) / (self.w.rate / self.w.brokers)

    def requests(self, b, request):
        led = _led(self.w, b)
        if request == "Produce":
            return len(led) / self.w.tick
        if request == "FetchConsumer":
            return sum(self.groups_on[t] for t, _ in led) / self.w.tick
        return len(led) * (self.w.brokers - 1) * 2.0


def series(workload, t0):
    """[(name, labels, kind, fn(at) -> value)]: kind "counter" (fn is the rate per second) or
    "gauge"."""
    m = BrokerModel(workload, t0)
    mb = workload.message_bytes
    out = []
    for b in range(1, workload.brokers + 1):
        bl = {"broker": str(b)}
        for fam, fn in (("messagesin", lambda at, b=b, t=None: m.messages(b, at, t)),
                        ("bytesin", lambda at, b=b, t=None: m.messages(b, at, t) * mb),
                        ("bytesout", lambda at, b=b, t=None: m.messages(b, at, t, consumed=True) * mb)):
            name = f"kafka_server_brokertopicmetrics_{fam}_total"
            out.append((name, bl, "counter", fn))
            for t in range(workload.topics):
                out.append((name, dict(bl, topic=m.topic_names[t]), "counter",
                            lambda at, fn=fn, t=t: fn(at, t=t)))
        out.append(("kafka_server_brokertopicmetrics_replicationbytesin_total", bl, "counter",
                    lambda at, b=b: m.replication_in(b, at) * mb))
        for req in ("Produce", "FetchConsumer", "FetchFollower"):
            out.append(("kafka_network_requestmetrics_requests_total", dict(bl, request=req), "counter",
                        lambda at, b=b, req=req: m.requests(b, req)))
        idle = lambda at, b=b: 0.95 - 0.2 * m.load(b, at)  # noqa: E731
        out.append(("kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_oneminuterate", bl,
                    "gauge", idle))
        out.append(("kafka_network_socketserver_networkprocessoravgidlepercent", bl, "gauge",
                    lambda at, idle=idle: 1 - (1 - idle(at)) * 0.5))
        out.append(("java_lang_operatingsystem_processcpuload", bl, "gauge",
                    lambda at, b=b: 0.08 + 0.2 * m.load(b, at)))
        nparts = workload.topics * workload.partitions
        nled = len(_led(workload, b))
        for name, v in (("kafka_server_replicamanager_partitioncount", nparts),
                        ("kafka_server_replicamanager_leadercount", nled),
                        ("kafka_server_replicamanager_underreplicatedpartitions", 0),
                        ("jolokia_up", 1)):
            out.append((name, bl, "gauge", lambda at, v=v: v))
        for name, req, p50 in (("kafka_network_requestmetrics_totaltimems", "Produce", 1.5),
                               ("kafka_network_requestmetrics_totaltimems", "FetchConsumer", 2.0),
                               ("kafka_network_requestmetrics_requestqueuetimems", "Produce", 0.1)):
            out.append((name, dict(bl, request=req, quantile="0.99"), "gauge", lambda at, v=p50 * 3.5: v))
    out.append(("kafka_brokers", {}, "gauge", lambda at: workload.brokers))
    return out


def write(f, workload, t0, start, end, step, target_labels, seed=11):
    """Writes the series from `start` to `end` (unix seconds, every `step`) as OpenMetrics lines
    with `target_labels` (job, instance) added; returns how many series were written. Counters get
    +-0.5% noise per step (loadgen's whole messages per tick), idle and CPU +-0.002."""
    rnd = random.Random(seed)
    n = 0
    for name, labels, kind, fn in series(workload, t0):
        lab = dict(labels, **target_labels)
        ls = ",".join(f'{k}="{v}"' for k, v in sorted(lab.items()))
        lines = []
        total = 0.0
        t = start
        while t <= end:
            if kind == "counter":
                total += fn(t) * step * (1 + rnd.gauss(0, 0.005))
                v = total
            else:
                v = fn(t)
                if "idle" in name or "cpu" in name:
                    v += rnd.uniform(-0.002, 0.002)
            lines.append(f"{name}{{{ls}}} {v:.8g} {t:.0f}\n")
            t += step
        f.write("".join(lines))
        n += 1
    return n
