# Runs R forecast::ets or forecast::auto.arima (default settings) on M4-layout series and writes an
# M4-layout forecast file.
# Usage: Rscript r_forecast.R ets|auto.arima INPUT.csv OUTPUT.csv HORIZON SEASON [HOLDOUT] [MAX_SERIES]
# With HOLDOUT > 0 the last HOLDOUT points of each series are dropped before fitting
# (validation mode). Prints "r_<model>: series=N fit_seconds=X" (time measured inside R, fit+forecast only).
suppressPackageStartupMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 5 || !(args[1] %in% c("ets", "auto.arima"))) {
  stop("usage: r_forecast.R ets|auto.arima INPUT OUTPUT HORIZON SEASON [HOLDOUT] [MAX_SERIES]")
}
model <- args[1]
fit_model <- if (model == "ets") ets else auto.arima
input <- args[2]; output <- args[3]
h <- as.integer(args[4]); m <- as.integer(args[5])
holdout <- if (length(args) >= 6) as.integer(args[6]) else 0L
max_series <- if (length(args) >= 7) as.integer(args[7]) else .Machine$integer.max
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
  fit <- fit_model(series[[i]])
  out[i, ] <- forecast(fit, h = h, PI = FALSE)$mean
}
t1 <- proc.time()
elapsed <- t1[["elapsed"]] - start
cpu <- (t1[["user.self"]] + t1[["sys.self"]]) - (t0[["user.self"]] + t0[["sys.self"]])
df <- data.frame(id = raw[seq_len(n), 1], out)
colnames(df) <- c("id", paste0("F", seq_len(h)))
write.csv(df, output, row.names = FALSE, quote = FALSE)
cat(sprintf("r_%s: series=%d fit_seconds=%.3f cpu_seconds=%.3f\n", sub(".", "_", model, fixed = TRUE), n, elapsed, cpu))
