#!/usr/bin/env bash
# arima against R on M4 Hourly, same run: see model_vs_r.sh.
# Usage: bench/forecast/arima_vs_r.sh [BUILD_DIR] [MAX_SERIES] [SKIP]
exec "$(dirname "$0")/model_vs_r.sh" arima "$@"
