#!/usr/bin/env python3
"""End-to-end: loadgen -> exporter -> Prometheus (rules) -> sidecar -> Alertmanager -> webhook,
several scenarios on one stack, then every dashboard query against that stack's Prometheus.

streamlens-loadgen runs an embedded mock cluster of three brokers (stack.CLUSTER: each broker
leads two partitions of every topic, group g reads topic g and is coordinated by broker g mod 3 +
1) with simulated broker JMX that the exporter reads through its Jolokia collector. Scenarios:
  - daily_burst on topic 1 (x2.5 for 60 s from 30 s), caught up within three minutes: benign;
  - consumer_slowdown of group 4 (factor 0.3) from 60 s: its lag and lag in seconds run away;
  - consumer_stop of group 5 from 60 s: it stops committing;
  - broker_saturation of broker 1 from 240 s (after the burst is caught up): its request handlers
    saturate, it takes a tenth of its traffic, and groups 0 and 3, whose coordinator it is, commit
    nothing: runaway lag caused by one broker, and a broker traffic outlier.
The history backfilled into Prometheus (3 days, 1-minute steps) has the same burst at the same
time of day on every past day and none of the faults. Prometheus loads rules/ with every alert's
`for:` at most 2m (the lag-SLA alerts keep their 2m), scrapes the exporter (collecting every 5 s)
and the sidecar every 5 s, and notifies Alertmanager, whose example config routes to a webhook
receiver in this test.

Pass:
  - exporter path: KafkaConsumerGroupStopped for group 5 reaches kafka-consumers-pager (severity
    critical, the lag in its description);
  - slowdown: KafkaConsumerLagAnomalous for group 4 reaches kafka-consumers-tickets with severity,
    team, summary (group, score), description (current lag) and runbook_url, and
    KafkaConsumerLagSLABreachPredicted for group 4 arrives ("will exceed ... in ...");
  - runaway lag caused by one broker: KafkaConsumerLagAnomalous for groups 0 and 3, and the
    sidecar's first-ranked root cause of their lag names broker 1;
  - broker traffic outlier: broker 1 has the highest outlier score of broker_traffic_peers and of
    broker_state_peers, above 1, and KafkaBrokerOutlier for broker 1 reaches the webhook;
  - the benign burst: no notification names group 1, and none names topic 1 except on the
    saturated broker (whose traffic on every topic falls);
  - dashboards: every target of grafana/dashboards/*.json (variables resolved as Grafana does)
    runs without error through /api/v1/query, and time series panels through /api/v1/query_range
    (how many return no data is printed: the stack has no disk capacity series, no probe).
--without-sidecar runs the exporter path and the burst check only (no sidecar started).
Usage: check_alert_pipeline.py SOURCE_DIR BIN_DIR [--without-sidecar]
"""
import glob
import json
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "ecosystem"))
import check_dashboards  # noqa: E402
import ecolib  # noqa: E402
import findings  # noqa: E402
import stack  # noqa: E402

TIMEOUT = 720
BURST_GROUP, BURST_TOPIC = "loadgen-group-1", "loadgen-topic-1"
SLOW, STOPPED, BROKER = "loadgen-group-4", "loadgen-group-5", "1"
BROKER_GROUPS = ("loadgen-group-0", "loadgen-group-3")  # coordinated by the saturated broker
WORKLOAD = stack.Workload(**stack.CLUSTER, faults=[
    {"kind": "daily_burst", "topic": BURST_TOPIC, "factor": 2.5, "start": "30s", "duration": "60s"},
    {"kind": "consumer_slowdown", "group": SLOW, "factor": 0.3, "start": "60s", "duration": "1h"},
    {"kind": "consumer_stop", "group": STOPPED, "start": "60s", "duration": "1h"},
    {"kind": "broker_saturation", "broker": int(BROKER), "start": "240s", "duration": "1h"},
])


