#!/usr/bin/python3
"""The sidecar reading a long-term store: Debian's VictoriaMetrics, backfilled through its import
API, read through the query_range path (--query-range.url) and through the export API
(--victoriametrics-export.url), gives the same per-series results as the Prometheus remote-read
path on the same history; and `streamlens-sidecar export` prints the same samples through the
export source as through the query-range source.

History: check_shards.py's 30 series sl_lag{group,topic} over a day at 1 minute (an hourly cycle,
three series end in an incident), backfilled into Prometheus with promtool and imported into
VictoriaMetrics with /api/v1/import/prometheus. Two sidecars run the same job (anomaly and
forecast): one against Prometheus' remote read, one against VictoriaMetrics' query API, one against
its export API. After each one's first cycle the sets of per-series result samples (name, labels) must be equal and their
values equal to 1e-9 relative; the duration of each one's first (fitting) cycle is printed.

  check_victoria.py SOURCE_DIR BIN_DIR
"""
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ecosystem"))
sys.path.insert(0, HERE)
import ecolib  # noqa: E402
import check_shards as shards  # noqa: E402


def backfill_prometheus(servers, work, om):
    tsdb = os.path.join(work, "tsdb")
    r = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, tsdb],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"promtool backfill failed:\n{r.stderr[-2000:]}")
    return ecolib.start_prometheus_on(servers, work, tsdb)


def start_victoria(servers, work, om):
    """Starts victoria-metrics on loopback and imports the OpenMetrics history (seconds) as
    Prometheus text (milliseconds); returns the port once every series is searchable."""
    port = ecolib.free_port()
    proc, log = servers.start("victoria-metrics", [
        "victoria-metrics", f"-storageDataPath={os.path.join(work, 'vm-data')}",
        f"-httpListenAddr=127.0.0.1:{port}", "-retentionPeriod=100y", "-loggerLevel=WARN"])
    ecolib.wait_http(f"http://127.0.0.1:{port}/health", timeout=60, proc=proc, log=log)
    lines = []
    with open(om) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name_labels, value, ts = line.rsplit(" ", 2)
            lines.append(f"{name_labels} {value} {int(ts) * 1000}\n")
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/import/prometheus",
                                 data="".join(lines).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=60) as r:
        if r.status // 100 != 2:
            raise RuntimeError(f"victoria-metrics import: HTTP {r.status}")
    ecolib.http_get(f"http://127.0.0.1:{port}/internal/force_flush")
    deadline = time.time() + 60
    while time.time() < deadline:
        doc = ecolib.http_json(f"http://127.0.0.1:{port}/api/v1/series?match[]=sl_lag"
                               f"&start={int(time.time()) - 2 * 86400}")
        if len(doc.get("data", [])) == shards.SERIES:
            return port
        time.sleep(0.5)
    raise RuntimeError(f"victoria-metrics: the imported series are not searchable:\n"
                       f"{ecolib.tail(log)}")


def check_export_command(c, bin_dir, vm):
    """`streamlens-sidecar export` over the whole history: the export source prints exactly the
    series and samples the query-range source prints."""
    out = {}
    for source_type in ("query-range", "victoriametrics-export"):
        r = subprocess.run([os.path.join(bin_dir, "streamlens-sidecar"), "export",
                            f"--source=http://127.0.0.1:{vm}", f"--source-type={source_type}",
                            "--match=sl_lag", "--start=now-3d", "--end=now"],
                           capture_output=True, text=True, timeout=120)
        c.check(r.returncode == 0, f"export --source-type={source_type}: {r.stderr[-500:]}")
        out[source_type] = r.stdout
    rows = out["query-range"].count("\n") - 1
    c.check(rows >= shards.SERIES * 1000, f"query-range export printed {rows} samples")
    c.check(out["query-range"] == out["victoriametrics-export"],
            f"export source and query-range source print the same samples "
            f"({out['victoriametrics-export'].count(chr(10)) - 1} vs {rows} lines)")


def close(a, b):
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a == b
    return x == y or abs(x - y) <= 1e-9 * max(abs(x), abs(y))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    bin_dir = sys.argv[2]
    ecolib.require_tools("prometheus", "promtool", "victoria-metrics")
    c = ecolib.Checker()
    with tempfile.TemporaryDirectory(prefix="streamlens-victoria-") as work, \
            ecolib.Servers(work) as servers:
        om = os.path.join(work, "history.om")
        shards.history(om, int(time.time()) // 60 * 60 - 60)
        prom = backfill_prometheus(servers, work, om)
        vm = start_victoria(servers, work, om)
        cfg = os.path.join(work, "jobs.yaml")
        with open(cfg, "w") as f:
            f.write(shards.CONFIG)
        runs = [("remote-read", f"--remote-read.url=http://127.0.0.1:{prom}/api/v1/read"),
                ("query-range", f"--query-range.url=http://127.0.0.1:{vm}"),
                ("victoriametrics-export", f"--victoriametrics-export.url=http://127.0.0.1:{vm}")]
        check_export_command(c, bin_dir, vm)
        started = []
        shards.wait_for_a_fresh_minute()  # all three fetch the same window
        for name, source in runs:
            port = ecolib.free_port()
            proc, log = servers.start(f"sidecar-{name}", [
                os.path.join(bin_dir, "streamlens-sidecar"), f"--config.file={cfg}", source,
                f"--web.listen-address=127.0.0.1:{port}", "--workers=1"])
            started.append((name, port, proc, log))
        scraped = {}
        for name, port, proc, log in started:
            ecolib.wait_http(f"http://127.0.0.1:{port}/-/healthy", proc=proc, log=log)
            scraped[name] = shards.wait_first_cycle(port, proc, log)
        rr = shards.results(scraped["remote-read"])
        scores = sum(1 for k in rr if k[0] == "streamlens_anomaly_score")
        c.check(scores == shards.SERIES, f"remote read scores all {shards.SERIES} series ({scores})")
        for name, _ in runs[1:]:
            qr = shards.results(scraped[name])
            c.check(set(rr) == set(qr),
                    f"{name}: the same result samples: only remote read "
                    f"{sorted(set(rr) - set(qr))[:5]}, only {name} {sorted(set(qr) - set(rr))[:5]}")
            differ = [(k, rr[k], qr[k]) for k in sorted(set(rr) & set(qr))
                      if not close(rr[k], qr[k])]
            c.check(not differ, f"{name}: equal values ({len(differ)} of {len(rr)} differ, e.g. "
                                f"{differ[:3]}; families {sorted(set(k[0] for k, _, _ in differ))})")
        c.check(any(k[0] == "streamlens_forecast" for k in rr), "forecasts were compared too")
        for name, _ in runs:
            fit = scraped[name].get(
                ("streamlens_sidecar_job_last_fit_duration_seconds", (("for", "lag"),)), "?")
            print(f"{name}: first (fitting) cycle {fit} s")
        print(f"{len(rr)} result samples of {shards.SERIES} series compared")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
