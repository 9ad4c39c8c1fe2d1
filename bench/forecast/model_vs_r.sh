#!/usr/bin/env bash
# One model's speed and accuracy against R's forecast package (default settings) on M4 Hourly,
# same run: `ets` against forecast::ets, `arima` against forecast::auto.arima.
#
# Usage: bench/forecast/model_vs_r.sh ets|arima [BUILD_DIR] [MAX_SERIES] [SKIP]
#   BUILD_DIR   a build with bin/streamlens-sidecar (default: build)
#   MAX_SERIES  N series only (default: all 414; R needs ~4-5 s per series for ets, tens of
#               CPU-seconds for auto.arima)
#   SKIP        skip the first SKIP series (default 0), e.g. `... 40 200` runs series H201..H240
# Env: KEEP_R_FORECAST=FILE keeps R's M4-layout forecasts for per-series comparison.
# Validation protocol: the last 48 points of each training series are held out; both tools fit
# on the rest with season 24 and forecast 48 steps; m4_eval.py scores sMAPE/MASE/OWA.
# Timing: fit+forecast only (R measured inside R, ours by the command); one thread for both; the
# ratio uses CPU seconds so that load from other processes on the machine does not skew it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MODEL="${1:-}"
case "$MODEL" in
  ets) R_MODEL=ets ;;
  arima) R_MODEL=auto.arima ;;
  *) echo "usage: $0 ets|arima [BUILD_DIR] [MAX_SERIES] [SKIP]" >&2; exit 2 ;;
esac
BUILD="${2:-$ROOT/build}"
MAX="${3:-0}"
SKIP="${4:-0}"
DATA="$ROOT/../shared/data/m4/Hourly-train.csv"
[[ -f "$DATA" ]] || { echo "error: $DATA not found (M4 Hourly training set expected there)" >&2; exit 1; }
BIN="$BUILD/bin/streamlens-sidecar"
[[ -x "$BIN" ]] || { echo "error: $BIN not built (cmake --build $BUILD --target streamlens-sidecar)" >&2; exit 1; }
command -v Rscript >/dev/null || { echo "error: Rscript not found (apt-get install r-base-core r-cran-forecast)" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
INPUT="$DATA"
if [[ "$MAX" -gt 0 || "$SKIP" -gt 0 ]]; then
  LAST='$'
  [[ "$MAX" -gt 0 ]] && LAST="$((SKIP + MAX + 1))"
  sed -n "1p;$((SKIP + 2)),${LAST}p" "$DATA" > "$TMP/input.csv"
  INPUT="$TMP/input.csv"
  echo "series: $(($(wc -l < "$INPUT") - 1)) from row $((SKIP + 1)) ($(sed -n 2p "$INPUT" | cut -d, -f1))"
fi

echo "== R forecast::$R_MODEL"
Rscript "$ROOT/bench/forecast/r_forecast.R" "$R_MODEL" "$INPUT" "$TMP/r.csv" 48 24 48 | tee "$TMP/r.log"
echo "== streamlens $MODEL"
/usr/bin/time -f "cpu_seconds=%U+%S" -o "$TMP/ours.time" \
  "$BIN" forecast --input "$INPUT" --format m4 --horizon 48 --season 24 --model "$MODEL" \
  --holdout 48 --threads 1 --out "$TMP/ours.csv" 2> "$TMP/ours.log"
grep '^forecast:' "$TMP/ours.log"
cat "$TMP/ours.time"

python3 "$ROOT/bench/forecast/m4_eval.py" --train "$INPUT" --forecast "$TMP/r.csv" --label "R $R_MODEL:"
python3 "$ROOT/bench/forecast/m4_eval.py" --train "$INPUT" --forecast "$TMP/ours.csv" --label "streamlens $MODEL:"
cp "$TMP/r.csv" "${KEEP_R_FORECAST:-/dev/null}" 2>/dev/null || true
python3 - "$TMP/r.log" "$TMP/ours.log" "$TMP/ours.time" <<'PY'
import re, sys
r = open(sys.argv[1]).read(); o = open(sys.argv[2]).read(); t = open(sys.argv[3]).read()
r_wall = float(re.search(r"fit_seconds=([\d.]+)", r).group(1))
r_cpu = float(re.search(r"cpu_seconds=([\d.]+)", r).group(1))
o_wall = float(re.search(r"fit_seconds=([\d.]+)", o).group(1))
u, s = re.search(r"cpu_seconds=([\d.]+)\+([\d.]+)", t).groups()
o_cpu = float(u) + float(s)  # whole process (includes reading the CSV): conservative
print(f"speed: R cpu={r_cpu:.2f}s wall={r_wall:.2f}s; streamlens cpu={o_cpu:.2f}s wall={o_wall:.2f}s; "
      f"ratio cpu={r_cpu / o_cpu:.1f}x wall={r_wall / o_wall:.1f}x")
PY
