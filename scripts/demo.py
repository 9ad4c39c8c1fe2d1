#!/usr/bin/env python3
"""The streamlens demo on loopback (run through scripts/demo, which installs and builds first).

Starts streamlens-loadgen (embedded mock Kafka: 3 brokers with simulated JMX read through the
exporter's Jolokia collector, 6 topics, 6 consumer groups, a scenario: a benign daily burst, a
consumer slowdown and a broker whose request handlers saturate), streamlens-exporter, Prometheus
with a backfilled week of history (so the analyses have daily seasonality from minute one) and
streamlens' rules, Alertmanager with the example routing, and streamlens-sidecar with its built-in
jobs. Prints each finding of the sidecar in words with its numbers as it appears (anomalies with
their first-ranked cause, broker outliers, forecast breaches, recommendations) and the alerts as
Alertmanager delivers them; stops everything on Ctrl-C or after --duration, and writes a
self-contained HTML report.
"""
import argparse
import json
import os
import signal
import sys
import tempfile
import time
import urllib.error

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "tests", "ecosystem"))
import ecolib  # noqa: E402
import findings  # noqa: E402
import report  # noqa: E402
import stack  # noqa: E402

# stack.CLUSTER: broker b leads two partitions of every topic, group g reads topic g and is
# coordinated by broker g mod 3 + 1. The burst is caught up (at +4m) before broker 1 saturates.
SCENARIO = ("benign daily burst on loadgen-topic-1 at +1m; consumer slowdown of loadgen-group-4 at +2m; "
            "broker 1's request handlers saturate at +4m30s (it coordinates loadgen-group-0 and -3)")
WORKLOAD = stack.Workload(**stack.CLUSTER, faults=[
    {"kind": "daily_burst", "topic": "loadgen-topic-1", "factor": 3, "start": "1m", "duration": "1m"},
    {"kind": "consumer_slowdown", "group": "loadgen-group-4", "factor": 0.3, "start": "2m", "duration": "20m"},
    {"kind": "broker_saturation", "broker": 1, "start": "4m30s", "duration": "20m"},
])