class Watch:
    """What the run has seen so far: notifications by (alert, key label) and the sidecar's views."""

    def __init__(self, st, say):
        self.st, self.say = st, say
        self.first = {}          # (alertname, consumergroup or broker) -> (path, alert, seconds)
        self.burst_alerts = []
        self.burst_max_score = 0.0
        self.root_cause = {}     # group -> first-ranked cause of its lag
        self.outliers = {}       # job -> {broker: score} of the latest poll
        self.sentences = {}      # group or (job, broker) -> the latest anomaly / outlier in words

    def sidecar(self, path):
        try:
            return ecolib.http_json(f"http://127.0.0.1:{self.st.ports['sidecar']}{path}", timeout=5)
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def poll(self, with_sidecar):
        for path, a in self.st.hook.alerts():
            lab = a["labels"]
            if lab.get("consumergroup") == BURST_GROUP or (
                    lab.get("topic") == BURST_TOPIC and lab.get("broker") != BROKER):
                what = (lab.get("alertname"), lab.get("for"), lab.get("broker"), lab.get("topic"),
                        lab.get("consumergroup"))
                if what not in self.burst_alerts:
                    self.burst_alerts.append(what)
            key = (lab.get("alertname"), lab.get("consumergroup") or lab.get("broker"))
            if key not in self.first and a.get("status") == "firing":
                self.first[key] = (path, a, time.time() - self.st.loadgen_start)
                self.say(f"webhook {path}: {key} {a['annotations'].get('summary')}")
        for s in self.st.query(f'streamlens_anomaly_score{{for=~"consumer_lag.*",consumergroup="{BURST_GROUP}"}}'):
            self.burst_max_score = max(self.burst_max_score, float(s["value"][1]))
        if not with_sidecar:
            return
        r = self.sidecar("/api/v1/anomalies?for=consumer_lag")
        for a in (r or {}).get("data", []):
            causes = (a.get("root_cause") or {}).get("causes") or []
            g = a.get("labels", {}).get("consumergroup")
            if g in BROKER_GROUPS and a.get("anomalous") and causes:
                if g not in self.root_cause or self.root_cause[g]["candidate"] != causes[0]["candidate"]:
                    self.say(f"root cause of {g}'s lag: {causes[0]['candidate']} "
                             f"(score {causes[0]['score']:.2f}, {causes[0].get('layer')})")
                self.root_cause[g] = causes[0]
                self.sentences[g] = findings.anomaly(a)
        r = self.sidecar("/api/v1/outliers")
        if r is not None:
            self.outliers = {}
            for o in r.get("data", []):
                self.outliers.setdefault(o["for"], {})[o["labels"].get("broker")] = o["score"]
                if o.get("outlier"):
                    self.sentences[(o["for"], o["labels"].get("broker"))] = findings.outlier(o)

    def done(self, with_sidecar, burst_over):
        need = [("KafkaConsumerGroupStopped", STOPPED)]
        if with_sidecar:
            need += [("KafkaConsumerLagAnomalous", SLOW), ("KafkaConsumerLagSLABreachPredicted", SLOW),
                     ("KafkaBrokerOutlier", BROKER)] + [("KafkaConsumerLagAnomalous", g) for g in BROKER_GROUPS]
        named = all('broker="%s"' % BROKER in self.root_cause.get(g, {}).get("candidate", "") for g in BROKER_GROUPS)
        return all(k in self.first for k in need) and time.time() > burst_over and (not with_sidecar or named)


def check_exporter_path(c, w):
    stopped = w.first.get(("KafkaConsumerGroupStopped", STOPPED))
    c.check(stopped is not None, "KafkaConsumerGroupStopped for the stopped group reached the webhook")
    if stopped:
        path, a, _ = stopped
        lab, ann = a["labels"], a["annotations"]
        c.check(path == "/kafka-consumers-pager", f"routed to kafka-consumers-pager (got {path})")
        c.check(lab.get("severity") == "critical" and lab.get("status") == "STOP",
                f"severity critical, status STOP ({lab})")
        c.check("Total lag:" in ann.get("description", "") and "unknown" not in ann.get("description", ""),
                f"description carries the group's lag ({ann.get('description')})")
        c.check(ann.get("runbook_url") == "docs/runbooks.md#kafkaconsumergroupstopped", "runbook_url")


