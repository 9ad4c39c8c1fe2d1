#!/usr/bin/env python3
"""End-to-end: loadgen -> exporter -> Prometheus (rules) -> sidecar -> Alertmanager -> webhook.

streamlens-loadgen runs an embedded mock cluster with three topics and three groups (group i
consumes topic i) and a scenario:
  - consumer_slowdown of group 0 (factor 0.3) from 60 s on: its lag grows without bound;
  - daily_burst on topic 1 (x2.5 for 60 s) at the same time: group 1 falls behind and catches up;
  - consumer_stop of group 2 from 60 s on: it stops committing.
The history backfilled into Prometheus (3 days, 1-minute steps) has the same burst at the same
time of day on every past day, and no slowdown or stop. Prometheus loads rules/ with every alert's
`for:` shortened to 1m, scrapes the exporter (collecting every 5 s) and the sidecar every 5 s, and
notifies Alertmanager, whose example config routes to a webhook receiver in this test.

Pass:
  - exporter path: KafkaConsumerGroupStopped for group 2 (Burrow STOP) reaches the
    kafka-consumers-pager receiver with severity critical and the lag in its description;
  - sidecar path: KafkaConsumerLagAnomalous for group 0 / topic 0 reaches kafka-consumers-tickets
    with severity, team, summary (group, score), description (current lag) and runbook_url;
  - the benign burst: no notification names group 1 or topic 1 through the burst and its catch-up
    (the sidecar's highest anomaly score for group 1 is printed).
--without-sidecar runs the exporter path and the burst check only (no sidecar started).
Usage: check_alert_pipeline.py SOURCE_DIR BIN_DIR [--without-sidecar]
"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ecosystem"))
import ecolib  # noqa: E402
import stack  # noqa: E402

TIMEOUT = 600


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
    wl = stack.Workload(topics=3, partitions=4, groups=3, rate=300, headroom=1.5, faults=[
        {"kind": "consumer_slowdown", "group": "loadgen-group-0", "factor": 0.3, "start": "60s", "duration": "1h"},
        {"kind": "daily_burst", "topic": "loadgen-topic-1", "factor": 2.5, "start": "60s", "duration": "60s"},
        {"kind": "consumer_stop", "group": "loadgen-group-2", "start": "60s", "duration": "1h"},
    ])
    with tempfile.TemporaryDirectory(prefix="streamlens-e2e-") as work:
        st = stack.Stack(src, bin_dir, work, say)
        try:
            bootstrap, groups = st.start_loadgen(wl)
            say(f"loadgen: bootstrap={bootstrap} groups={groups}")
            c.check(groups == ["loadgen-group-0", "loadgen-group-1", "loadgen-group-2"],
                    f"loadgen announces its groups ({groups})")
            _, samples = st.start_exporter(interval="5s")
            say("exporter: first collection served")
            data = st.backfill(samples, wl, history=3 * 86400, step=60)
            st.start_alertmanager()
            st.start_prometheus(data, interval="5s", alert_for="1m")
            if with_sidecar:
                st.start_sidecar()
            say(f"prometheus :{st.ports['prometheus']}, sidecar :{st.ports['sidecar']}, "
                f"alertmanager :{st.ports['alertmanager']}")

            slow = None
            stopped = None
            burst_max_score = 0.0
            burst_alerts = []
            deadline = t_begin + TIMEOUT
            burst_over = st.loadgen_start + 60 + 60 + 120 + 30  # start, burst, catch-up at 0.5x rate, margin
            while time.time() < deadline:
                time.sleep(5)
                for path, a in st.hook.alerts():
                    lab = a["labels"]
                    if lab.get("consumergroup") == "loadgen-group-1" or lab.get("topic") == "loadgen-topic-1":
                        burst_alerts.append((path, lab.get("alertname")))
                    if (lab.get("alertname") == "KafkaConsumerLagAnomalous"
                            and lab.get("consumergroup") == "loadgen-group-0" and slow is None):
                        slow = (path, a)
                        say(f"webhook {path}: {lab} {a['annotations'].get('summary')}")
                    if (lab.get("alertname") == "KafkaConsumerGroupStopped"
                            and lab.get("consumergroup") == "loadgen-group-2" and stopped is None):
                        stopped = (path, a)
                        say(f"webhook {path}: {lab} {a['annotations'].get('summary')}")
                for s in st.query('streamlens_anomaly_score{for=~"consumer_lag.*",consumergroup="loadgen-group-1"}'):
                    burst_max_score = max(burst_max_score, float(s["value"][1]))
                if (slow or not with_sidecar) and stopped and time.time() > burst_over:
                    break
                if with_sidecar and st.sidecar_proc.poll() is not None:
                    say("sidecar exited:\n" + ecolib.tail(st.sidecar_log))
                    break

            c.check(stopped is not None, f"KafkaConsumerGroupStopped for the stopped group reached the webhook "
                    f"within {TIMEOUT} s")
            if stopped:
                path, a = stopped
                lab, ann = a["labels"], a["annotations"]
                c.check(path == "/kafka-consumers-pager", f"routed to kafka-consumers-pager (got {path})")
                c.check(lab.get("severity") == "critical" and lab.get("status") == "STOP",
                        f"severity critical, status STOP ({lab})")
                c.check("Total lag:" in ann.get("description", "") and "unknown" not in ann.get("description", ""),
                        f"description carries the group's lag ({ann.get('description')})")
                c.check(ann.get("runbook_url") == "docs/runbooks.md#kafkaconsumergroupstopped", "runbook_url")
            if not with_sidecar:
                slow = "skipped"
            c.check(slow is not None, f"KafkaConsumerLagAnomalous for the slowed group reached the webhook "
                    f"within {TIMEOUT} s")
            if slow and slow != "skipped":
                path, a = slow
                lab, ann = a["labels"], a["annotations"]
                c.check(path == "/kafka-consumers-tickets", f"routed to kafka-consumers-tickets (got {path})")
                c.check(lab.get("severity") == "warning" and lab.get("team") == "kafka-consumers",
                        f"severity/team labels ({lab})")
                c.check(lab.get("topic") == "loadgen-topic-0", f"topic label is the slowed group's topic ({lab})")
                c.check("loadgen-group-0" in ann.get("summary", "") and "score" in ann.get("summary", ""),
                        f"summary names the group and the score ({ann.get('summary')})")
                c.check("Current lag:" in ann.get("description", "") and "unknown" not in ann.get("description", ""),
                        f"description carries the current lag ({ann.get('description')})")
                c.check(ann.get("runbook_url") == "docs/runbooks.md#kafkaconsumerlaganomalous", "runbook_url")
            c.check(not burst_alerts, f"the benign daily burst produced no notification ({burst_alerts})")
            # The criterion is the notification; the score is reported for the record.
            say(f"max anomaly score of the burst group: {burst_max_score:.2f}")
            c.check(time.time() > burst_over, "the burst and its catch-up were observed in full")
            with open(st.ground_truth) as f:
                gt = json.load(f)
            kinds = {(x["kind"], x.get("benign")) for x in gt.get("faults", [])}
            c.check(("consumer_slowdown", False) in kinds and ("daily_burst", True) in kinds
                    and ("consumer_stop", False) in kinds,
                    f"ground truth lists the slowdown and the benign burst ({kinds})")
        finally:
            st.close()
    say("done")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
