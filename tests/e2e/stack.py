"""The streamlens stack on loopback, for the end-to-end test and the demo.

streamlens-loadgen (embedded librdkafka mock cluster, a scenario of faults) -> streamlens-exporter
-> Prometheus (scraping it, rules/ loaded, history backfilled with promtool) -> streamlens-sidecar
(reading history through Prometheus' remote read; Prometheus scrapes its results back) ->
Alertmanager (alertmanager/alertmanager.yml with its webhooks pointed at a local receiver).

History: the live exporter is scraped once; each consumer-lag series it serves is extended
backwards over `history` with the workload's own model (lag 0 while consumers keep up, and for a
`daily_burst` of the scenario the same burst at the same time of day on every past day, caught up
at the consumers' headroom), written as OpenMetrics and backfilled before Prometheus starts. With
simulated broker JMX (Workload(jolokia=True)) the exporter also reads the mock brokers' Jolokia
agents, and the brokers' series get the same history (broker_history.py).
Every process gets a free loopback port and its own log in the work directory; close() stops all.
"""
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ecosystem"))
import broker_history  # noqa: E402
import ecolib  # noqa: E402
import yaml  # noqa: E402

# The consumer-lag families the sidecar's built-in jobs read (per group and topic); the per-partition
# families only matter live (rules, dashboards), so they are not backfilled.
LAG_FAMILIES = ("kafka_consumergroup_lag_sum", "streamlens_consumergroup_max_lag_seconds")


# The demo's and the end-to-end test's cluster: three mock brokers (librdkafka's mock places three
# replicas of every partition, so each broker holds them all), each leading two partitions of every
# topic (--leaders=spread); topics and partitions of unequal rates, as keyed traffic is, so the
# brokers' loads differ by about 4% (0.96, 1.04, 1.00 of the mean) and a burst on one topic keeps
# them apart alike, while a broker that stops taking traffic stands out. Group g is coordinated by
# broker g mod 3 + 1.
CLUSTER = dict(brokers=3, topics=6, partitions=6, groups=6, rate=360, headroom=1.5, leaders="spread",
               jolokia=True, topic_weights=(1.35, 0.61, 0.72, 0.98, 0.76, 0.71),
               partition_weights=(0.73, 1.2, 1.0, 0.88, 1.28, 1.07))


