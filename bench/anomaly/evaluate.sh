#!/usr/bin/env bash
# evaluate.sh: scores streamlens' anomaly detector on the project's Kafka corpus or on NAB files,
# as the protocol of docs/anomaly-detection.md prescribes (tuning seeds/files vs untouched ones).
#
#   bench/anomaly/evaluate.sh kafka [--step 60|15] [--detector NAME] SEED...
#   bench/anomaly/evaluate.sh nab [--files all|odd|even] [--detector NAME] [--data DIR]
#
# kafka: generates the corpus of every seed (bench/anomaly/kafka_corpus.py, cached under
# $WORK/corpus), backtests all seeds' files together with one detector, and prints
#   - nab-score (standard, reward_low_FP_rate, reward_low_FN_rate) with the corpus-wide threshold
#     sweep, and at the daemon's fixed threshold (score 1 = NAB score 0.5);
#   - at both thresholds: incidents detected per kind, the detection delay (first detection at or
#     after the incident start and inside its label window, minus the start) per kind and the
#     median for lag incidents (lag_runaway, consumer_stop), and the benign files with a detection
#     after NAB's probationary period.
# nab: backtests NAB's files (default ../shared/data/nab) and prints nab-score for the chosen half
# (odd = tuning, even = untouched, all) with the sweep and at the fixed threshold.
#
# Environment: BIN (folder of streamlens-sidecar; default build/bin), WORK (scratch folder;
# default ${TMPDIR:-/tmp}/streamlens-eval), PYTHON (with numpy; default /usr/bin/python3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BIN=${BIN:-$root/build/bin}
WORK=${WORK:-${TMPDIR:-/tmp}/streamlens-eval}
PYTHON=${PYTHON:-/usr/bin/python3}
sidecar=$BIN/streamlens-sidecar
[ -x "$sidecar" ] || { echo "evaluate.sh: $sidecar not found (build, or set BIN)" >&2; exit 2; }

mode=${1:-}
shift || true
step=60 detector=streamlens files=all data=$root/../shared/data/nab
seeds=()
while [ $# -gt 0 ]; do
  case $1 in
    --step) step=$2; shift 2 ;;
    --detector) detector=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) seeds+=("$1"); shift ;;
  esac
done

