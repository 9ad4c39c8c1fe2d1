#!/usr/bin/env bash
# Benchmark of streamlens-exporter against streamlens-loadgen's mock cluster:
# 3 brokers, 100 topics x 100 partitions (10,000 partitions), 100 consumer groups (each consuming
# one 100-partition topic, so 10,000 group partitions).
# Measures: full collection cycle (the exporter's own collect_duration_seconds over several
# cycles; the first cycle, which scans every group over all partitions, reported apart), scrape
# latency p50/p99 over N sequential scrapes spread over several collections, both as Prometheus
# scrapes (Accept-Encoding: gzip) and plain, resident memory (now and peak), series count, and
# `kcat -L` on the same cluster as the floor for a metadata round trip (the reference tool
# issue 3 names), as a ratio. The load average is printed with the numbers.
#
# Usage: bench/exporter/run_bench.sh [BUILD_DIR] (default: build)
#        EXPORTER_ARGS="--kafka.cluster-name=prod" adds exporter flags.
set -euo pipefail
BUILD=${1:-build}
BIN=$BUILD/bin
SCRAPES=${SCRAPES:-300}
SCRAPE_GAP=${SCRAPE_GAP:-0.02}  # seconds between scrapes, so they span collections
CYCLES=${CYCLES:-12}
INTERVAL=${INTERVAL:-5s}
PORT=${PORT:-19655}
TMP=$(mktemp -d)
cleanup() {
  [[ -n "${EXP_PID:-}" ]] && kill "$EXP_PID" 2>/dev/null || true
  [[ -n "${LG_PID:-}" ]] && kill "$LG_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

for tool in curl kcat python3; do
  command -v $tool >/dev/null || { echo "run_bench.sh: $tool is required" >&2; exit 2; }
done
[[ -x $BIN/streamlens-exporter && -x $BIN/streamlens-loadgen ]] ||
  { echo "run_bench.sh: build streamlens-exporter and streamlens-loadgen in $BUILD first" >&2; exit 2; }

mkfifo "$TMP/lg.out"
"$BIN/streamlens-loadgen" --brokers=3 --topics=100 --partitions-per-topic=100 --groups=100 \
  --rate=1000 --tick=2s >"$TMP/lg.out" 2>"$TMP/lg.err" &
LG_PID=$!
exec 3<"$TMP/lg.out"
read -r BOOT <&3
read -r GROUPS_LINE <&3
BOOT=${BOOT#bootstrap=}
GROUPS_LINE=${GROUPS_LINE#groups=}
echo "loadgen: bootstrap=$BOOT groups=$(tr ',' '\n' <<<"$GROUPS_LINE" | wc -l)"

# kcat -L floor: one metadata request for the whole cluster.
KCAT_TIMES=()
for i in 1 2 3 4 5; do
  s=$(date +%s.%N); kcat -L -b "$BOOT" >/dev/null 2>&1; e=$(date +%s.%N)
  KCAT_TIMES+=("$(python3 -c "print($e-$s)")")
done
KCAT=$(printf '%s\n' "${KCAT_TIMES[@]}" | sort -n | sed -n 3p)

"$BIN/streamlens-exporter" --web.listen-address=127.0.0.1:$PORT --kafka.server="$BOOT" \
  --group.list="$GROUPS_LINE" --collect.interval=$INTERVAL --log.level=info ${EXPORTER_ARGS:-} \
  2>"$TMP/exp.err" &
EXP_PID=$!
for i in $(seq 1 600); do
  curl -sf -o /dev/null http://127.0.0.1:$PORT/-/ready && break
  sleep 0.1
done
curl -sf -o /dev/null http://127.0.0.1:$PORT/-/ready || { echo "exporter never became ready"; cat "$TMP/exp.err"; exit 1; }

DURATIONS=()
last_ts=""
# The first value seen is the first (full-scan) cycle; it is reported apart from the log.
while (( ${#DURATIONS[@]} < CYCLES + 1 )); do
  m=$(curl -s http://127.0.0.1:$PORT/metrics | grep -E '^streamlens_exporter_(collect_duration|last_collect_timestamp)_seconds\{collector="kafka"\}')
  ts=$(awk '/last_collect/ {print $2}' <<<"$m")
  d=$(awk '/collect_duration/ {print $2}' <<<"$m")
  if [[ "$ts" != "$last_ts" ]]; then DURATIONS+=("$d"); last_ts=$ts; fi
  sleep 0.5
done

FIRST=$(grep -o 'first collection finished.*duration_seconds=[0-9.]*' "$TMP/exp.err" | sed 's/.*duration_seconds=//' | head -1)
curl -s http://127.0.0.1:$PORT/metrics >"$TMP/scrape.txt"
curl -s -H 'Accept-Encoding: gzip' http://127.0.0.1:$PORT/metrics >"$TMP/scrape.gz"
GZ_BYTES=$(wc -c <"$TMP/scrape.gz")
# The gzip body must decode to a complete exposition (same series count as the plain one).
GZ_SERIES=$(gzip -dc "$TMP/scrape.gz" | grep -vc '^#')
grep -E '^streamlens_exporter_kafka_phase_duration_seconds' "$TMP/scrape.txt" || true
SERIES=$(grep -vc '^#' "$TMP/scrape.txt")
BYTES=$(wc -c <"$TMP/scrape.txt")
LINT=$(promtool check metrics <"$TMP/scrape.txt" 2>&1 | head -5 || true)

: >"$TMP/lat.txt"
: >"$TMP/latgz.txt"
: >"$TMP/healthy.txt"
# Each line: total time, and time to first byte after the request was sent (server-side time).
FMT='%{time_total} %{time_pretransfer} %{time_starttransfer}\n'
for i in $(seq 1 "$SCRAPES"); do
  curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w "$FMT" \
    http://127.0.0.1:$PORT/metrics >>"$TMP/latgz.txt"
  curl -s -o /dev/null -w "$FMT" http://127.0.0.1:$PORT/metrics >>"$TMP/lat.txt"
  # Floor: the same server answering its smallest endpoint, under the same machine load.
  curl -s -o /dev/null -w "$FMT" http://127.0.0.1:$PORT/-/healthy >>"$TMP/healthy.txt"
  sleep "$SCRAPE_GAP"
done
RSS_KB=$(awk '/VmRSS/ {print $2}' /proc/$EXP_PID/status)
HWM_KB=$(awk '/VmHWM/ {print $2}' /proc/$EXP_PID/status)

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$TMP/lat.txt" "$TMP/latgz.txt" "$TMP/healthy.txt" "$KCAT" "$SERIES" "$BYTES" "$RSS_KB" "$HWM_KB" \
  "$GZ_BYTES" "$GZ_SERIES" "${FIRST:-nan}" "$LOAD" "${DURATIONS[@]}" <<'PY'
import sys, statistics
def read(path):
    rows = [[float(x) for x in l.split()] for l in open(path) if l.strip()]
    return sorted(r[0] for r in rows), sorted(r[2] - r[1] for r in rows)
lat, ttfb = read(sys.argv[1])
latgz, ttfbgz = read(sys.argv[2])
healthy, _ = read(sys.argv[3])
kcat, series, nbytes, rss, hwm = float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
gz_bytes, gz_series, first, load = int(sys.argv[9]), int(sys.argv[10]), float(sys.argv[11]), sys.argv[12]
d = [float(x) for x in sys.argv[13:]][1:]
def pct(v, p): return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
def line(name, v): return f"p50 {pct(v,50)*1e3:.1f} ms  p99 {pct(v,99)*1e3:.1f} ms  max {v[-1]*1e3:.1f} ms"
print(f"load average at the end:    {load}")
print(f"series per scrape:          {series} ({nbytes/1e6:.1f} MB of text, {gz_bytes/1e6:.2f} MB gzip; gzip body decodes to {gz_series} series)")
print(f"scrape latency, gzip (as Prometheus), n={len(latgz)}: {line('gz', latgz)}  (goal p99 < 20 ms)")
print(f"  server time to first byte, gzip:        {line('ttfb', ttfbgz)}")
print(f"scrape latency, plain text,           n={len(lat)}: {line('plain', lat)}")
print(f"  server time to first byte, plain:       {line('ttfb', ttfb)}")
print(f"floor: GET /-/healthy on the same server, n={len(healthy)}: {line('healthy', healthy)}"
      f"  -> gzip scrape p99 / floor p99 = {pct(latgz,99)/max(pct(healthy,99),1e-6):.1f}x")
print(f"collection cycle, steady (n={len(d)}): median {statistics.median(d):.3f} s  max {max(d):.3f} s  (goal < 2 s)")
print(f"collection cycle, first (scans every group over all partitions): {first:.3f} s")
print(f"kcat -L (metadata floor):    {kcat:.3f} s  -> cycle median / kcat -L = {statistics.median(d)/kcat:.1f}x")
print(f"resident memory:            {rss/1024:.1f} MB now, {hwm/1024:.1f} MB peak  (goal < 100 MB)")
PY
if [[ -n "$LINT" ]]; then echo "promtool check metrics: $LINT"; else echo "promtool check metrics: clean"; fi
