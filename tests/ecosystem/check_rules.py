#!/usr/bin/env python3
"""Checks rules/: promtool check rules, promtool test rules, and the house rules on alerts.

House rules (each a failure with the alert's name):
  - every alert has a `severity` in {critical, warning, info} and a `team` label;
  - `summary`, `description` and `runbook_url` annotations; unless the alert is on a 0/1 state
    (expr ends in == 0 or == 1), the summary or description uses $value or a query (the numbers); runbook_url is docs/runbooks.md#<anchor> and the anchor exists;
  - every alert is covered by the unit tests in rules/tests/: at least one test case expects it
    to fire and at least one expects it silent (exp_alerts: []).
Usage: check_rules.py SOURCE_DIR
"""
import glob
import os
import re
import subprocess
import sys

import yaml


def github_anchor(heading):
    return re.sub(r"[^a-z0-9 _-]", "", heading.strip().lower()).replace(" ", "-")


def main():
    src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("STREAMLENS_SOURCE_DIR", "."))
    rules_dir = os.path.join(src, "rules")
    rule_files = sorted(glob.glob(os.path.join(rules_dir, "*.yml")))
    test_files = sorted(glob.glob(os.path.join(rules_dir, "tests", "*.yml")))
    if not rule_files or not test_files:
        print(f"FAIL: no rule files or no tests under {rules_dir}")
        return 1
    failures = []

    for cmd in (["promtool", "check", "rules", *rule_files], ["promtool", "test", "rules", *test_files]):
        p = subprocess.run(cmd, capture_output=True, text=True)
        print(f"$ {' '.join(os.path.relpath(c, src) if c.startswith(src) else c for c in cmd)}")
        print(p.stdout + p.stderr)
        if p.returncode != 0:
            failures.append(f"{cmd[1]} {cmd[2]} exited {p.returncode}")

    runbooks_path = os.path.join(src, "docs", "runbooks.md")
    anchors = set()
    if os.path.exists(runbooks_path):
        with open(runbooks_path) as f:
            anchors = {github_anchor(h) for h in re.findall(r"^#+ (.*)$", f.read(), re.M)}
    else:
        failures.append("docs/runbooks.md is missing")

    alerts = {}
    records = set()
    for path in rule_files:
        with open(path) as f:
            doc = yaml.safe_load(f)
        for group in doc.get("groups", []):
            for rule in group.get("rules", []):
                if "record" in rule:
                    records.add(rule["record"])
                    continue
                name = rule["alert"]
                if name in alerts:
                    failures.append(f"{name}: defined twice")
                alerts[name] = rule
                labels = rule.get("labels", {})
                ann = rule.get("annotations", {})
                if labels.get("severity") not in ("critical", "warning", "info"):
                    failures.append(f"{name}: severity label {labels.get('severity')!r} not critical|warning|info")
                if not labels.get("team"):
                    failures.append(f"{name}: no team label")
                for key in ("summary", "description", "runbook_url"):
                    if not ann.get(key):
                        failures.append(f"{name}: no {key} annotation")
                text = ann.get("summary", "") + ann.get("description", "")
                # State alerts (a 0/1 gauge compared with == 0 or == 1) have no number to show.
                is_state = re.search(r"==\s*[01]\s*$", rule["expr"].strip()) is not None
                if not is_state and "$value" not in text and "query" not in text:
                    failures.append(f"{name}: summary/description carry no number ($value or query)")
                url = ann.get("runbook_url", "")
                m = re.fullmatch(r"docs/runbooks\.md#([a-z0-9_-]+)", url)
                if not m:
                    failures.append(f"{name}: runbook_url {url!r} is not docs/runbooks.md#anchor")
                elif m.group(1) not in anchors:
                    failures.append(f"{name}: runbook anchor #{m.group(1)} not found in docs/runbooks.md")

    fires, silent = set(), set()
    for path in test_files:
        with open(path) as f:
            doc = yaml.safe_load(f)
        for case in doc.get("tests", []):
            for t in case.get("alert_rule_test", []) or []:
                (fires if t.get("exp_alerts") else silent).add(t["alertname"])
    for name in sorted(alerts):
        if name not in fires:
            failures.append(f"{name}: no unit test expects it to fire")
        if name not in silent:
            failures.append(f"{name}: no unit test expects it to stay silent")
    for name in sorted((fires | silent) - set(alerts)):
        failures.append(f"unit tests name {name}, which no rule defines")

    print(f"{len(alerts)} alerts, {len(records)} recording rules, "
          f"{len(fires & set(alerts))} alerts tested firing, {len(silent & set(alerts))} tested silent")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
