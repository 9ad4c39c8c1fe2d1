#!/usr/bin/python3
"""Three sidecars sharing the series of one Prometheus (--shard.count=3, --shard.index=0..2)
handle every series exactly once, and the union of their results equals what one unsharded
sidecar publishes for the same history.

History: 30 series sl_lag{group,topic} over a day at 1 minute (an hourly cycle, a level per
series, noise; three series end in an incident), backfilled with promtool into Debian's
prometheus. Four sidecars read it through remote read with the same job (anomaly and a per-series
forecast; pooled forecasts are fitted over a shard's own series, so they are off here), all with
the default --fit.batch, so every first fit is the full one (with several batches a job starts
with quick forecasts, which a shard holding fewer series would not use: sidecar_e2e_test covers
fits in batches).

Checks after each sidecar's first cycle: every series has a score on exactly one shard and every
shard has some; the shards' streamlens_sidecar_job_series add up to 30; the set of per-series
result samples (name, labels) of the shards together equals the unsharded sidecar's, with equal
values; both analyses are up on every shard.

  check_shards.py SOURCE_DIR BIN_DIR
"""
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ecosystem"))
import ecolib  # noqa: E402

SERIES = 30
SHARDS = 3
MINUTES = 24 * 60
CONFIG = """jobs:
  - name: lag
    selector: sl_lag
    fit_window: 1d
    fit_every: 1h
    infer_every: 30m
    anomaly: {seasonal_periods: [1h]}
    forecast: {pooled: false, horizons: [1h, 6h]}
"""


def history(path, t_end):
    """Writes the OpenMetrics history ending at t_end (seconds)."""
    rng = random.Random(18)
    with open(path, "w") as f:
        f.write("# TYPE sl_lag gauge\n")
        for t in range(t_end - (MINUTES - 1) * 60, t_end + 1, 60):
            for k in range(SERIES):
                v = 500 + 40 * k + (50 + k) * math.sin(2 * math.pi * (t % 3600) / 3600 + k)
                v += rng.gauss(0, 5)
                if k % 10 == 3 and t_end - t < 15 * 60:
                    v += 800  # the incident of the last 15 minutes
                f.write(f'sl_lag{{group="g{k // 3}",topic="t{k % 3}"}} {v:.3f} {t}\n')
        f.write("# EOF\n")


def metrics(port):
    """(name, sorted label items) -> value text, for every sample of /metrics."""
    _, body = ecolib.http_get(f"http://127.0.0.1:{port}/metrics")
    out = {}
    for line in body.decode().splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)", line)
        if line.startswith("#") or not m:
            continue
        labels = tuple(sorted(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or "")))
        out[(m.group(1), labels)] = m.group(4)
    return out


def results(m):
    """The per-series analysis results of a /metrics scrape (samples with the series' labels)."""
    return {k: v for k, v in m.items()
            if k[0].startswith("streamlens_") and any(name == "group" for name, _ in k[1])}


def wait_for_a_fresh_minute(need_s=40):
    """Sleeps into the next minute unless `need_s` seconds of this one remain: sidecars compared
    with each other fetch their window up to their own start, so they must start within the same
    minute (one minute later the window holds one sample less, which can change a
    forecast's chosen model)."""
    left = 60 - time.time() % 60
    if left < need_s:
        time.sleep(left + 0.5)


def wait_first_cycle(port, proc, log, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = metrics(port)
        if float(m.get(("streamlens_sidecar_job_runs_total", (("for", "lag"),)), "0")) >= 1:
            return m
        if proc.poll() is not None:
            raise RuntimeError(f"streamlens-sidecar exited:\n{ecolib.tail(log)}")
        time.sleep(0.5)
    raise RuntimeError(f"no cycle within {timeout} s:\n{ecolib.tail(log)}")


def start_prometheus(servers, work):
    t_end = int(time.time()) // 60 * 60 - 60
    om, tsdb = os.path.join(work, "history.om"), os.path.join(work, "tsdb")
    history(om, t_end)
    r = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, tsdb],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"promtool backfill failed:\n{r.stderr[-2000:]}")
    return ecolib.start_prometheus_on(servers, work, tsdb)


def main():
    bin_dir = sys.argv[2]
    ecolib.require_tools("prometheus", "promtool")
    c = ecolib.Checker()
    with tempfile.TemporaryDirectory(prefix="streamlens-shards-") as work, \
            ecolib.Servers(work) as servers:
        prom = start_prometheus(servers, work)
        cfg = os.path.join(work, "jobs.yaml")
        with open(cfg, "w") as f:
            f.write(CONFIG)
        runs = [("whole", [])] + [
            (f"shard{i}", [f"--shard.count={SHARDS}", f"--shard.index={i}"])
            for i in range(SHARDS)]
        started = []
        wait_for_a_fresh_minute()
        for name, extra in runs:
            port = ecolib.free_port()
            proc, log = servers.start(name, [
                os.path.join(bin_dir, "streamlens-sidecar"), f"--config.file={cfg}",
                f"--remote-read.url=http://127.0.0.1:{prom}/api/v1/read",
                f"--web.listen-address=127.0.0.1:{port}", "--workers=1"] + extra)
            ecolib.wait_http(f"http://127.0.0.1:{port}/-/healthy", proc=proc, log=log)
            started.append((name, port, proc, log))
        scraped = {name: wait_first_cycle(port, proc, log) for name, port, proc, log in started}

        whole = results(scraped["whole"])
        score = "streamlens_anomaly_score"
        series_of = lambda m: {dict(k[1]).get("group", "") + "/" + dict(k[1]).get("topic", "")
                               for k in m if k[0] == score}
        owners = {}
        for i in range(SHARDS):
            mine = series_of(results(scraped[f"shard{i}"]))
            c.check(len(mine) > 0, f"shard {i} handles some series")
            for s in mine:
                owners.setdefault(s, []).append(i)
        c.check(len(series_of(whole)) == SERIES,
                f"the unsharded sidecar scores all {SERIES} series (got {len(series_of(whole))})")
        c.check(sorted(owners) == sorted(series_of(whole)),
                "the shards score the same series as the unsharded sidecar")
        twice = {s: o for s, o in owners.items() if len(o) != 1}
        c.check(not twice, f"every series on exactly one shard (not so: {twice})")
        tracked = [float(scraped[f"shard{i}"].get(
            ("streamlens_sidecar_job_series", (("for", "lag"),)), "0")) for i in range(SHARDS)]
        c.check(sum(tracked) == SERIES, f"the shards track {tracked}, {SERIES} together")

        union = {}
        for i in range(SHARDS):
            for k, v in results(scraped[f"shard{i}"]).items():
                c.check(k not in union, f"{k} published by one shard only")
                union[k] = v
        c.check(set(union) == set(whole),
                f"the shards publish the unsharded sidecar's result samples: missing "
                f"{sorted(set(whole) - set(union))[:5]}, extra {sorted(set(union) - set(whole))[:5]}")
        differ = [(k, union[k], whole[k]) for k in sorted(set(union) & set(whole))
                  if union[k] != whole[k]]
        c.check(not differ, f"equal values ({len(differ)} differ, e.g. {differ[:3]})")
        c.check(any(k[0] == "streamlens_forecast" for k in whole), "forecasts were compared too")
        for i in range(SHARDS):
            up = {k: v for k, v in scraped[f"shard{i}"].items() if k[0] == "streamlens_analysis_up"}
            c.check(len(up) == 2 and set(up.values()) == {"1"}, f"shard {i}: both analyses up {up}")
        print(f"{len(whole)} result samples of {SERIES} series compared; shards hold {tracked}")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
