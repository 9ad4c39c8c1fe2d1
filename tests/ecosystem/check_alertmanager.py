#!/usr/bin/env python3
"""Checks alertmanager/alertmanager.yml with amtool and with a real Alertmanager.

1. `amtool check-config` is clean.
2. `amtool config routes test`: each (team, severity) pair reaches the intended receiver.
3. A real prometheus-alertmanager on a free loopback port runs the example config, with its
   webhook URLs pointed at a receiver in this test and group_wait/group_interval shortened:
   alerts shaped like rules/streamlens-alerts.yml's are posted to /api/v2/alerts, and
   - a topic's lag alert is suppressed (inhibitedBy the offline-partitions alert of that topic)
     and never notified, while the lag alert of a healthy topic is notified;
   - each notification reaches the receiver its team and severity route to;
   - the sidecar's staleness alert is inhibited by its source-down alert on the same instance.
Usage: check_alertmanager.py SOURCE_DIR
"""
import datetime
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ecolib  # noqa: E402

ROUTES = [
    ({"team": "kafka-platform", "severity": "critical"}, "kafka-platform-pager"),
    ({"team": "kafka-platform", "severity": "warning"}, "kafka-platform-tickets"),
    ({"team": "kafka-platform", "severity": "info"}, "kafka-platform-digest"),
    ({"team": "kafka-consumers", "severity": "critical"}, "kafka-consumers-pager"),
    ({"team": "kafka-consumers", "severity": "warning"}, "kafka-consumers-tickets"),
    ({"team": "observability", "severity": "critical"}, "observability-pager"),
    ({"team": "observability", "severity": "warning"}, "observability-tickets"),
    ({"team": "someone-else", "severity": "critical"}, "default"),
]


def alert(name, **labels):
    now = datetime.datetime.now(datetime.timezone.utc)
    return {
        "labels": {"alertname": name, **labels},
        "annotations": {"summary": f"{name} test", "runbook_url": "docs/runbooks.md#x"},
        "startsAt": now.isoformat(),
        "endsAt": (now + datetime.timedelta(minutes=10)).isoformat(),
    }


def main():
    src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("STREAMLENS_SOURCE_DIR", "."))
    ecolib.require_tools("amtool", "prometheus-alertmanager")
    cfg = os.path.join(src, "alertmanager", "alertmanager.yml")
    c = ecolib.Checker()

    p = subprocess.run(["amtool", "check-config", cfg], capture_output=True, text=True)
    print(p.stdout + p.stderr)
    c.check(p.returncode == 0 and "SUCCESS" in p.stdout, "amtool check-config is clean")

    for labels, want in ROUTES:
        args = [f"{k}={v}" for k, v in labels.items()]
        p = subprocess.run(["amtool", "config", "routes", "test", f"--config.file={cfg}", *args],
                           capture_output=True, text=True)
        got = p.stdout.strip()
        c.check(p.returncode == 0 and got == want, f"route {args} -> {want} (got {got!r})")

    with tempfile.TemporaryDirectory(prefix="streamlens-am-") as work, \
            ecolib.Servers(work) as servers:
        hook = ecolib.WebhookReceiver()
        try:
            with open(cfg) as f:
                text = f.read()
            text = text.replace("http://127.0.0.1:9095/", f"http://127.0.0.1:{hook.port}/")
            text = re.sub(r"group_wait: \S+", "group_wait: 1s", text)
            text = re.sub(r"group_interval: \S+", "group_interval: 1s", text)
            test_cfg = os.path.join(work, "alertmanager.yml")
            with open(test_cfg, "w") as f:
                f.write(text)
            port = ecolib.free_port()
            proc, log = servers.start("alertmanager", [
                "prometheus-alertmanager", f"--config.file={test_cfg}",
                f"--storage.path={work}/data", f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=", "--log.level=warn"])
            base = f"http://127.0.0.1:{port}"
            ecolib.wait_http(base + "/-/ready", proc=proc, log=log)

            ecolib.http_json(base + "/api/v2/alerts", [
                alert("KafkaOfflinePartitions", topic="orders", severity="critical", team="kafka-platform"),
                alert("KafkaConsumerLagAnomalous", topic="orders", consumergroup="billing",
                      severity="warning", team="kafka-consumers"),
                alert("KafkaConsumerLagAnomalous", topic="payments", consumergroup="billing",
                      severity="warning", team="kafka-consumers"),
                alert("KafkaBrokerFailureWouldLoseAvailability", broker="3", severity="info",
                      team="kafka-platform"),
                alert("StreamlensSidecarSourceDown", instance="sidecar:9645", source="default",
                      severity="warning", team="observability"),
                alert("StreamlensSidecarStale", instance="sidecar:9645", severity="warning",
                      team="observability", **{"for": "consumer_lag"}),
            ])

            state = {}
            deadline = time.time() + 20
            while time.time() < deadline:
                got = ecolib.http_json(base + "/api/v2/alerts")
                state = {(a["labels"]["alertname"], a["labels"].get("topic", "")):
                         (a["status"]["state"], a["status"]["inhibitedBy"]) for a in got}
                delivered = {(a["labels"]["alertname"], a["labels"].get("topic", ""))
                             for _, a in hook.alerts()}
                if len(state) == 6 and len(delivered) >= 4:
                    break
                time.sleep(0.5)
            print("alert states:", state)
            c.check(state.get(("KafkaConsumerLagAnomalous", "orders"), ("", []))[0] == "suppressed"
                    and state[("KafkaConsumerLagAnomalous", "orders")][1],
                    "lag alert on the topic with offline partitions is suppressed by inhibition")
            c.check(state.get(("KafkaConsumerLagAnomalous", "payments"), ("", []))[0] == "active",
                    "lag alert on a healthy topic stays active")
            c.check(state.get(("KafkaOfflinePartitions", "orders"), ("", []))[0] == "active",
                    "offline-partitions alert is active")
            c.check(state.get(("StreamlensSidecarStale", ""), ("", []))[0] == "suppressed",
                    "sidecar staleness is inhibited by its source being down")

            time.sleep(2)  # a further group_interval: anything inhibited would have been sent by now
            by_receiver = {}
            for path, a in hook.alerts():
                by_receiver.setdefault(path.strip("/"), set()).add(
                    (a["labels"]["alertname"], a["labels"].get("topic", "")))
            print("notifications:", by_receiver)
            c.check(by_receiver.get("kafka-platform-pager") == {("KafkaOfflinePartitions", "orders")},
                    "offline partitions page the kafka-platform pager")
            c.check(by_receiver.get("kafka-consumers-tickets") == {("KafkaConsumerLagAnomalous", "payments")},
                    "only the healthy topic's lag alert reaches kafka-consumers-tickets")
            c.check(by_receiver.get("kafka-platform-digest") ==
                    {("KafkaBrokerFailureWouldLoseAvailability", "")},
                    "info alerts go to the kafka-platform digest")
            c.check(by_receiver.get("observability-tickets") == {("StreamlensSidecarSourceDown", "")},
                    "the sidecar's source-down reaches observability-tickets, its staleness does not")
            c.check("default" not in by_receiver, "nothing falls through to the default receiver")
        finally:
            hook.close()
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
