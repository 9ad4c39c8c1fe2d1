#!/usr/bin/env python3
"""Checks grafana/: dashboard JSON against Grafana's schema fields, provisioning files, and every
panel query against a real Prometheus.

Schema: uid (unique, <= 40 chars), title, schemaVersion, time, templating.list with a variable
`datasource` of type datasource for prometheus; panels with unique ids, a known type, a gridPos
inside the 24-column grid that overlaps no other panel; every non-row panel has targets with
refId and expr and uses ${datasource}; every $variable used is defined or a Grafana built-in.

Queries: generates three hours of history with tests/ecosystem/gen_history.py (exporter and
sidecar families, with a consumer slowdown and CPU contention incident), backfills it with
`promtool tsdb create-blocks-from openmetrics`, starts Debian's prometheus on a free loopback
port with rules/ loaded, backfills the recording rules with `promtool tsdb create-blocks-from
rules`, restarts it, resolves each dashboard's query variables the way Grafana does
(label_values -> /api/v1/series, multi/All -> a regex of all values), substitutes the
built-ins, and runs every target through /api/v1/query (and /api/v1/query_range for time series
panels). Each must parse and return at least one series; a query over the per-threshold results
(time to threshold, breach probability, breached) must keep the `threshold` label.
Usage: check_dashboards.py SOURCE_DIR
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ecolib  # noqa: E402

PANEL_TYPES = {"row", "timeseries", "stat", "table", "bargauge", "gauge", "state-timeline", "text",
               "heatmap", "barchart", "piechart", "status-history"}
BUILTINS = {"__rate_interval": "2m", "__interval": "30s", "__range": "3h", "__range_s": "10800",
            "__interval_ms": "30000", "datasource": None}
HOURS = 3
# Results per SLA/capacity threshold: a panel must not mix the thresholds into one series.
THRESHOLD_FAMILIES = re.compile(
    r"streamlens_(time_to_threshold_seconds|threshold_breach_probability|threshold_breached)\b")
STEP = 30


def variables_in(expr):
    return set(re.findall(r"\$\{?(\w+)", expr))


def check_schema(c, path, d, uids):
    name = os.path.basename(path)
    c.check(isinstance(d.get("uid"), str) and 0 < len(d["uid"]) <= 40, f"{name}: uid is a string of 1..40 chars")
    c.check(d.get("uid") not in uids, f"{name}: uid {d.get('uid')} is unique")
    uids.add(d.get("uid"))
    c.check(isinstance(d.get("title"), str) and d["title"], f"{name}: has a title")
    c.check(isinstance(d.get("schemaVersion"), int) and d["schemaVersion"] >= 30, f"{name}: schemaVersion >= 30")
    c.check(isinstance(d.get("time"), dict) and "from" in d["time"] and "to" in d["time"], f"{name}: time range")
    tl = d.get("templating", {}).get("list", [])
    dsv = [v for v in tl if v.get("name") == "datasource"]
    c.check(len(dsv) == 1 and dsv[0].get("type") == "datasource" and dsv[0].get("query") == "prometheus",
            f"{name}: templating has a datasource variable of type datasource for prometheus")
    defined = {v.get("name") for v in tl}
    for v in tl:
        c.check(v.get("type") in ("datasource", "query", "custom", "interval", "constant", "textbox"),
                f"{name}: variable {v.get('name')} has a known type")
        if v.get("type") == "query":
            c.check(v.get("datasource", {}).get("uid") == "${datasource}",
                    f"{name}: variable {v['name']} queries ${{datasource}}")
    panels = d.get("panels")
    c.check(isinstance(panels, list) and len(panels) > 0, f"{name}: has panels")
    ids = set()
    cells = {}
    for p in panels or []:
        pid = p.get("id")
        what = f"{name}: panel {pid} {p.get('title')!r}"
        c.check(isinstance(pid, int) and pid not in ids, f"{what}: unique integer id")
        ids.add(pid)
        c.check(p.get("type") in PANEL_TYPES, f"{what}: known type {p.get('type')}")
        c.check(isinstance(p.get("title"), str) and p["title"], f"{what}: has a title")
        g = p.get("gridPos", {})
        ok = all(isinstance(g.get(k), int) for k in ("h", "w", "x", "y")) and g["w"] > 0 and g["h"] > 0 \
            and g["x"] >= 0 and g["x"] + g["w"] <= 24 and g["y"] >= 0
        c.check(ok, f"{what}: gridPos inside the 24-column grid ({g})")
        if ok:
            overlap = False
            for x in range(g["x"], g["x"] + g["w"]):
                for y in range(g["y"], g["y"] + g["h"]):
                    if (x, y) in cells:
                        overlap = True
                    cells[(x, y)] = pid
            c.check(not overlap, f"{what}: gridPos overlaps no other panel")
        if p.get("type") == "row":
            continue
        c.check(p.get("datasource", {}).get("uid") == "${datasource}", f"{what}: datasource is ${{datasource}}")
        targets = p.get("targets", [])
        c.check(len(targets) > 0, f"{what}: has targets")
        refs = [t.get("refId") for t in targets]
        c.check(len(set(refs)) == len(refs) and all(refs), f"{what}: unique refIds")
        for t in targets:
            c.check(isinstance(t.get("expr"), str) and t["expr"].strip(), f"{what}: target {t.get('refId')} has expr")
            for v in variables_in(t.get("expr", "")) | variables_in(t.get("legendFormat", "")):
                c.check(v in defined or v in BUILTINS, f"{what}: variable ${v} is defined")


def label_values(base, query, end):
    m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", query.strip())
    if not m:
        raise ValueError(f"unsupported variable query {query!r} (expected label_values(selector, label))")
    selector, label = m.group(1), m.group(2)
    qs = urllib.parse.urlencode({"match[]": selector, "start": end - 3600, "end": end})
    res = ecolib.http_json(f"{base}/api/v1/series?{qs}")
    return sorted({s[label] for s in res["data"] if label in s})


def substitute(expr, values):
    def rep(m):
        name = m.group(1) or m.group(2)
        return values.get(name, m.group(0))
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", rep, expr)


def main():
    src = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("STREAMLENS_SOURCE_DIR", "."))
    ecolib.require_tools("prometheus", "promtool")
    c = ecolib.Checker()
    paths = sorted(glob.glob(os.path.join(src, "grafana", "dashboards", "*.json")))
    c.check(len(paths) >= 6, f"six dashboards or more in grafana/dashboards (found {len(paths)})")
    dashboards = []
    uids = set()
    for path in paths:
        try:
            with open(path) as f:
                d = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            c.check(False, f"{path}: valid JSON ({e})")
            continue
        check_schema(c, path, d, uids)
        dashboards.append((os.path.basename(path), d))

    prov = os.path.join(src, "grafana", "provisioning")
    with open(os.path.join(prov, "datasources", "streamlens.yml")) as f:
        ds = yaml.safe_load(f)
    c.check(ds.get("apiVersion") == 1 and any(x.get("type") == "prometheus" for x in ds.get("datasources", [])),
            "datasource provisioning declares a prometheus datasource")
    with open(os.path.join(prov, "dashboards", "streamlens.yml")) as f:
        dp = yaml.safe_load(f)
    c.check(dp.get("apiVersion") == 1 and dp["providers"][0].get("type") == "file"
            and dp["providers"][0].get("options", {}).get("path"), "dashboard provisioning has a file provider with a path")

    end = int(time.time()) // 60 * 60
    start = end - HOURS * 3600
    with tempfile.TemporaryDirectory(prefix="streamlens-dash-") as work, ecolib.Servers(work) as servers:
        om = os.path.join(work, "history.om")
        with open(om, "w") as f:
            subprocess.run([sys.executable, os.path.join(src, "tests", "ecosystem", "gen_history.py"),
                            "--start", str(start), "--end", str(end), "--step", str(STEP), "--sidecar",
                            "--incident", "slowdown:billing:5400:1h", "--incident", "cpu:2:3600:2h"],
                           stdout=f, check=True)
        data = os.path.join(work, "data")
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, data], check=True,
                       stdout=subprocess.DEVNULL)
        rules = sorted(glob.glob(os.path.join(src, "rules", "*.yml")))
        cfg = os.path.join(work, "prometheus.yml")
        with open(cfg, "w") as f:
            yaml.safe_dump({"global": {"evaluation_interval": "30s"}, "rule_files": rules}, f)
        port = ecolib.free_port()
        base = f"http://127.0.0.1:{port}"
        argv = ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=10y",
                "--log.level=warn"]
        proc, log = servers.start("prometheus", argv)
        ecolib.wait_http(base + "/-/ready", proc=proc, log=log)
        deadline = time.time() + 15
        while True:  # rule groups appear shortly after /-/ready
            rr = ecolib.http_json(base + "/api/v1/rules")
            nrules = sum(len(g["rules"]) for g in rr["data"]["groups"])
            if nrules > 0 or time.time() > deadline:
                break
            time.sleep(0.2)
        c.check(nrules > 0 and all(r.get("health") != "err" for g in rr["data"]["groups"] for r in g["rules"]),
                f"Prometheus loaded rules/ ({nrules} rules)")
        blocks = os.path.join(work, "rule-blocks")
        p = subprocess.run(["promtool", "tsdb", "create-blocks-from", "rules", f"--start={start}", f"--end={end}",
                            f"--url={base}", f"--output-dir={blocks}", f"--eval-interval={STEP}s",
                            os.path.join(src, "rules", "streamlens-recording.yml")],
                           capture_output=True, text=True)
        c.check(p.returncode == 0, f"promtool backfills the recording rules ({p.stderr.strip()[-300:]})")
        servers.stop(proc)
        for b in glob.glob(os.path.join(blocks, "*")):
            shutil.move(b, data)
        proc, log = servers.start("prometheus2", argv)
        ecolib.wait_http(base + "/-/ready", proc=proc, log=log)

        nqueries = 0
        for name, d in dashboards:
            values = {k: v for k, v in BUILTINS.items() if v is not None}
            for v in d["templating"]["list"]:
                if v["type"] != "query":
                    continue
                q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
                vals = label_values(base, substitute(q, values), end)
                c.check(len(vals) > 0, f"{name}: variable ${v['name']} ({q}) has values")
                if v.get("includeAll") or v.get("multi"):
                    values[v["name"]] = "(" + "|".join(re.escape(x) for x in vals) + ")" if vals else ".*"
                else:
                    values[v["name"]] = vals[0] if vals else ""
            for p in d["panels"]:
                for t in p.get("targets", []):
                    expr = substitute(t["expr"], values)
                    what = f"{name}: panel {p['title']!r} {t['refId']}: {expr}"
                    nqueries += 1
                    try:
                        r = ecolib.http_json(f"{base}/api/v1/query?" + urllib.parse.urlencode(
                            {"query": expr, "time": end}))
                        ok = r["status"] == "success" and len(r["data"]["result"]) > 0
                    except Exception as e:  # HTTP 400 on a parse error
                        ok, r = False, str(e)
                    c.check(ok, f"{what} returns data at the end of the history ({str(r)[:200] if not ok else ''})")
                    if ok and THRESHOLD_FAMILIES.search(expr):
                        c.check(all("threshold" in x["metric"] for x in r["data"]["result"]),
                                f"{what} keeps the threshold label (one series per threshold, never mixed)")
                    if p["type"] in ("timeseries", "state-timeline"):
                        try:
                            r = ecolib.http_json(f"{base}/api/v1/query_range?" + urllib.parse.urlencode(
                                {"query": expr, "start": end - 3600, "end": end, "step": 60}))
                            ok = r["status"] == "success" and len(r["data"]["result"]) > 0
                        except Exception as e:
                            ok, r = False, str(e)
                        c.check(ok, f"{what} returns data over the last hour ({str(r)[:200] if not ok else ''})")
        print(f"{len(dashboards)} dashboards, {nqueries} panel queries run against Prometheus")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