# Backtests NAB-layout folder $1 into $2 and prints nab-score (sweep, then fixed threshold 0.5).
backtest_and_score() {
  local in=$1 out=$2 split=$3
  rm -rf "$out"
  "$sidecar" backtest --input "$in/data" --labels "$in/labels/combined_windows.json" --out "$out" \
    --detector "$detector" > "$out.backtest.log" 2>&1 || { cat "$out.backtest.log" >&2; exit 1; }
  results=$(ls -d "$out"/*/ | head -1)
  echo "== nab-score, threshold swept per profile"
  "$sidecar" nab-score --results "$results" --labels "$in/labels/combined_windows.json" \
    --files "$split" --verbose
  echo "== nab-score at the daemon's threshold (score 1 = NAB 0.5)"
  "$sidecar" nab-score --results "$results" --labels "$in/labels/combined_windows.json" \
    --files "$split" --threshold 0.5
  grep -h "seconds\|points" "$out.backtest.log" | tail -1 || true
}

case $mode in
  nab)
    out=$WORK/nab-$files
    mkdir -p "$WORK"
    echo "NAB ($data), files=$files, detector=$detector"
    backtest_and_score "$data" "$out" "$files"
    ;;
  kafka)
    [ ${#seeds[@]} -gt 0 ] || { echo "evaluate.sh kafka: give seeds" >&2; exit 2; }
    tag=step${step}_$(IFS=-; echo "${seeds[*]}")
    merged=$WORK/kafka-$tag
    rm -rf "$merged"
    mkdir -p "$merged/data" "$merged/labels"
    for s in "${seeds[@]}"; do
      c=$WORK/corpus/step${step}_s$s
      [ -f "$c/incidents.json" ] ||
        "$PYTHON" "$here/kafka_corpus.py" --seed "$s" --step "$step" --out "$c" > /dev/null
    done
    # One NAB-layout folder for all seeds: files prefixed s<seed>_, labels and incidents merged.
    "$PYTHON" - "$merged" "$WORK/corpus" "$step" "${seeds[@]}" <<'PY'
import json, os, sys
out, corpus, step, seeds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
windows, incidents = {}, []
for s in seeds:
    src = os.path.join(corpus, f"step{step}_s{s}")
    for cat in sorted(os.listdir(os.path.join(src, "data"))):
        os.makedirs(os.path.join(out, "data", cat), exist_ok=True)
        for f in sorted(os.listdir(os.path.join(src, "data", cat))):
            os.symlink(os.path.join(src, "data", cat, f), os.path.join(out, "data", cat, f"s{s}_{f}"))
    for k, v in json.load(open(os.path.join(src, "labels", "combined_windows.json"))).items():
        cat, f = k.split("/")
        windows[f"{cat}/s{s}_{f}"] = v
    for i in json.load(open(os.path.join(src, "incidents.json")))["incidents"]:
        cat, f = i["file"].split("/")
        incidents.append(dict(i, file=f"{cat}/s{s}_{f}"))
json.dump(windows, open(os.path.join(out, "labels", "combined_windows.json"), "w"))
json.dump(incidents, open(os.path.join(out, "incidents.json"), "w"))
PY
    echo "Kafka corpus, step ${step}s, seeds ${seeds[*]}, detector=$detector"
    score_log=$merged.score
    backtest_and_score "$merged" "$merged/results" all | tee "$score_log"
    sweep=$(awk '/^standard/ && !done { sub("threshold=", "", $3); print $3; done = 1 }' "$score_log")
    "$PYTHON" - "$merged" "$sweep" <<'PY'
import csv, datetime as dt, glob, json, os, statistics, sys
merged, sweep = sys.argv[1], float(sys.argv[2])
windows = json.load(open(os.path.join(merged, "labels", "combined_windows.json")))
incidents = {i["file"]: i for i in json.load(open(os.path.join(merged, "incidents.json")))}
parse = lambda s: dt.datetime.strptime(s[:19], "%Y-%m-%d %H:%M:%S")
files = {}
for path in glob.glob(os.path.join(merged, "results", "*", "*", "*.csv")):
    det, cat = path.split(os.sep)[-3:-1]
    name = os.path.basename(path)[len(det) + 1:]  # <detector>_<file>
    rows = list(csv.reader(open(path)))[1:]
    files[f"{cat}/{name}"] = [(parse(r[0]), float(r[2])) for r in rows]
LAG = ("lag_runaway", "consumer_stop")
for thr, what in ((0.5, "the daemon's threshold (NAB 0.5)"), (sweep, "the swept standard threshold")):
    print(f"== at {what}: {thr:.6g}")
    delays, found, benign_hits, fp = {}, {}, [], 0
    for key, rows in sorted(files.items()):
        probation = min(int(0.15 * len(rows)), 750)
        win = [(parse(a), parse(b)) for a, b in windows.get(key, [])]
        hits = [t for t, s in rows[probation:] if s >= thr]
        fp += sum(1 for t in hits if not any(a <= t <= b for a, b in win))
        inc = incidents.get(key)
        if inc is None:
            if hits:
                benign_hits.append(f"{key} ({len(hits)})")
            continue
        kind, start = inc["kind"], parse(inc["start"])
        first = [t for t in hits if start <= t <= max(b for _, b in win)]
        found.setdefault(kind, [0, 0])[1] += 1
        if first:
            found[kind][0] += 1
            delays.setdefault(kind, []).append((first[0] - start).total_seconds() / 60)
    for kind in sorted(found):
        d = delays.get(kind, [])
        med = f"{statistics.median(d):7.1f}" if d else "      -"
        print(f"  {kind:20s} detected {found[kind][0]:3d}/{found[kind][1]:<3d} median delay {med} min")
    lag = [x for k in LAG for x in delays.get(k, [])]
    n_lag = sum(found.get(k, [0, 0])[1] for k in LAG)
    print(f"  lag incidents: detected {len(lag)}/{n_lag}, median delay "
          + (f"{statistics.median(lag):.1f} min" if lag else "-"))
    n_benign = sum(1 for k in files if k not in incidents)
    print(f"  benign files with detections: {len(benign_hits)}/{n_benign}"
          + (": " + ", ".join(benign_hits) if benign_hits else ""))
    print(f"  detections outside windows (all files): {fp}")
PY
    ;;
  *)
    sed -n '2,21p' "$0"
    exit 2
    ;;
esac
