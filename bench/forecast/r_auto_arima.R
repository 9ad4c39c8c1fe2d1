# Runs R forecast::auto.arima (default settings) on M4-layout series and writes an M4-layout forecast file.
# Usage: Rscript r_auto_arima.R INPUT.csv OUTPUT.csv HORIZON SEASON [HOLDOUT] [MAX_SERIES]
# With HOLDOUT > 0 the last HOLDOUT points of each series are dropped before fitting
# (validation mode). Prints "r_auto_arima: series=N fit_seconds=X" (time measured inside R, fit+forecast only).
suppressPackageStartupMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 4) stop("usage: r_auto_arima.R INPUT OUTPUT HORIZON SEASON [HOLDOUT] [MAX_SERIES]")
input <- args[1]; output <- args[2]
h <- as.integer(args[3]); m <- as.integer(args[4])
holdout <- if (length(args) >= 5) as.integer(args[5]) else 0L
max_series <- if (length(args) >= 6) as.integer(args[6]) else .Machine$integer.max
raw <- read.csv(input, header = TRUE, stringsAsFactors = FALSE, check.names = FALSE)
n <- min(nrow(raw), max_series)
series <- vector("list", n)
for (i in seq_len(n)) {
  v <- as.numeric(raw[i, -1]); v <- v[!is.na(v)]
  if (holdout > 0) v <- head(v, length(v) - holdout)
  series[[i]] <- ts(v, frequency = m)
}
out <- matrix(NA_real_, n, h)
t0 <- proc.time()
start <- t0[["elapsed"]]
for (i in seq_len(n)) {
  fit <- auto.arima(series[[i]])
  out[i, ] <- forecast(fit, h = h, PI = FALSE)$mean
}
t1 <- proc.time()
elapsed <- t1[["elapsed"]] - start
cpu <- (t1[["user.self"]] + t1[["sys.self"]]) - (t0[["user.self"]] + t0[["sys.self"]])
df <- data.frame(id = raw[seq_len(n), 1], out)
colnames(df) <- c("id", paste0("F", seq_len(h)))
write.csv(df, output, row.names = FALSE, quote = FALSE)
cat(sprintf("r_auto_arima: series=%d fit_seconds=%.3f cpu_seconds=%.3f\n", n, elapsed, cpu))
