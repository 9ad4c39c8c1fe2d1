#!/usr/bin/env bash
# End-to-end: 1,000 series x 7 days at 60 s (~10 M samples) from a real Prometheus, fetched
# with remote-read streamed XOR chunks, remote-read SAMPLES, the query API raw mode
# (/api/v1/query sel[7d]) and /api/v1/query_range (step 60 s), in the same run, each in its own
# process (for peak RSS). Prints a table and the streamed-vs-query_range ratio, with the CPU time
# of the client process and of Prometheus (from /proc) during each fetch, to show which side
# bounds the wall time.
#
#   bench/remote_read/e2e.sh [BUILD_DIR]      (default build-remoteread)
# Env: RUNS=3 (median of), SERIES=1000, DAYS=7, KEEP_TSDB=1 to reuse the TSDB of that size
# (/tmp/streamlens-rr-bench/SERIESxDAYS, one per size so sizes can alternate).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build-remoteread}
BIN=$(find "$BUILD" -name bench_remote_read_e2e -type f | head -1)
[[ -x "$BIN" ]] || { echo "bench_remote_read_e2e not found under $BUILD (build it first)" >&2; exit 2; }
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
  { echo "needs Debian's prometheus + promtool" >&2; exit 2; }
RUNS=${RUNS:-3}; SERIES=${SERIES:-1000}; DAYS=${DAYS:-7}
WORK=/tmp/streamlens-rr-bench/${SERIES}x${DAYS}
STAMP="$WORK/done"
if [[ ! -f "$STAMP" || "${KEEP_TSDB:-1}" != 1 ]]; then
  rm -rf "$WORK"; mkdir -p "$WORK/om" "$WORK/data"
  END_MS=$(( ($(date +%s) - 6*3600) * 1000 ))
  echo "generating $SERIES series x $DAYS days ..." >&2
  "$BIN" generate --out-dir "$WORK/om" --series "$SERIES" --days "$DAYS" --end-ms "$END_MS" > "$WORK/range"
  echo "backfilling with promtool ($(ls "$WORK/om" | wc -l) files) ..." >&2
  t0=$(date +%s)
  for f in "$WORK"/om/*.om; do
    promtool tsdb create-blocks-from openmetrics -q "$f" "$WORK/data" >/dev/null
  done
  echo "backfill took $(( $(date +%s) - t0 )) s" >&2
  rm -rf "$WORK/om"
  touch "$STAMP"
fi
source <(tr ' ' '\n' < "$WORK/range" | sed 's/^/RANGE_/')
START=$RANGE_start_ms; END=$RANGE_end_ms

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 1m\n' > "$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/data" \
  --storage.tsdb.retention.time=100y --web.listen-address=127.0.0.1:$PORT --log.level=warn \
  --query.max-samples=100000000 --storage.remote.read-sample-limit=100000000 \
  > "$WORK/prometheus.log" 2>&1 &
PROM=$!
trap 'kill $PROM 2>/dev/null; wait $PROM 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null && break; sleep 0.2; done
URL=http://127.0.0.1:$PORT
SEL='bench_lag'
echo "prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') on $URL, range [$START, $END], cores: $(nproc)"

# The streamed mode's requests sent by one curl process, all in flight at once (3 or 7; the client
# runs 4 at a time), replies to /dev/null: Prometheus' side alone (its encoding plus the loopback
# transfer), the floor under the streamed mode's time.
mkdir -p "$WORK/requests"; rm -f "$WORK/requests"/*.body
"$BIN" requests --selector "$SEL" --start "$START" --end "$END" --out-dir "$WORK/requests"
curl_args=()
for f in "$WORK"/requests/*.body; do
  [[ ${#curl_args[@]} == 0 ]] || curl_args+=(--next)
  curl_args+=(-f -o /dev/null -H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: snappy'
    -H 'X-Prometheus-Remote-Read-Version: 0.1.0' --data-binary "@$f" "$URL/api/v1/read")
done
curl_streamed() {
  local t0 t1
  t0=$(date +%s.%N)
  curl -s -Z --parallel-max 8 "${curl_args[@]}"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

# Warm Prometheus' page cache and caches once per mode, then alternate modes RUNS times.
modes=(streamed samples query query_range query_range_nogzip)
declare -A results
for m in "${modes[@]}"; do
  mm=${m%_nogzip}; extra=(); [[ $m == *_nogzip ]] && extra=(--no-gzip)
  "$BIN" fetch --url "$URL" --mode "$mm" --selector "$SEL" --start "$START" --end "$END" "${extra[@]}" > /dev/null
done
curl_streamed > /dev/null
curl_secs=""
TCK=$(getconf CLK_TCK)
prom_ticks() { awk '{print $14+$15}' "/proc/$PROM/stat"; }
for r in $(seq "$RUNS"); do
  for m in "${modes[@]}"; do
    mm=${m%_nogzip}; extra=(); [[ $m == *_nogzip ]] && extra=(--no-gzip)
    t0=$(prom_ticks)
    line=$("$BIN" fetch --url "$URL" --mode "$mm" --selector "$SEL" --start "$START" --end "$END" "${extra[@]}")
    results[$m]+="$line server_cpu_seconds=$(echo "($(prom_ticks)-$t0)/$TCK" | bc -l)"$'\n'
  done
  curl_secs+="$(curl_streamed)"$'\n'
done
printf '%-20s %9s %9s %10s %12s %14s %10s %13s %13s\n' mode median_s samples MB_recv peak_rss_MB \
  held_B/sample Msamples/s client_cpu_s server_cpu_s
declare -A med
for m in "${modes[@]}"; do
  med[$m]=$(printf '%s' "${results[$m]}" | sed -n 's/.*seconds=\([0-9.]*\) series.*/\1/p' | sort -n | sed -n "$(( (RUNS+1)/2 ))p")
  last=$(printf '%s' "${results[$m]}" | tail -1)
  get() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<< "$last"; }
  # CPU columns: medians over the runs (the server's from /proc ticks, 10 ms resolution).
  medcol() { printf '%s' "${results[$m]}" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p" | sort -n |
    sed -n "$(( (RUNS+1)/2 ))p"; }
  printf '%-20s %9s %9s %10.1f %12.1f %14s %10.2f %13.3f %13.2f\n' "$m" "${med[$m]}" "$(get samples)" \
    "$(echo "$(get bytes_received)/1048576" | bc -l)" "$(echo "$(get peak_rss_bytes)/1048576" | bc -l)" \
    "$(get held_bytes_per_sample)" "$(echo "$(get samples)/${med[$m]}/1000000" | bc -l)" \
    "$(medcol cpu_seconds)" "$(medcol server_cpu_seconds)"
done
printf '%-20s %9.3f   (Prometheus alone: the streamed requests by curl, replies to /dev/null)\n' \
  streamed_curl "$(printf '%s' "$curl_secs" | sort -n | sed -n "$(( (RUNS+1)/2 ))p")"
best_qr=$(printf '%s\n%s\n' "${med[query_range]}" "${med[query_range_nogzip]}" | sort -n | head -1)
echo "ratio streamed vs query_range (faster of gzip/identity): $(echo "$best_qr/${med[streamed]}" | bc -l | cut -c1-5)x"
echo "ratio streamed vs samples: $(echo "${med[samples]}/${med[streamed]}" | bc -l | cut -c1-5)x"
echo "ratio streamed vs query raw: $(echo "${med[query]}/${med[streamed]}" | bc -l | cut -c1-5)x"
