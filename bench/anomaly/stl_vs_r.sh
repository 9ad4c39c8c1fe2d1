#!/usr/bin/env bash
# STL speed and identity against R's stats::stl on one week of minute data (10,080 points,
# period 1440), non-robust and robust, s.window = "periodic" and 7, in one run.
# R's time is measured inside R (system.time of the stl() call, best of 20); ours is the
# compute_seconds line of `streamlens-sidecar decompose` (best of 20). Also prints the time of R's
# bare .Fortran(C_stl) call (without the R wrapper) for reference.
# Usage: bench/anomaly/stl_vs_r.sh [BIN_DIR]   (default build/bin)
set -euo pipefail
BIN=${1:-${STREAMLENS_BIN_DIR:-build/bin}}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
Rscript - "$TMP" <<'RS'
args <- commandArgs(TRUE); tmp <- args[1]
set.seed(42); n <- 10080L; t <- seq_len(n)
x <- 1000 + 0.01 * t + 200 * sin(2 * pi * t / 1440) + 50 * sin(2 * pi * t / 360) + rnorm(n, sd = 20)
x[sample(n, 30)] <- x[sample(n, 30)] + 400
ts0 <- as.POSIXct("2024-01-01", tz = "UTC") + 60 * (t - 1)
write.csv(data.frame(timestamp = format(ts0, "%Y-%m-%d %H:%M:%S"), value = format(x, digits = 17)),
          file.path(tmp, "week.csv"), row.names = FALSE, quote = FALSE)
xt <- ts(x, frequency = 1440)
for (sw in c("periodic", "7")) for (rb in c(FALSE, TRUE)) {
  swv <- if (sw == "periodic") "periodic" else as.integer(sw)
  best <- Inf
  for (i in 1:20) best <- min(best, system.time(fit <- stl(xt, s.window = swv, robust = rb))[["elapsed"]])
  # bare Fortran call with the same resolved parameters
  nsw <- if (sw == "periodic") 10 * n + 1 else as.integer(sw)
  tw <- { v <- ceiling(1.5 * 1440 / (1 - 1.5 / nsw)); if (v %% 2 == 0) v + 1 else v }
  fbest <- Inf
  for (i in 1:20) fbest <- min(fbest, system.time(.Fortran(stats:::C_stl, as.double(x), n, 1440L,
      as.integer(nsw), as.integer(tw), 1441L, 0L, 1L, 1L, as.integer(ceiling(nsw / 10)),
      as.integer(ceiling(tw / 10)), 145L, if (rb) 1L else 2L, if (rb) 15L else 0L, double(n),
      double(n), double(n), double((n + 2 * 1440) * 5)))[["elapsed"]])
  comp <- fit$time.series
  write.csv(data.frame(trend = format(comp[, "trend"], digits = 17),
                       seasonal = format(comp[, "seasonal"], digits = 17)),
            file.path(tmp, sprintf("r_%s_%d.csv", sw, rb)), row.names = FALSE, quote = FALSE)
  cat(sprintf("%s %d %.6f %.6f %.6f\n", sw, rb, best, fbest, diff(range(x))),
      file = file.path(tmp, "r_times.txt"), append = TRUE)
}
RS
printf "%-10s %-7s %10s %10s %12s %8s %10s %12s\n" s.window robust r_stl_s ours_s ratio_vs_stl r_fortran ratio_vs_f max_rel_diff
while read -r sw rb rbest fbest range; do
  flags=(--period 1440 --seasonal-window "$sw")
  [[ $rb == 1 ]] && flags+=(--robust)
  best=999
  for i in $(seq 20); do
    s=$("$BIN/streamlens-sidecar" decompose "${flags[@]}" --input "$TMP/week.csv" --output "$TMP/ours.csv" 2>&1 >/dev/null |
        sed -n 's/.*compute_seconds=\([0-9.e-]*\).*/\1/p')
    best=$(awk -v a="$best" -v b="$s" 'BEGIN{print (b < a) ? b : a}')
  done
  diff=$(paste -d, <(tail -n +2 "$TMP/ours.csv" | cut -d, -f4,5) <(tail -n +2 "$TMP/r_${sw}_${rb}.csv") |
         awk -F, -v r="$range" '{d=$1-$3; if(d<0)d=-d; e=$2-$4; if(e<0)e=-e; if(d>m)m=d; if(e>m)m=e} END{printf "%.2e", m/r}')
  awk -v sw="$sw" -v rb="$rb" -v r="$rbest" -v o="$best" -v f="$fbest" -v d="$diff" 'BEGIN{
    printf "%-10s %-7s %10.6f %10.6f %11.1fx %8.6f %9.1fx %12s\n", sw, rb, r, o, r/o, f, f/o, d}'
done < "$TMP/r_times.txt"
