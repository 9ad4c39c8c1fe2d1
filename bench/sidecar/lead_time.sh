#!/usr/bin/env bash
# Lead time of the predicted lag-SLA breach (issue 21), on the lag-in-seconds series of the Kafka
# corpus (bench/anomaly/kafka_corpus.py): for every seed, the lag_runaway and consumer_stop
# incidents and the benign series are replayed through the daemon's forecast path
# (forecast_lead_time), and the script prints, per SLA threshold, how many incidents had their
# breach predicted (probability >= 0.5 within the hour, staying so) at least 5 minutes ahead, the
# median lead, and the false predictions per benign series-week.
#   bench/sidecar/lead_time.sh BIN_DIR SEED...      (report untouched seeds, e.g. 101-110)
set -euo pipefail
BIN=${1:?usage: lead_time.sh BIN_DIR SEED...}
shift
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
: > "$TMP/lines"
for seed in "$@"; do
  out="$TMP/s$seed"
  /usr/bin/python3 "$HERE/../anomaly/kafka_corpus.py" --seed "$seed" --out "$out" >/dev/null
  /usr/bin/python3 - "$out" > "$TMP/jobs" <<'PY'
import json, os, sys
out = sys.argv[1]
inc = {i["file"]: i for i in json.load(open(f"{out}/incidents.json"))["incidents"]}
for cat in sorted(os.listdir(f"{out}/data")):
    for f in sorted(os.listdir(f"{out}/data/{cat}")):
        if not f.startswith("lag_seconds_"):
            continue
        i = inc.get(f"{cat}/{f}")
        kind, start, end = (i["kind"], i["start"], i["end"]) if i else ("benign", "-", "-")
        print(f"{out}/data/{cat}/{f}\t{kind}\t{start}\t{end}")
PY
  while IFS=$'\t' read -r file kind start end; do
    "$BIN/forecast_lead_time" "$file" "$kind" "$start" "$end" | sed "s|^|seed=$seed |" >> "$TMP/lines"
  done < "$TMP/jobs"
done
/usr/bin/python3 - "$TMP/lines" <<'PY'
import re, statistics, sys
lead, false = {}, {}
fits, drift_fits, days = 0, 0, 0.0
for line in open(sys.argv[1]):
    kv = dict(re.findall(r"(\w+)=(\S+)", line))
    if line.split()[1] == "refits":
        fits += int(kv["fits"])
        drift_fits += int(kv["drift_fits"])
        days += float(kv["days"])
        continue
    th = kv["threshold"]
    if line.split()[1] == "lead":
        if kv["breach"] == "-1" or kv["breach"] == "0":
            continue
        lead.setdefault((th, kv["kind"]), []).append(float(kv["lead_minutes"]))
    else:
        e, pg, w = false.get(th, (0, 0, 0.0))
        false[th] = (e + int(kv["episodes"]), pg + int(kv["paging"]), w + float(kv["weeks"]))
print(f"{'threshold':>9} {'kind':>14} {'breaches':>8} {'>=5min':>7} {'share':>6} {'median_lead':>11}")
for (th, kind), xs in sorted(lead.items(), key=lambda k: (float(k[0][0]), k[0][1])):
    ok = sum(1 for x in xs if x >= 5)
    print(f"{th:>9} {kind:>14} {len(xs):>8} {ok:>7} {ok / len(xs):>6.2f} {statistics.median(xs):>11.1f}")
for th, (e, pg, w) in sorted(false.items(), key=lambda k: float(k[0])):
    print(f"benign threshold={th}: {e} false predictions over {w:.1f} series-weeks "
          f"({e / w if w else 0:.2f} per series-week); {pg} held 2 min and would page "
          f"({pg / w if w else 0:.2f} per series-week)")
print(f"refits: {fits} over {days:.1f} series-days replayed, {drift_fits} of them early for drift "
      f"({drift_fits / days if days else 0:.2f} per series-day)")
PY