def check_slowdown(c, w):
    slow = w.first.get(("KafkaConsumerLagAnomalous", SLOW))
    c.check(slow is not None, "KafkaConsumerLagAnomalous for the slowed group reached the webhook")
    if slow:
        path, a, _ = slow
        lab, ann = a["labels"], a["annotations"]
        c.check(path == "/kafka-consumers-tickets", f"routed to kafka-consumers-tickets (got {path})")
        c.check(lab.get("severity") == "warning" and lab.get("team") == "kafka-consumers",
                f"severity/team labels ({lab})")
        c.check(lab.get("topic") == "loadgen-topic-4", f"topic label is the slowed group's topic ({lab})")
        c.check(SLOW in ann.get("summary", "") and "score" in ann.get("summary", ""),
                f"summary names the group and the score ({ann.get('summary')})")
        c.check("Current lag:" in ann.get("description", "") and "unknown" not in ann.get("description", ""),
                f"description carries the current lag ({ann.get('description')})")
        c.check(ann.get("runbook_url") == "docs/runbooks.md#kafkaconsumerlaganomalous", "runbook_url")
    pred = w.first.get(("KafkaConsumerLagSLABreachPredicted", SLOW))
    c.check(pred is not None, "KafkaConsumerLagSLABreachPredicted for the slowed group reached the webhook")
    if pred:
        _, a, secs = pred
        c.check("will exceed" in a["annotations"].get("summary", ""),
                f"the prediction says when ({a['annotations'].get('summary')}, {secs - 60:.0f} s after the slowdown)")


def check_broker_scenarios(c, w):
    for g in BROKER_GROUPS:
        c.check((("KafkaConsumerLagAnomalous", g)) in w.first,
                f"KafkaConsumerLagAnomalous for {g}, coordinated by the saturated broker, reached the webhook")
        cand = w.root_cause.get(g, {}).get("candidate", "")
        c.check(f'broker="{BROKER}"' in cand,
                f"the first-ranked root cause of {g}'s lag names broker {BROKER} ({cand or 'none'})")
        words = w.sentences.get(g, "")
        c.check(re.fullmatch(rf"{g} on loadgen-topic-\d: lag [\d.,]+ vs expected -?[\d.,]+ \(band [\d.,]+--?[\d.,]+\), "
                             rf"score [\d.]+, first cause: \S+ on broker {BROKER}( \(.*\))?", words) is not None,
                f"the anomaly in words: {words!r}")
    for job in ("broker_traffic_peers", "broker_state_peers"):
        scores = w.outliers.get(job, {})
        top = max(scores, key=scores.get) if scores else None
        c.check(top == BROKER and scores[top] > 1,
                f"{job}: broker {BROKER} is the outlier (scores {json.dumps({k: round(v, 2) for k, v in sorted(scores.items())})})")
        words = w.sentences.get((job, BROKER), "")
        c.check(words.startswith(f"broker {BROKER} stands out among its peers on ") and "score" in words,
                f"the outlier in words: {words!r}")
    c.check(("KafkaBrokerOutlier", BROKER) in w.first, f"KafkaBrokerOutlier for broker {BROKER} reached the webhook")
    others = sorted(k for k in w.first if k[0] == "KafkaBrokerOutlier" and k[1] != BROKER)
    w.say(f"KafkaBrokerOutlier notifications for other brokers: {others or 'none'}")


