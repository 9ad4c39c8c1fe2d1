#!/usr/bin/env bash
# Read speed from Debian's VictoriaMetrics (issue 18 item 4): SERIES x DAYS at 60 s (default
# 300 x 3 = 1,296,000 samples) imported through /api/v1/import/prometheus, then read in the same
# run, each fetch in its own process, through the sidecar's sources:
#   query         raw samples: /api/v1/query with `sel[<span>ms]` (what a `query-range` source uses)
#   query_range   /api/v1/query_range at step 60 s
#   export        /api/v1/export (JSON lines, streamed decoding): a `victoriametrics-export` source
#   export_nogzip the same without Accept-Encoding: gzip (the sources ask for gzip by default;
#                 on loopback the server's compression costs more than it saves)
# and, for reference, the export API with curl to /dev/null: the server's time plus the transfer,
# the floor an export reader starts from. The export source must return the same series and
# samples as `query`, else the script fails.
#
#   bench/remote_read/victoria.sh [BUILD_DIR]      (default build)
# Env: RUNS=3 (median of), SERIES=300, DAYS=3, KEEP_VM=1 to reuse the imported data
# (/tmp/streamlens-vm-bench/SERIESxDAYS).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
BIN=$(find "$BUILD" -name bench_remote_read_e2e -type f | head -1)
[[ -x "$BIN" ]] || { echo "bench_remote_read_e2e not found under $BUILD (build it first)" >&2; exit 2; }
command -v victoria-metrics >/dev/null || { echo "needs Debian's victoria-metrics" >&2; exit 2; }
RUNS=${RUNS:-3}; SERIES=${SERIES:-300}; DAYS=${DAYS:-3}
WORK=/tmp/streamlens-vm-bench/${SERIES}x${DAYS}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
fresh=0
if [[ ! -f "$WORK/done" || "${KEEP_VM:-1}" != 1 ]]; then
  rm -rf "$WORK"; mkdir -p "$WORK/om"; fresh=1
fi
victoria-metrics -storageDataPath="$WORK/vm-data" -httpListenAddr=127.0.0.1:$PORT \
  -retentionPeriod=100y -loggerLevel=WARN > "$WORK/vm.log" 2>&1 &
VM=$!
trap 'kill $VM 2>/dev/null; wait $VM 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -sf "$URL/health" >/dev/null && break; sleep 0.2; done
if [[ $fresh == 1 ]]; then
  END_MS=$(( ($(date +%s) - 6*3600) * 1000 ))
  echo "generating and importing $SERIES series x $DAYS days ..." >&2
  "$BIN" generate --out-dir "$WORK/om" --series "$SERIES" --days "$DAYS" --end-ms "$END_MS" > "$WORK/range"
  for f in "$WORK"/om/*.om; do  # OpenMetrics (seconds) -> Prometheus text (milliseconds)
    awk '!/^#/ && NF { $NF = $NF "000"; print }' "$f" |
      curl -sf --data-binary @- "$URL/api/v1/import/prometheus"
  done
  curl -sf "$URL/internal/force_flush" >/dev/null
  rm -rf "$WORK/om"
  touch "$WORK/done"
fi
source <(tr ' ' '\n' < "$WORK/range" | sed 's/^/RANGE_/')
START=$RANGE_start_ms; END=$RANGE_end_ms
for _ in $(seq 120); do
  n=$(curl -sf "$URL/api/v1/series?match[]=bench_lag&start=$((START / 1000))" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')
  [[ $n == "$SERIES" ]] && break; sleep 0.5
done
echo "victoria-metrics $(dpkg-query -W -f='${Version}' victoria-metrics 2>/dev/null || echo ?) on $URL, $n series, range [$START, $END], cores: $(nproc)"

export_once() {  # seconds and bytes of one export-API read to /dev/null
  curl -sf -o /dev/null -w '%{time_total} %{size_download}' \
    "$URL/api/v1/export?match[]=bench_lag&start=$(FORMAT $START)&end=$(FORMAT $END)"
}
FORMAT() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
declare -A secs
for m in query query_range export; do  # warm-up
  "$BIN" fetch --url "$URL" --mode "$m" --selector bench_lag --start "$START" --end "$END" > /dev/null
done
export_once > /dev/null
declare -A last
for r in $(seq "$RUNS"); do
  for m in query query_range export export_nogzip; do
    if [[ $m == export_nogzip ]]; then mode=(--mode export --no-gzip); else mode=(--mode "$m"); fi
    last[$m]=$("$BIN" fetch --url "$URL" "${mode[@]}" --selector bench_lag --start "$START" --end "$END")
    secs[$m]+="$(sed -n 's/.*seconds=\([0-9.]*\) series.*/\1/p' <<< "${last[$m]}")"$'\n'
  done
  e=$(export_once)
  secs[curl]+="${e% *}"$'\n'
  export_bytes=${e#* }
done
median() { printf '%s' "$1" | sort -n | sed -n "$(( (RUNS+1)/2 ))p"; }
printf '%-24s %9s %9s %10s %13s %10s\n' path median_s samples MB_recv client_cpu_s Msamples/s
counts() { sed -n 's/.* \(series=[0-9]* samples=[0-9]*\).*/\1/p' <<< "${last[$1]}"; }
if [[ "$(counts query)" != "$(counts export)" ]]; then
  echo "export source and query source differ: $(counts export) vs $(counts query)" >&2; exit 1
fi
for m in query query_range export export_nogzip; do
  get() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<< "${last[$m]}"; }
  s=$(median "${secs[$m]}")
  printf '%-24s %9s %9s %10.1f %13s %10.2f\n' "$m" "$s" "$(get samples)" \
    "$(echo "$(get bytes_received)/1048576" | bc -l)" "$(get cpu_seconds)" \
    "$(echo "$(get samples)/$s/1000000" | bc -l)"
done
printf '%-24s %9.3f %9s %10.1f %13s %10s\n' "export API (curl, plain)" "$(median "${secs[curl]}")" - \
  "$(echo "$export_bytes/1048576" | bc -l)" - -
