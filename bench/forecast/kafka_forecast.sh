#!/usr/bin/env bash
# Day-ahead `auto` forecasts of the Kafka corpus at the built-in jobs' settings, scored on the
# held-out day (bench/forecast/kafka_forecast.py), with the CPU the fits took.
#   bench/forecast/kafka_forecast.sh BIN_DIR SEED...   (untouched seeds, e.g. 101 102 103 104)
set -euo pipefail
BIN=${1:?usage: kafka_forecast.sh BIN_DIR SEED...}
shift
[ $# -gt 0 ] || { echo "kafka_forecast.sh: give at least one corpus seed" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 "$HERE/kafka_forecast.py" set "$TMP/set.csv" "$@"
/usr/bin/time -f "fit: user_cpu_s=%U wall_s=%e" "$BIN/streamlens-sidecar" forecast \
  --input "$TMP/set.csv" --format m4 --horizon 96 --season 96 --model auto --holdout 96 \
  --threads 2 --out "$TMP/f.csv" --intervals-out "$TMP/i.csv" 2>&1 | grep -v "^forecast:" || true
/usr/bin/python3 "$HERE/kafka_forecast.py" score "$TMP/set.csv" "$TMP/f.csv" "$TMP/i.csv"
