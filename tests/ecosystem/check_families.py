#!/usr/bin/env python3
"""Checks that every metric family streamlens-sidecar publishes is used: each family listed in
the "streamlens-sidecar" section of docs/metrics.md appears in the expression of at least one rule
in rules/*.yml (alert or recording) or in a target of at least one Grafana dashboard in
grafana/dashboards/*.json. A family nobody alerts on or plots is a result nobody sees.

Families are the backticked names starting with `streamlens_` in the first cell of the section's
table rows (a cell may list several, e.g. "`a`, `b`" or "`a` (and `b`, `c`)"). A family counts as
used when its name occurs as a whole metric name in a PromQL expression (not as a prefix of a
longer name, and not only in annotations). Exporter families are listed for information (how
many are used) but not enforced.
Usage: check_families.py SOURCE_DIR
"""
import glob
import json
import os
import re
import sys

import yaml

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"


def documented_families(metrics_md):
    """{section: [family, ...]} for the daemon sections ('## streamlens-exporter', ...)."""
    sections = {}
    current = None
    for line in metrics_md.splitlines():
        m = re.match(r"^## (.+)$", line)
        if m:
            current = m.group(1).strip()
            continue
        if current is None or not line.startswith("|"):
            continue
        cells = line.split("|")
        if len(cells) < 3:
            continue
        for name in re.findall(r"`(" + NAME + r")`", cells[1]):
            if name.startswith(("streamlens_", "kafka_", "jolokia_")):
                sections.setdefault(current, [])
                if name not in sections[current]:
                    sections[current].append(name)
    return sections


def rule_expressions(src):
    out = []
    for path in sorted(glob.glob(os.path.join(src, "rules", "*.yml"))):
        with open(path) as f:
            doc = yaml.safe_load(f)
        for group in doc.get("groups", []):
            for rule in group.get("rules", []):
                what = rule.get("alert") or rule.get("record")
                out.append((f"rule {what}", rule["expr"]))
    return out


def dashboard_expressions(src):
    out = []
    for path in sorted(glob.glob(os.path.join(src, "grafana", "dashboards", "*.json"))):
        with open(path) as f:
            d = json.load(f)
        for p in d.get("panels", []):
            for t in p.get("targets", []):
                out.append((f"{os.path.basename(path)} panel {p.get('title')!r}", t.get("expr", "")))
        for v in d.get("templating", {}).get("list", []):
            q = v.get("query")
            if isinstance(q, dict):
                q = q.get("query")
            if isinstance(q, str):
                out.append((f"{os.path.basename(path)} variable {v.get('name')}", q))
    return out


def metric_names(expr):
    """Identifiers in a PromQL expression that can be metric names (label names inside {...} and
    string literals are removed first)."""
    no_strings = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    no_matchers = re.sub(r"\{[^{}]*\}", "{}", no_strings)
    no_groupings = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", r"\1()", no_matchers)
    return set(re.findall(r"(?<![a-zA-Z0-9_:])(" + NAME + r")", no_groupings))


def main():
    src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("STREAMLENS_SOURCE_DIR", "."))
    with open(os.path.join(src, "docs", "metrics.md")) as f:
        sections = documented_families(f.read())
    sidecar = sections.get("streamlens-sidecar", [])
    exporter = sections.get("streamlens-exporter", [])
    failures = []
    if len(sidecar) < 20:
        failures.append(f"docs/metrics.md: expected the sidecar's families under '## streamlens-sidecar', "
                        f"found {len(sidecar)}")
    used = {}
    for where, expr in rule_expressions(src) + dashboard_expressions(src):
        for name in metric_names(expr):
            used.setdefault(name, []).append(where)
            # A histogram or summary family is used through its series.
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            if base != name:
                used.setdefault(base, []).append(where)
    for fam in sidecar:
        if fam not in used:
            failures.append(f"{fam}: documented in docs/metrics.md (streamlens-sidecar) but used by no rule "
                            f"expression and no dashboard query")
    unused_exporter = [f for f in exporter if f not in used]
    print(f"{len(sidecar)} sidecar families documented, {len(sidecar) - sum(1 for f in sidecar if f not in used)} "
          f"used by a rule or a panel")
    print(f"{len(exporter)} exporter families documented, {len(exporter) - len(unused_exporter)} used "
          f"(not enforced; unused: {', '.join(unused_exporter) or 'none'})")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