def parse_exposition(text):
    """[(name, {labels}, value)] from Prometheus text exposition."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)", line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        try:
            out.append((m.group(1), labels, float(m.group(4))))
        except ValueError:
            pass
    return out


def parse_duration(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", str(s).strip())
    if not m:
        raise ValueError(f"bad duration {s!r}")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


class Workload:
    """The loadgen parameters the history model needs.

    With `jolokia` the mock's brokers serve simulated JMX (loadgen --jolokia.listen-address) that
    the exporter reads with its Jolokia collector; `leaders="spread"` places partition p of topic t
    on broker (t + p) mod brokers + 1 (the replication factor is then the broker count)."""

    def __init__(self, topics=2, partitions=4, groups=2, rate=200.0, headroom=1.5, brokers=3, faults=(),
                 tick=1.0, topic_weights=(), partition_weights=(), leaders="mock", jolokia=False,
                 message_bytes=1024):
        self.topics, self.partitions, self.groups, self.tick = topics, partitions, groups, tick
        self.rate, self.headroom, self.brokers = rate, headroom, brokers
        self.faults = list(faults)
        self.topic_weights = list(topic_weights) or [1.0] * topics
        self.partition_weights = list(partition_weights) or [1.0] * partitions
        self.leaders, self.jolokia, self.message_bytes = leaders, jolokia, message_bytes

    def args(self):
        rf = self.brokers if self.leaders == "spread" else min(3, self.brokers)
        out = [f"--brokers={self.brokers}", f"--topics={self.topics}",
               f"--partitions-per-topic={self.partitions}", f"--groups={self.groups}",
               f"--rate={self.rate:g}", f"--consumer.headroom={self.headroom:g}",
               f"--replication-factor={rf}", f"--tick={self.tick * 1000:.0f}ms",
               f"--leaders={self.leaders}",
               "--topic-weights=" + ",".join(f"{w:g}" for w in self.topic_weights),
               "--partition-weights=" + ",".join(f"{w:g}" for w in self.partition_weights)]
        if self.jolokia:
            out += ["--jolokia.listen-address=127.0.0.1:0", f"--jmx.message-bytes={self.message_bytes:g}"]
        return out

    def topic_rate(self, t):
        """Base messages/s of topic index t (loadgen's --topic-weights share of --rate)."""
        return self.rate * self.topic_weights[t] / sum(self.topic_weights)

    def partition_rate(self, t, p):
        return self.topic_rate(t) * self.partition_weights[p] / sum(self.partition_weights)

    def leader(self, t, p):
        """Broker id leading partition p of topic t (leaders="spread" only)."""
        return (t + p) % self.brokers + 1

    def scenario_yaml(self):
        return yaml.safe_dump({"faults": self.faults}, sort_keys=False)

    def topic_index(self, topic):
        """Index of a loadgen topic name ("loadgen-topic-3" -> 3), None for other names."""
        tail = topic.rsplit("-", 1)[-1]
        return int(tail) if tail.isdigit() and int(tail) < self.topics else None

    def daily_burst(self, topic, t, t0):
        """(lag, production, consumption) of `topic` at unix time t from the scenario's daily
        bursts that happened at the same time of day on past days, for the live run started at t0:
        the backlog (messages) and the production and consumption rates as multiples of the
        topic's base rate (1, 1 when no burst is under way)."""
        i = self.topic_index(topic)
        r = self.topic_rate(i) if i is not None else self.rate / self.topics
        lag, prod, cons = 0.0, 1.0, 1.0
        for f in self.faults:
            if f["kind"] != "daily_burst" or (f.get("topic") and f["topic"] != topic):
                continue
            start = t0 + parse_duration(f["start"])
            d = parse_duration(f["duration"])
            factor = float(f.get("factor", 2))
            grow = max(0.0, factor - self.headroom) * r          # msgs/s while bursting
            drain = max(1e-9, (self.headroom - 1.0) * r)          # msgs/s while catching up
            # The same burst k days earlier (k >= 1), as seen at time t. Real days differ: each
            # past burst starts up to 30 s early or late and is up to 15% larger or smaller.
            k = math.floor((start - t) / 86400.0 + 1e-9)
            for kk in (k, k + 1):
                if kk < 1:
                    continue
                day = random.Random(kk * 7919 + len(topic))
                s = start - kk * 86400.0 + day.uniform(-30, 30)
                g = grow * day.uniform(0.85, 1.15)
                if s <= t < s + d:
                    lag = max(lag, g * (t - s))
                    prod, cons = (g + min(factor, self.headroom) * r) / r, min(factor, self.headroom)
                elif t >= s + d and g * d - drain * (t - s - d) > 0:
                    lag = max(lag, g * d - drain * (t - s - d))
                    cons = self.headroom
        return lag, prod, cons

    def daily_lag(self, topic, t, t0):
        """Lag (messages, whole topic) that the daily bursts leave at unix time t (daily_burst)."""
        return self.daily_burst(topic, t, t0)[0]


class Stack:
    def __init__(self, src, bin_dir, workdir, say=print):
        self.src, self.bin, self.work, self.say = src, bin_dir, workdir, say
        self.servers = ecolib.Servers(workdir)
        self.ports = {}
        self.hook = None
        self.loadgen_start = None
        self.bootstrap = None
        self.groups = []
        self.jolokia_urls = []

    def close(self):
        self.servers.close()
        if self.hook:
            self.hook.close()

    def binary(self, name):
        p = os.path.join(self.bin, name)
        if not os.access(p, os.X_OK):
            raise RuntimeError(f"{p} not found: build it first (cmake --build <dir> --target {name})")
        return p

    # --- loadgen ---
    def start_loadgen(self, workload):
        scenario = os.path.join(self.work, "scenario.yml")
        with open(scenario, "w") as f:
            f.write(workload.scenario_yaml())
        out = os.path.join(self.work, "loadgen.out")
        self.ground_truth = os.path.join(self.work, "ground-truth.json")
        self.loadgen_start = time.time()
        proc, log = self.servers.start("loadgen", [
            self.binary("streamlens-loadgen"), *workload.args(), f"--scenario={scenario}",
            f"--ground-truth={self.ground_truth}", "--log.level=warn"], stdout_path=out)
        want = 3 if workload.jolokia else 2
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(out) as f:
                lines = f.read().splitlines()
            if len(lines) >= want:
                break
            if proc.poll() is not None:
                raise RuntimeError(f"streamlens-loadgen exited with {proc.returncode}:\n{ecolib.tail(log)}")
            time.sleep(0.1)
        else:
            raise RuntimeError(f"streamlens-loadgen printed no bootstrap line:\n{ecolib.tail(log)}")
        if not lines[0].startswith("bootstrap=") or not lines[1].startswith("groups="):
            raise RuntimeError(f"streamlens-loadgen: unexpected first lines {lines[:2]}")
        self.bootstrap = lines[0].split("=", 1)[1]
        self.groups = [g for g in lines[1].split("=", 1)[1].split(",") if g]
        self.jolokia_urls = []
        if workload.jolokia:
            if not lines[2].startswith("jolokia="):
                raise RuntimeError(f"streamlens-loadgen: expected a jolokia= line, got {lines[2]!r}")
            self.jolokia_urls = [u for u in lines[2].split("=", 1)[1].split(",") if u]
        self.workload = workload
        return self.bootstrap, self.groups

    # --- exporter ---
    def start_exporter(self, interval="15s"):
        self.collect_interval = parse_duration(interval)
        port = ecolib.free_port()
        argv = [self.binary("streamlens-exporter"), f"--web.listen-address=127.0.0.1:{port}",
                f"--collect.interval={interval}", "--log.level=warn"]
        # The simulated brokers' Jolokia agents, or no Jolokia collector at all.
        argv += [f"--jolokia.url={u}" for u in self.jolokia_urls] or ["--no-collector.jolokia"]
        argv += [f"--kafka.server={s}" for s in self.bootstrap.split(",")]
        if self.groups:
            argv.append("--group.list=" + ",".join(self.groups))
        proc, log = self.servers.start("exporter", argv)
        self.ports["exporter"] = port
        ecolib.wait_http(f"http://127.0.0.1:{port}/-/healthy", proc=proc, log=log)
        # Wait for a first Kafka collection with consumer lag.
        deadline = time.time() + 60
        while time.time() < deadline:
            _, body = ecolib.http_get(f"http://127.0.0.1:{port}/metrics")
            samples = parse_exposition(body.decode())
            if any(n == "kafka_consumergroup_lag_sum" for n, _, _ in samples):
                return port, samples
            if proc.poll() is not None:
                break
            time.sleep(1)
        raise RuntimeError("streamlens-exporter served no kafka_consumergroup_lag_sum within 60 s:\n"
                           + ecolib.tail(log))

    # --- history ---
    def backfill(self, samples, workload, history, step=60.0):
        """Extends the live lag series backwards over `history` seconds, and with simulated broker
        JMX writes the brokers' history (broker_history.py); returns the TSDB dir."""
        port = self.ports["exporter"]
        end = math.floor(time.time() / step) * step - step
        start = end - history
        t0 = self.loadgen_start
        om = os.path.join(self.work, "history.om")
        n_series = 0
        with open(om, "w") as f:
            rnd = random.Random(7)
            for name, labels, live in samples:
                if name not in LAG_FAMILIES:
                    continue
                topic = labels.get("topic", "")
                nparts = 1
                lab = dict(labels, job="streamlens-exporter", instance=f"127.0.0.1:{port}")
                ls = ",".join(f'{k}="{v}"' for k, v in sorted(lab.items()))
                i = workload.topic_index(topic)
                r = workload.topic_rate(i) if i is not None else workload.rate / workload.topics
                lines = []
                t = start
                while t <= end:
                    # Steady state: what was produced since the last commit, up to one loadgen
                    # tick's worth (the live value is one draw of it); bursts add their backlog.
                    # The exporter reports what it collected up to one interval earlier.
                    lag = workload.daily_lag(topic, t - rnd.uniform(0, self.collect_interval), t0)
                    u = rnd.random()
                    if name.endswith("_seconds"):
                        v = u * workload.tick + (lag / r if lag > 0 else 0.0)
                    else:
                        v = (u * r * workload.tick + lag) / nparts
                    lines.append(f"{name}{{{ls}}} {v:.6g} {t:.0f}\n")
                    t += step
                f.write("".join(lines))
                n_series += 1
            if workload.jolokia:
                n_series += broker_history.write(f, workload, t0, start, end, step, {
                    "job": "streamlens-exporter", "instance": f"127.0.0.1:{port}"})
            f.write("# EOF\n")
        data = os.path.join(self.work, "prometheus-data")
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h", om, data],
                       check=True,
                       stdout=subprocess.DEVNULL)
        self.say(f"backfilled {n_series} series x {int(history // step)} points "
                 f"({history / 86400:.1f} days at {step:.0f} s)")
        return data

    # --- alertmanager ---
    def start_alertmanager(self, group_wait="1s"):
        self.hook = ecolib.WebhookReceiver()
        with open(os.path.join(self.src, "alertmanager", "alertmanager.yml")) as f:
            text = f.read()
        text = text.replace("http://127.0.0.1:9095/", f"http://127.0.0.1:{self.hook.port}/")
        text = re.sub(r"group_wait: \S+", f"group_wait: {group_wait}", text)
        text = re.sub(r"group_interval: \S+", "group_interval: 5s", text)
        cfg = os.path.join(self.work, "alertmanager.yml")
        with open(cfg, "w") as f:
            f.write(text)
        port = ecolib.free_port()
        proc, log = self.servers.start("alertmanager", [
            "prometheus-alertmanager", f"--config.file={cfg}", f"--storage.path={self.work}/am-data",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"])
        self.ports["alertmanager"] = port
        ecolib.wait_http(f"http://127.0.0.1:{port}/-/ready", proc=proc, log=log)
        return port

    # --- prometheus ---
    def start_prometheus(self, data, interval="15s", alert_for=None):
        """Starts Prometheus on `data` with rules/ (alert `for:` durations longer than `alert_for`
        shortened to it when given, so that a test sees in minutes what production waits longer
        for; shorter ones are kept)."""
        rules = []
        for path in sorted(os.listdir(os.path.join(self.src, "rules"))):
            if not path.endswith(".yml"):
                continue
            with open(os.path.join(self.src, "rules", path)) as f:
                text = f.read()
            if alert_for:
                cap = parse_duration(alert_for)
                text = re.sub(r"(\n\s+for: )(\S+)",
                              lambda m: m.group(1) + (alert_for if parse_duration(m.group(2)) > cap else m.group(2)),
                              text)
            dst = os.path.join(self.work, path)
            with open(dst, "w") as f:
                f.write(text)
            rules.append(dst)
        port = ecolib.free_port()
        self.ports["prometheus"] = port
        if "sidecar" not in self.ports:
            self.ports["sidecar"] = ecolib.free_port()
        cfg = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": rules,
            "scrape_configs": [
                {"job_name": "streamlens-exporter",
                 "static_configs": [{"targets": [f"127.0.0.1:{self.ports['exporter']}"]}]},
                {"job_name": "streamlens-sidecar",
                 "static_configs": [{"targets": [f"127.0.0.1:{self.ports['sidecar']}"]}]},
            ],
        }
        if "alertmanager" in self.ports:
            cfg["alerting"] = {"alertmanagers": [{"static_configs": [
                {"targets": [f"127.0.0.1:{self.ports['alertmanager']}"]}]}]}
        path = os.path.join(self.work, "prometheus.yml")
        with open(path, "w") as f:
            yaml.safe_dump(cfg, f)
        proc, log = self.servers.start("prometheus", [
            "prometheus", f"--config.file={path}", f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=30d",
            "--log.level=warn"])
        ecolib.wait_http(f"http://127.0.0.1:{port}/-/ready", proc=proc, log=log)
        return port

    # --- sidecar ---
    def start_sidecar(self, extra=()):
        port = self.ports.get("sidecar") or ecolib.free_port()
        self.ports["sidecar"] = port
        prom = self.ports["prometheus"]
        proc, log = self.servers.start("sidecar", [
            self.binary("streamlens-sidecar"), f"--web.listen-address=127.0.0.1:{port}",
            f"--remote-read.url=http://127.0.0.1:{prom}/api/v1/read", "--log.level=info", *extra])
        ecolib.wait_http(f"http://127.0.0.1:{port}/-/healthy", proc=proc, log=log)
        self.sidecar_proc, self.sidecar_log = proc, log
        return port

    def query(self, expr, at=None):
        import urllib.parse
        q = {"query": expr}
        if at is not None:
            q["time"] = at
        r = ecolib.http_json(f"http://127.0.0.1:{self.ports['prometheus']}/api/v1/query?"
                             + urllib.parse.urlencode(q))
        return r["data"]["result"]

    def query_range(self, expr, start, end, step):
        import urllib.parse
        r = ecolib.http_json(f"http://127.0.0.1:{self.ports['prometheus']}/api/v1/query_range?"
                             + urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step}))
        return r["data"]["result"]
