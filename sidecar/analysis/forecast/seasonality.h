// Seasonal helpers shared by the forecasting models: classical decomposition (as R's
// stats::decompose) and the 90% autocorrelation seasonality test used by the M4 benchmarks.
// Pure functions; callers validate that the series has at least two full periods.
#pragma once

#include <span>
#include <vector>

namespace streamlens::analysis::forecast {

// Seasonal figure of the classical decomposition with a centred moving average of order `period`
// (weights 0.5, 1, ..., 1, 0.5 for even periods). Returns `period` values, figure[k] belonging to
// every index t with t % period == k. Additive figures sum to 0, multiplicative ones average 1.
// Requires y.size() >= 2 * period and period >= 2; multiplicative requires a positive trend.
std::vector<double> ClassicalSeasonalFigure(std::span<const double> y, int period,
                                            bool multiplicative);

// Sample autocorrelation at lags 0..max_lag.
std::vector<double> Autocorrelation(std::span<const double> y, int max_lag);

// The M4 benchmark seasonality test: |acf(period)| > z90 * sqrt((1 + 2 sum_{k<period} acf_k^2)/n).
// False when the series is shorter than 3 periods or period < 2.
bool IsSeasonal(std::span<const double> y, int period);

}  // namespace streamlens::analysis::forecast