class Demo:
    def __init__(self, st, say):
        self.st, self.say = st, say
        self.last = {}         # (kind, key) -> what was printed (see tell)
        self.seen = set()      # alerts already printed
        self.findings = []     # (time, kind, sentence)
        self.anomalies = []    # every anomalous item seen (for the report's plots)
        self.forecasts = {}    # (job, series) -> latest forecast item
        self.alerts = []

    def sidecar(self, path):
        try:
            return ecolib.http_json(f"http://127.0.0.1:{self.st.ports['sidecar']}{path}", timeout=5)
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def prom(self, expr):
        try:
            return self.st.query(expr)
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            return []

    def tell(self, kind, key, sentence):
        """Prints a finding once per key; a cause again when its first-ranked candidate changes."""
        gist = sentence.split(", score")[0] if kind == "CAUSE" else ""
        if (kind, key) in self.last and self.last[(kind, key)] == gist:
            return
        self.last[(kind, key)] = gist
        self.findings.append((time.time(), kind, sentence))
        self.say(f"{kind:<9} {sentence}")

    def poll(self):
        self.poll_anomalies()
        self.poll_outliers()
        self.poll_forecasts()
        self.poll_recommendations()
        self.poll_alerts()

    def poll_anomalies(self):
        for a in (self.sidecar("/api/v1/anomalies?min_score=1") or {}).get("data", []):
            if not a.get("anomalous"):
                continue
            self.anomalies.append(a)
            key = (a.get("for"), a.get("series"))
            self.tell("ANOMALY", key, f"{a.get('for')}: {findings.anomaly(a)}")
            rc = findings.root_cause(a)
            if rc:
                self.tell("CAUSE", key, rc)

    def poll_outliers(self):
        for o in (self.sidecar("/api/v1/outliers") or {}).get("data", []):
            if not o.get("outlier"):
                continue
            b = o.get("labels", {}).get("broker")
            value = median = None
            if o.get("for") == "broker_traffic_peers":
                rates = {r["metric"].get("broker"): float(r["value"][1]) for r in self.prom(
                    'sum by (broker) (rate(kafka_server_brokertopicmetrics_bytesin_total{topic=""}[1m]))')}
                unit = lambda v: f"{v / 1024:,.1f} KiB/s"  # noqa: E731
                what = "bytes in"
            else:
                rates = {r["metric"].get("broker"): float(r["value"][1]) for r in self.prom(
                    "max by (broker) (kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_oneminuterate)")}
                unit = lambda v: f"{100 * v:.0f}%"  # noqa: E731
                what = "request handler idle"
            others = sorted(v for k, v in rates.items() if k != b)
            if b in rates and others:
                mid = others[len(others) // 2] if len(others) % 2 else sum(others[len(others) // 2 - 1:][:2]) / 2
                value, median = f"{what} {unit(rates[b])}", unit(mid)
            self.tell("OUTLIER", (o.get("for"), b), findings.outlier(o, value, median))

    def poll_forecasts(self):
        for f in (self.sidecar("/api/v1/forecasts") or {}).get("data", []):
            self.forecasts[(f.get("for"), f.get("series"))] = f
            current = None
            lab = f.get("labels", {})
            if f.get("for") == "consumer_lag_seconds":
                r = self.prom(f'max(streamlens_consumergroup_max_lag_seconds{{consumergroup="{lab.get("consumergroup")}",'
                              f'topic="{lab.get("topic")}"}})')
                current = float(r[0]["value"][1]) if r else None
            for kind, threshold, sentence in findings.forecasts(f, current):
                self.tell(kind.upper(), (f.get("for"), f.get("series"), threshold), sentence)

    def poll_recommendations(self):
        r = self.sidecar("/api/v1/recommendations")
        for item in (r or {}).get("data", []) if isinstance(r, dict) else []:
            if item.get("kind") == "partitions" and not (
                    (item.get("recommended_consumers") or 0) > (item.get("current_consumers") or 0)
                    or (item.get("recommended_partitions") or 0) > (item.get("current_partitions") or 0)):
                continue
            sentence = findings.recommendation(item)
            if sentence:
                self.tell("RECOMMEND", (item.get("kind"), item.get("consumergroup"), item.get("topic")), sentence)

    def poll_alerts(self):
        for path, a in self.st.hook.alerts():
            key = (a["labels"].get("alertname"), tuple(sorted(a["labels"].items())), a.get("status"))
            if key in self.seen:
                continue
            self.seen.add(key)
            self.alerts.append((time.time(), path, a))
            sentence = (f"{a.get('status', '').upper()} {a['labels'].get('alertname')} -> {path.strip('/')}: "
                        f"{findings.alert(a)}")
            self.findings.append((time.time(), "ALERT", sentence))
            self.say(f"ALERT     {sentence}")

    def write_report(self, path, t_start):
        st = self.st
        now = time.time()
        faults = []
        try:
            with open(st.ground_truth) as f:
                faults = json.load(f).get("faults", [])
        except (OSError, ValueError):
            pass
        sections = [
            ("What ran", report.table(["component", "where"], [
                ("loadgen (mock Kafka, simulated broker JMX)", st.bootstrap),
                ("exporter", f"http://127.0.0.1:{st.ports['exporter']}/metrics"),
                ("Prometheus", f"http://127.0.0.1:{st.ports['prometheus']}/"),
                ("sidecar", f"http://127.0.0.1:{st.ports['sidecar']}/api/v1/anomalies"),
                ("Alertmanager", f"http://127.0.0.1:{st.ports['alertmanager']}/"),
                ("run", f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(t_start))} UTC, "
                        f"{(now - t_start) / 60:.1f} min")])),
            ("Injected faults (loadgen ground truth)", report.table(
                ["kind", "benign", "labels", "start", "end"],
                [(f["kind"], f.get("benign"), ", ".join(f"{k}={v}" for k, v in f.get("labels", {}).items()),
                  report._fmt_t(f["start"]), report._fmt_t(f["end"])) for f in faults])),
            ("Findings, in the order they appeared", report.findings(self.findings, t_start)),
        ]
        sections += report.lag_plots(st, t_start - 30 * 60, now, faults, self.anomalies, self.forecasts)
        sections.append(("Alerts delivered by Alertmanager", report.table(
            ["time", "receiver", "status", "alert", "summary"],
            [(report._fmt_t(t), p.strip("/"), a.get("status"), a["labels"].get("alertname"),
              a["annotations"].get("summary", "")) for t, p, a in self.alerts])))
        with open(path, "w") as f:
            f.write(report.page("streamlens demo report", sections))
        self.say(f"report written to {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", default="", help="stop after this long (e.g. 10m); default: until Ctrl-C")
    ap.add_argument("--bin-dir", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--history", default="7d", help="backfilled history (default 7d; with 1d the sidecar's daily models found nothing in a 7-minute run, 2d and more work)")
    ap.add_argument("--report", default="", help="HTML report path (default: <run dir>/report.html)")
    a = ap.parse_args()
    try:
        duration = stack.parse_duration(a.duration) if a.duration else None
        history = stack.parse_duration(a.history)
    except ValueError as e:
        sys.exit(f"demo: {e} (expected e.g. 30s, 10m, 2h, 7d)")
    work = tempfile.mkdtemp(prefix="streamlens-demo-")
    t_start = time.time()

    def say(msg):
        el = int(time.time() - t_start)
        print(f"[{time.strftime('%H:%M:%S')} +{el // 60}:{el % 60:02d}] {msg}", flush=True)

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    st = stack.Stack(ROOT, a.bin_dir, work, say)
    demo = Demo(st, say)
    started = False
    try:
        bootstrap, groups = st.start_loadgen(WORKLOAD)
        say(f"loadgen: mock Kafka at {bootstrap}, groups {', '.join(groups)}")
        say(f"scenario: {SCENARIO}")
        _, samples = st.start_exporter(interval="15s")
        say(f"exporter: http://127.0.0.1:{st.ports['exporter']}/metrics")
        data = st.backfill(samples, WORKLOAD, history=history, step=60)
        st.start_alertmanager()
        # Alerts wait 2 minutes instead of their production `for:` (up to 30m) so the demo shows them.
        st.start_prometheus(data, interval="15s", alert_for="2m")
        st.start_sidecar()
        started = True
        say(f"Prometheus:   http://127.0.0.1:{st.ports['prometheus']}/  (try: streamlens_anomaly_score, ALERTS)")
        say(f"sidecar:      http://127.0.0.1:{st.ports['sidecar']}/api/v1/anomalies  /api/v1/forecasts")
        say(f"Alertmanager: http://127.0.0.1:{st.ports['alertmanager']}/")
        say("press Ctrl-C to stop" + (f" (stopping by itself after {a.duration})" if duration else ""))
        while duration is None or time.time() - t_start < duration:
            time.sleep(10)
            demo.poll()
            if st.sidecar_proc.poll() is not None:
                say("sidecar exited:\n" + ecolib.tail(st.sidecar_log))
                break
    except KeyboardInterrupt:
        say("stopping")
    except RuntimeError as e:
        say(f"error: {e}")
        st.close()
        say(f"logs kept in {work}")
        return 1
    try:
        if started:
            demo.poll()
            demo.write_report(a.report or os.path.join(work, "report.html"), t_start)
    finally:
        st.close()
        say(f"stopped; logs and data kept in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
