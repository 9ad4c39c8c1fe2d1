#!/usr/bin/python3
"""The product as users run it: a sidecar started with only --remote-read.url (and --storage.path) on a
week of history that already holds a running incident finds it in its first cycle, and again after
a restart.

History (incident_history.py): 12 consumer groups with their usual daily lag bursts; one broker's
request handlers saturated 40 minutes ago, its bytes in fell to a tenth, and the three groups it
serves have lag running away; one other group is half-way through its usual burst. Prometheus
serves it from a backfilled TSDB; the sidecar runs the built-in job set.

Checks, on the first published cycle of each job and again after a restart with the same
--storage.path: anomaly score > 1 for exactly the three affected groups (none for the bursting
group), outlier score > 1 for the failing broker and no other, and the first-ranked root cause of
each affected group names that broker.

  check_first_cycle.py SOURCE_DIR BIN_DIR [--seed N] [--keep]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ecosystem"))
import ecolib  # noqa: E402

FIRST_JOBS = ("consumer_lag", "broker_traffic_peers", "broker_state_peers")


def backfill(work, seed, say):
    om = os.path.join(work, "history.om")
    truth_path = os.path.join(work, "truth.json")
    subprocess.run([sys.executable, os.path.join(HERE, "incident_history.py"), "--seed", str(seed),
                    "--out", om, "--truth", truth_path], check=True, stdout=subprocess.DEVNULL)
    with open(truth_path) as f:
        truth = json.load(f)
    tsdb = os.path.join(work, "tsdb")
    t0 = time.time()
    r = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, tsdb],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"promtool backfill failed:\n{r.stderr[-2000:]}")
    os.remove(om)
    say(f"backfilled a week of history in {time.time() - t0:.0f} s: {json.dumps(truth)}")
    return tsdb, truth

def start_sidecar(servers, bin_dir, prom_port, storage, name):
    port = ecolib.free_port()
    proc, log = servers.start(name, [
        os.path.join(bin_dir, "streamlens-sidecar"),
        f"--remote-read.url=http://127.0.0.1:{prom_port}/api/v1/read",
        f"--web.listen-address=127.0.0.1:{port}", f"--storage.path={storage}"])
    ecolib.wait_http(f"http://127.0.0.1:{port}/-/healthy", proc=proc, log=log)
    return port, proc, log


def metrics(port):
    _, body = ecolib.http_get(f"http://127.0.0.1:{port}/metrics")
    out = []
    for line in body.decode().splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)", line)
        if line.startswith("#") or not m:
            continue
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def wait_first_cycles(port, proc, log, timeout=300):
    """Waits until every job in FIRST_JOBS has run a cycle; returns the metrics then."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = metrics(port)
        runs = {l.get("for"): v for n, l, v in m if n == "streamlens_sidecar_job_runs_total"}
        if all(runs.get(j, 0) >= 1 for j in FIRST_JOBS):
            return m
        if proc.poll() is not None:
            raise RuntimeError(f"streamlens-sidecar exited:\n{ecolib.tail(log)}")
        time.sleep(1)
    raise RuntimeError(f"the first cycles did not finish within {timeout} s:\n{ecolib.tail(log)}")


def check_cycle(c, port, m, truth, when):
    affected = set(truth["affected_groups"])
    broker = truth["failing_broker"]
    scores = {l["consumergroup"]: v for n, l, v in m
              if n == "streamlens_anomaly_score" and l.get("for") == "consumer_lag"}
    c.check(len(scores) == 12, f"{when}: consumer_lag scores for 12 groups (got {len(scores)})")
    anomalous = {g for g, s in scores.items() if s > 1}
    c.check(anomalous == affected,
            f"{when}: anomalous groups {sorted(anomalous)} == affected {sorted(affected)} "
            f"(scores {json.dumps({g: round(s, 2) for g, s in sorted(scores.items())})})")
    c.check(scores.get(truth["bursting_group"], 0) <= 1,
            f"{when}: the group in its usual burst ({truth['bursting_group']}) is not anomalous")
    outliers = {}
    for n, l, v in m:
        if n == "streamlens_outlier_score" and "broker" in l:
            outliers[l["broker"]] = max(outliers.get(l["broker"], 0), v)
    flagged = {b for b, v in outliers.items() if v > 1}
    c.check(flagged == {broker},
            f"{when}: outlier brokers {sorted(flagged)} == {{{broker}}} "
            f"(scores {json.dumps({b: round(v, 2) for b, v in sorted(outliers.items())})})")
    doc = ecolib.http_json(f"http://127.0.0.1:{port}/api/v1/rootcause?for=consumer_lag")
    firsts, reasons = {}, {}
    for item in doc.get("data", []):
        g = item.get("labels", {}).get("consumergroup")
        causes = item.get("causes") or item.get("ranking") or []
        if g and causes:
            firsts[g] = causes[0].get("candidate", "")
            reasons[g] = [x.get("reason", x.get("candidate", "")) for x in causes[:3]]
    for g in sorted(affected):
        first = firsts.get(g, "")
        ok = c.check(f'broker="{broker}"' in first,
                     f"{when}: the first-ranked cause of {g} names broker {broker} (got {first!r})")
        if not ok:
            for r in reasons.get(g, []):
                print(f"    ranked: {r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source_dir")
    ap.add_argument("bin_dir")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("STREAMLENS_SCENARIO_SEED", 1)))
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    ecolib.require_tools("prometheus", "promtool")
    work = tempfile.mkdtemp(prefix="streamlens-first-cycle-")
    c = ecolib.Checker()
    say = lambda s: print(s, flush=True)  # noqa: E731
    try:
        with ecolib.Servers(work) as servers:
            tsdb, truth = backfill(work, a.seed, say)
            prom = ecolib.start_prometheus_on(servers, work, tsdb)
            storage = os.path.join(work, "state")
            port, proc, log = start_sidecar(servers, a.bin_dir, prom, storage, "sidecar")
            t0 = time.time()
            m = wait_first_cycles(port, proc, log)
            say(f"first cycles published {time.time() - t0:.0f} s after start")
            check_cycle(c, port, m, truth, "first cycle")
            servers.stop(proc)
            port, proc, log = start_sidecar(servers, a.bin_dir, prom, storage, "sidecar2")
            m = wait_first_cycles(port, proc, log)
            restored = sum(v for n, l, v in m if n == "streamlens_sidecar_series_restored_total")
            c.check(restored > 0, f"after the restart the state was restored ({restored:.0f} series)")
            check_cycle(c, port, m, truth, "after restart")
    except RuntimeError as e:
        c.check(False, str(e))
    finally:
        if a.keep:
            say(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
