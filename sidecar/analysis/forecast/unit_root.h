// Differencing tests used by the automatic ARIMA order selection, as forecast::ndiffs and
// forecast::nsdiffs (R package forecast 8.20 defaults):
// - KPSS level-stationarity statistic (urca::ur.kpss, type "mu", Bartlett weights,
//   lags trunc(3 sqrt(n) / 13)); a difference is taken while the statistic exceeds the 5%
//   critical value 0.463 (forecast's interpolated p-value < 0.05), at most max_d times.
// - Seasonal strength max(0, min(1, 1 - var(remainder) / var(remainder + seasonal))) of the
//   MSTL decomposition (forecast's seas.heuristic); a seasonal difference is taken when it
//   exceeds 0.64, at most max_D times.
// Pure functions, thread-safe.
#pragma once

#include <span>

namespace streamlens::analysis::forecast {

// The KPSS statistic of y with `lags` Bartlett-weighted autocovariances (lags < 0: R's default
// trunc(3 sqrt(n) / 13)). Requires y.size() >= 2.
double KpssStatistic(std::span<const double> y, int lags = -1);

// Number of first differences (0..max_d) that make y level-stationary by the KPSS test.
int NDiffs(std::span<const double> y, int max_d = 2);

// Seasonal strength of y at `period` (0 when the decomposition is impossible: fewer than two
// full periods or period < 2).
double SeasonalStrength(std::span<const double> y, int period);

// Number of seasonal differences (0..max_D) chosen by the seasonal-strength heuristic.
int NSDiffs(std::span<const double> y, int period, int max_D = 1);

}  // namespace streamlens::analysis::forecast