def dashboard_queries(c, st, src, say):
    """Runs every dashboard target against the stack's Prometheus; errors fail, empty results are
    counted."""
    base = f"http://127.0.0.1:{st.ports['prometheus']}"
    end = time.time()
    n = empty = 0
    empty_panels = set()
    for path in sorted(glob.glob(os.path.join(src, "grafana", "dashboards", "*.json"))):
        with open(path) as f:
            d = json.load(f)
        name = os.path.basename(path)
        values = {k: v for k, v in check_dashboards.BUILTINS.items() if v is not None}
        for v in d["templating"]["list"]:
            if v["type"] != "query":
                continue
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            vals = check_dashboards.label_values(base, check_dashboards.substitute(q, values), end)
            values[v["name"]] = "(" + "|".join(vals) + ")" if vals else ".*"
        for p in d["panels"]:
            for t in p.get("targets", []):
                expr = check_dashboards.substitute(t["expr"], values)
                calls = [("query", {"query": expr, "time": end})]
                if p["type"] in ("timeseries", "state-timeline"):
                    calls.append(("query_range", {"query": expr, "start": end - 1800, "end": end, "step": 30}))
                for api, params in calls:
                    n += 1
                    try:
                        r = ecolib.http_json(f"{base}/api/v1/{api}?" + urllib.parse.urlencode(params))
                        ok = r.get("status") == "success"
                        if ok and not r["data"]["result"]:
                            empty += 1
                            empty_panels.add(f"{name.replace('streamlens-', '').replace('.json', '')}: {p['title']}")
                    except Exception as e:  # HTTP 400/422 on a bad query
                        ok, r = False, str(e)
                    c.check(ok, f"{name}: panel {p['title']!r} {t['refId']} ({api}) runs: {expr} ({str(r)[:200] if not ok else ''})")
    say(f"dashboards: {n} queries ran against the stack's Prometheus, {empty} returned no data "
        f"({'; '.join(sorted(empty_panels))})")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    src = os.path.abspath(args[0] if len(args) > 0 else os.environ["STREAMLENS_SOURCE_DIR"])
    bin_dir = os.path.abspath(args[1] if len(args) > 1 else os.environ["STREAMLENS_BIN_DIR"])
    ecolib.require_tools("prometheus", "promtool", "prometheus-alertmanager")
    c = ecolib.Checker()
    t_begin = time.time()

    def say(msg):
        print(f"[{time.time() - t_begin:6.1f}s] {msg}", flush=True)

    with_sidecar = "--without-sidecar" not in sys.argv
    with tempfile.TemporaryDirectory(prefix="streamlens-e2e-") as work:
        st = stack.Stack(src, bin_dir, work, say)
        try:
            bootstrap, groups = st.start_loadgen(WORKLOAD)
            say(f"loadgen: bootstrap={bootstrap} groups={groups}, {len(st.jolokia_urls)} Jolokia agents")
            c.check(groups == [f"loadgen-group-{g}" for g in range(6)] and len(st.jolokia_urls) == 3,
                    f"loadgen announces its groups ({groups}) and three Jolokia agents")
            _, samples = st.start_exporter(interval="5s")
            say("exporter: first collection served")
            data = st.backfill(samples, WORKLOAD, history=3 * 86400, step=60)
            st.start_alertmanager()
            st.start_prometheus(data, interval="5s", alert_for="2m")
            if with_sidecar:
                st.start_sidecar()
            say(f"prometheus :{st.ports['prometheus']}, sidecar :{st.ports['sidecar']}, "
                f"alertmanager :{st.ports['alertmanager']}")
            w = Watch(st, say)
            burst_over = st.loadgen_start + 30 + 60 + 120 + 30  # start, burst, catch-up at 0.5x rate, margin
            while time.time() < t_begin + TIMEOUT and not w.done(with_sidecar, burst_over):
                time.sleep(5)
                w.poll(with_sidecar)
                if with_sidecar and st.sidecar_proc.poll() is not None:
                    say("sidecar exited:\n" + ecolib.tail(st.sidecar_log))
                    break
            say("scenarios observed" if w.done(with_sidecar, burst_over) else "timeout")
            check_exporter_path(c, w)
            if with_sidecar:
                check_slowdown(c, w)
                check_broker_scenarios(c, w)
            c.check(not w.burst_alerts, f"the benign daily burst produced no notification ({w.burst_alerts})")
            say(f"max anomaly score of the burst group: {w.burst_max_score:.2f}")
            c.check(time.time() > burst_over, "the burst and its catch-up were observed in full")
            with open(st.ground_truth) as f:
                kinds = {(x["kind"], x.get("benign")) for x in json.load(f).get("faults", [])}
            c.check({("consumer_slowdown", False), ("daily_burst", True), ("consumer_stop", False),
                     ("broker_saturation", False)} <= kinds, f"ground truth lists every fault ({kinds})")
            dashboard_queries(c, st, src, say)
        finally:
            st.close()
    say("done")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
