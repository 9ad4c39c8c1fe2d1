"""The streamlens stack on loopback, for the end-to-end test and the demo.

streamlens-loadgen (embedded librdkafka mock cluster, a scenario of faults) -> streamlens-exporter
-> Prometheus (scraping it, rules/ loaded, history backfilled with promtool) -> streamlens-sidecar
(reading history through Prometheus' remote read; Prometheus scrapes its results back) ->
Alertmanager (alertmanager/alertmanager.yml with its webhooks pointed at a local receiver).

History: the live exporter is scraped once; each consumer-lag series it serves is extended
backwards over `history` with the workload's own model (lag 0 while consumers keep up, and for a
`daily_burst` of the scenario the same burst at the same time of day on every past day, caught up
at the consumers' headroom), written as OpenMetrics and backfilled before Prometheus starts.
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ecosystem"))
import ecolib  # noqa: E402
import yaml  # noqa: E402

# The consumer-lag families the sidecar's built-in jobs read (per group and topic); the per-partition
# families only matter live (rules, dashboards), so they are not backfilled.
LAG_FAMILIES = ("kafka_consumergroup_lag_sum", "streamlens_consumergroup_max_lag_seconds")


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
    """The loadgen parameters the history model needs."""

    def __init__(self, topics=2, partitions=4, groups=2, rate=200.0, headroom=1.5, brokers=3, faults=(),
                 tick=1.0):
        self.topics, self.partitions, self.groups, self.tick = topics, partitions, groups, tick
        self.rate, self.headroom, self.brokers = rate, headroom, brokers
        self.faults = list(faults)

    def args(self):
        return [f"--brokers={self.brokers}", f"--topics={self.topics}",
                f"--partitions-per-topic={self.partitions}", f"--groups={self.groups}",
                f"--rate={self.rate:g}", f"--consumer.headroom={self.headroom:g}",
                f"--replication-factor={min(3, self.brokers)}", f"--tick={self.tick * 1000:.0f}ms"]

    def scenario_yaml(self):
        return yaml.safe_dump({"faults": self.faults}, sort_keys=False)

    def daily_lag(self, topic, t, t0):
        """Lag (messages, whole topic) that the daily bursts of the scenario leave at unix time t,
        for bursts that happened at the same time of day as in the live run started at t0."""
        r = self.rate / self.topics
        lag = 0.0
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
                elif t >= s + d:
                    peak = g * d
                    lag = max(lag, peak - drain * (t - s - d))
        return lag


class Stack:
    def __init__(self, src, bin_dir, workdir, say=print):
        self.src, self.bin, self.work, self.say = src, bin_dir, workdir, say
        self.servers = ecolib.Servers(workdir)
        self.ports = {}
        self.hook = None
        self.loadgen_start = None
        self.bootstrap = None
        self.groups = []

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
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(out) as f:
                lines = f.read().splitlines()
            if len(lines) >= 2:
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
        return self.bootstrap, self.groups

    # --- exporter ---
    def start_exporter(self, interval="15s"):
        self.collect_interval = parse_duration(interval)
        port = ecolib.free_port()
        argv = [self.binary("streamlens-exporter"), f"--web.listen-address=127.0.0.1:{port}",
                f"--collect.interval={interval}", "--no-collector.jolokia", "--log.level=warn"]
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
        """Extends the live lag series backwards over `history` seconds; returns the TSDB dir."""
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
                r = workload.rate / workload.topics
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
        """Starts Prometheus on `data` with rules/ (alert `for:` durations replaced by `alert_for`
        when given, so that a test sees in minutes what production waits longer for)."""
        rules = []
        for path in sorted(os.listdir(os.path.join(self.src, "rules"))):
            if not path.endswith(".yml"):
                continue
            with open(os.path.join(self.src, "rules", path)) as f:
                text = f.read()
            if alert_for:
                text = re.sub(r"(\n\s+for: )\S+", r"\g<1>" + alert_for, text)
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
