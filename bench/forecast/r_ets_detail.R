# Per-series detail of R's forecast::ets (default settings) on M4-layout series, for the
# per-series comparison with ours (forecast_ets_variants ... DETAIL, then ets_detail_compare.py).
# Usage: Rscript bench/forecast/r_ets_detail.R INPUT.csv OUTPUT.tsv FIRST LAST
#   Fits series FIRST..LAST (1-based rows after the header) on all but their last 48 points
#   (frequency 24) and writes tab-separated "id key value" lines: method, aicc, loglik, cpu (fit +
#   forecast seconds), par (alpha beta gamma phi l b s0..s22 as R names them), fc (48 forecasts).
# R needs ~4-5 CPU seconds per M4 Hourly series.
suppressPackageStartupMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 4) stop("usage: r_ets_detail.R INPUT.csv OUTPUT.tsv FIRST LAST")
input <- args[1]; output <- args[2]; first <- as.integer(args[3]); last <- as.integer(args[4])
raw <- read.csv(input, header = TRUE, stringsAsFactors = FALSE, check.names = FALSE)
last <- min(last, nrow(raw))
con <- file(output, "w")
for (i in first:last) {
  v <- as.numeric(raw[i, -1]); v <- v[!is.na(v)]
  v <- head(v, length(v) - 48)
  t0 <- proc.time()[["user.self"]]
  fit <- ets(ts(v, frequency = 24))
  fc <- forecast(fit, h = 48, PI = FALSE)$mean
  t1 <- proc.time()[["user.self"]]
  p <- fit$par
  writeLines(sprintf("%s\tmethod\t%s", raw[i, 1], fit$method), con)
  writeLines(sprintf("%s\taicc\t%.6f", raw[i, 1], fit$aicc), con)
  writeLines(sprintf("%s\tloglik\t%.6f", raw[i, 1], fit$loglik), con)
  writeLines(sprintf("%s\tcpu\t%.3f", raw[i, 1], t1 - t0), con)
  writeLines(sprintf("%s\tpar\t%s", raw[i, 1],
                     paste(names(p), sprintf("%.8g", p), sep = "=", collapse = " ")), con)
  writeLines(sprintf("%s\tfc\t%s", raw[i, 1], paste(sprintf("%.8g", fc), collapse = ",")), con)
  flush(con)
}
close(con)
