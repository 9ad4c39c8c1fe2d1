#!/usr/bin/env python3
"""The streamlens demo on loopback (run through scripts/demo, which installs and builds first).

Starts streamlens-loadgen (embedded mock Kafka: 4 topics, 4 consumer groups, a scenario with a
benign daily burst and an incident: a consumer slowdown), streamlens-exporter, Prometheus with a
backfilled week of history (so the analyses have daily seasonality from minute one) and
streamlens' rules, Alertmanager with the example routing, and streamlens-sidecar. Prints what
the sidecar finds as it finds it (anomalies with scores, forecasts with time to the lag SLA,
alerts as Alertmanager delivers them) and where to look; stops everything on Ctrl-C or after
--duration, and writes a self-contained HTML report.
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
import report  # noqa: E402
import stack  # noqa: E402

WORKLOAD = stack.Workload(topics=4, partitions=8, groups=4, rate=400, headroom=1.5, faults=[
    {"kind": "daily_burst", "topic": "loadgen-topic-1", "factor": 3, "start": "2m", "duration": "2m"},
    {"kind": "consumer_slowdown", "group": "loadgen-group-2", "factor": 0.3, "start": "3m", "duration": "20m"},
])


class Demo:
    def __init__(self, st, say):
        self.st, self.say = st, say
        self.seen_anomalies = set()
        self.seen_forecasts = set()
        self.seen_alerts = set()
        self.seen_recs = set()
        self.anomalies = []
        self.forecasts = {}
        self.alerts = []

    def sidecar(self, path):
        try:
            return ecolib.http_json(f"http://127.0.0.1:{self.st.ports['sidecar']}{path}", timeout=5)
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def poll(self):
        r = self.sidecar("/api/v1/anomalies?min_score=1")
        for a in (r or {}).get("data", []):
            if not a.get("anomalous"):
                continue
            key = (a.get("for"), a.get("series"))
            self.anomalies.append(a)
            if key not in self.seen_anomalies:
                self.seen_anomalies.add(key)
                lab = " ".join(f"{k}={v}" for k, v in sorted(a.get("labels", {}).items())
                               if k not in ("job", "instance"))
                self.say(f"ANOMALY   {a.get('for')} {lab}: score {a['score']:.2f}, value {a['y']:.0f}, "
                         f"expected {a['yhat']:.0f} [{a['yhat_lower']:.0f}, {a['yhat_upper']:.0f}]")
        r = self.sidecar("/api/v1/forecasts")
        for f in (r or {}).get("data", []):
            self.forecasts[(f.get("for"), f.get("series"))] = f
            for th in f.get("thresholds", []):
                if not th.get("crosses"):
                    continue
                key = (f.get("for"), f.get("series"), th.get("threshold"))
                if key in self.seen_forecasts:
                    continue
                self.seen_forecasts.add(key)
                lab = " ".join(f"{k}={v}" for k, v in sorted(f.get("labels", {}).items())
                               if k not in ("job", "instance"))
                ttt = th.get("time_to_threshold_seconds")
                when = f"in {ttt / 60:.0f} min" if ttt is not None else "within the horizon"
                self.say(f"FORECAST  {f.get('for')} {lab}: crosses {th.get('threshold')} {when}")
        # Recommendations, when the sidecar serves them (analysis III): printed once each.
        r = self.sidecar("/api/v1/recommendations")
        data = (r or {}).get("data") if isinstance(r, dict) else None
        for item in (data if isinstance(data, list) else []):
            key = json.dumps(item, sort_keys=True)[:300]
            if key not in self.seen_recs:
                self.seen_recs.add(key)
                self.say(f"RECOMMEND {key}")
        for path, a in self.st.hook.alerts():
            key = (a["labels"].get("alertname"), tuple(sorted(a["labels"].items())), a.get("status"))
            if key in self.seen_alerts:
                continue
            self.seen_alerts.add(key)
            self.alerts.append((time.time(), path, a))
            self.say(f"ALERT     {a.get('status', '').upper()} {a['labels'].get('alertname')} -> {path.strip('/')}: "
                     f"{a['annotations'].get('summary', '')}")

    def write_report(self, path, t_start):
        st = self.st
        now = time.time()
        t0 = t_start - 30 * 60  # half an hour of the backfilled history before the run
        faults = []
        try:
            with open(st.ground_truth) as f:
                faults = json.load(f).get("faults", [])
        except (OSError, ValueError):
            pass
        sections = [("What ran", report.table(["component", "where"], [
            ("loadgen (mock Kafka)", st.bootstrap), ("exporter", f"http://127.0.0.1:{st.ports['exporter']}/metrics"),
            ("Prometheus", f"http://127.0.0.1:{st.ports['prometheus']}/"),
            ("sidecar", f"http://127.0.0.1:{st.ports['sidecar']}/api/v1/anomalies"),
            ("Alertmanager", f"http://127.0.0.1:{st.ports['alertmanager']}/"),
            ("run", f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(t_start))} UTC, {(now - t_start) / 60:.1f} min")]))]
        sections.append(("Injected faults (loadgen ground truth)", report.table(
            ["kind", "benign", "labels", "start", "end"],
            [(f["kind"], f.get("benign"), json.dumps(f.get("labels", {})), report._fmt_t(f["start"]),
              report._fmt_t(f["end"])) for f in faults])))
        plots = []
        try:
            series = st.query_range("kafka_consumergroup_lag_sum", t0, now, 15)
        except Exception:
            series = []
        for s in series:
            g, tp = s["metric"].get("consumergroup", ""), s["metric"].get("topic", "")
            sel = f'consumergroup="{g}",topic="{tp}",for="consumer_lag"'
            def rng(expr):
                try:
                    r = st.query_range(expr, t0, now, 15)
                    return [(float(t), float(v)) for t, v in r[0]["values"]] if r else []
                except Exception:
                    return []
            actual = [(float(t), float(v)) for t, v in s["values"]]
            yhat = rng(f"max(streamlens_yhat{{{sel}}})")
            lower = rng(f"max(streamlens_yhat_lower{{{sel}}})")
            upper = rng(f"max(streamlens_yhat_upper{{{sel}}})")
            spans = [(f["start"], f["end"], "#d9534f" if not f.get("benign") else "#f0ad4e",
                      f["kind"] + (" (benign)" if f.get("benign") else ""))
                     for f in faults if f.get("labels", {}).get("consumergroup") in (None, g)
                     and f.get("labels", {}).get("topic") in (None, tp)]
            points = []
            for (job, _), f in self.forecasts.items():
                if job != "consumer_lag" or f.get("labels", {}).get("consumergroup") != g:
                    continue
                for h in f.get("horizons", []):
                    try:
                        secs = stack.parse_duration(h["horizon"])
                    except ValueError:
                        continue
                    if h.get("yhat") is not None and secs <= 3600:
                        points.append((f["origin"] + secs, h["yhat"], "#5cb85c", f"forecast +{h['horizon']}"))
            for a in self.anomalies:
                if (a.get("for") == "consumer_lag" and a.get("labels", {}).get("consumergroup") == g
                        and a.get("labels", {}).get("topic") == tp):
                    points.append((a["timestamp"], a["y"], "#d9534f", f"anomaly, score {a['score']:.2f}"))
            plots.append(report.svg_plot(f"lag of {g} on {tp} (messages)", t0, now,
                                         [("actual", "#222", actual), ("expected (yhat)", "#4a90d9", yhat)],
                                         band=(lower, upper) if lower and upper else None, spans=spans,
                                         points=points))
        sections.append(("Consumer lag: actual, the sidecar's expected value and band, anomalies (red), "
                         "forecast (green) and the injected faults (shaded)",
                         "\n".join(plots) or "<p><i>no data</i></p>"))
        best = {}
        for a in self.anomalies:
            k = (a.get("for"), a.get("series"))
            if k not in best or a["score"] > best[k]["score"]:
                best[k] = a
        sections.append(("Anomalies found (highest score per series)", report.table(
            ["job", "labels", "max score", "value", "expected", "band"],
            [(a.get("for"), json.dumps({k: v for k, v in a.get("labels", {}).items() if k not in ("job", "instance")}),
              f"{a['score']:.2f}", f"{a['y']:.0f}", f"{a['yhat']:.0f}", f"{a['yhat_lower']:.0f}..{a['yhat_upper']:.0f}")
             for a in sorted(best.values(), key=lambda a: -a["score"])])))
        rows = []
        for (job, _), f in sorted(self.forecasts.items(), key=lambda kv: str(kv[0])):
            for th in f.get("thresholds", []):
                ttt = th.get("time_to_threshold_seconds")
                rows.append((job, json.dumps({k: v for k, v in f.get("labels", {}).items() if k not in ("job", "instance")}),
                             th.get("threshold"), "yes" if th.get("crosses") else "no",
                             f"{ttt / 60:.0f} min" if ttt is not None else "-"))
        sections.append(("Forecasts: time to threshold", report.table(
            ["job", "labels", "threshold", "crosses", "time to threshold"], rows)))
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
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    st = stack.Stack(ROOT, a.bin_dir, work, say)
    demo = Demo(st, say)
    started = False
    try:
        bootstrap, groups = st.start_loadgen(WORKLOAD)
        say(f"loadgen: mock Kafka at {bootstrap}, groups {', '.join(groups)}")
        say("scenario: benign daily burst on loadgen-topic-1 at +2m; consumer slowdown of loadgen-group-2 at +3m")
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
