#!/usr/bin/env bash
# NAB development subset with a tuning/held-out split, through the product's own commands.
#   bench/anomaly/nab_split.sh BUILD_BIN_DIR [DETECTOR...]
# For each detector: `streamlens-sidecar backtest` over ../shared/data/nab/data, then
# `nab-score` on all files, on the odd-indexed files (tuning half: defaults were chosen there),
# on the even-indexed files with their own best threshold, and on the even-indexed files at the
# threshold chosen on the odd ones (the strict held-out number), and the reverse split (odd files at
# the threshold chosen on the even ones: tune on even, test on odd). Prints one line per detector.
set -euo pipefail
bin=${1:?usage: nab_split.sh BUILD_BIN_DIR [DETECTOR...]}
shift
detectors=("$@")
[ ${#detectors[@]} -gt 0 ] || detectors=(streamlens)
data=../shared/data/nab/data
labels=../shared/data/nab/labels/combined_windows.json
if [ ! -d "$data" ] || [ ! -f "$labels" ]; then
  echo "nab_split.sh: NAB data not found at $data and $labels (run from the repo root)" >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
score() {  # score DIR PROFILE ARGS... -> "score threshold"
  local dir=$1 prof=$2
  shift 2
  "$bin/streamlens-sidecar" nab-score --results "$dir" --labels "$labels" "$@" |
    awk -v p="$prof" '$1 == p { sub("score=", "", $2); sub("threshold=", "", $3); print $2, $3 }'
}
printf '%-44s %7s %7s %7s | %7s %7s %9s %9s | %9s %9s\n' detector std lowFP lowFN std_odd std_even \
  even@odd odd@even lowFP_e@o lowFP_o@e
for d in "${detectors[@]}"; do
  "$bin/streamlens-sidecar" backtest --input "$data" --labels "$labels" --out "$out" \
    --detector "$d" 2>/dev/null
  dir="$out/$d"
  read -r s_all _ < <(score "$dir" standard)
  read -r f_all _ < <(score "$dir" reward_low_FP_rate)
  read -r n_all _ < <(score "$dir" reward_low_FN_rate)
  read -r s_odd t_odd < <(score "$dir" standard --files odd)
  read -r _ tf_odd < <(score "$dir" reward_low_FP_rate --files odd)
  read -r s_even t_even < <(score "$dir" standard --files even)
  read -r _ tf_even < <(score "$dir" reward_low_FP_rate --files even)
  read -r s_rev _ < <(score "$dir" standard --files odd --threshold "$t_even")
  read -r f_rev _ < <(score "$dir" reward_low_FP_rate --files odd --threshold "$tf_even")
  read -r s_held _ < <(score "$dir" standard --files even --threshold "$t_odd")
  read -r f_held _ < <(score "$dir" reward_low_FP_rate --files even --threshold "$tf_odd")
  printf '%-44s %7s %7s %7s | %7s %7s %9s %9s | %9s %9s\n' "$d" "$s_all" "$f_all" "$n_all" \
    "$s_odd" "$s_even" "$s_held" "$s_rev" "$f_held" "$f_rev"
done
