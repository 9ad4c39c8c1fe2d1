// Baseline forecasters that are always available: seasonal naive and the Theta method as used
// by the M4 competition (forecast::thetaf after multiplicative classical deseasonalisation when
// the 90% autocorrelation test finds seasonality). Pure functions, thread-safe.
#pragma once

#include <span>

#include "common/status.h"
#include "sidecar/analysis/forecast/forecast_types.h"

namespace streamlens::analysis::forecast {

// y[n - m + (h-1) % m]; intervals from the RMSE s of the lag-m differences with
// sd_h = s * sqrt(floor((h-1)/m) + 1) (R's snaive). period 1 gives the naive forecast.
// Errors: fewer than period + 1 observations, non-finite values.
Result<Forecast> SeasonalNaiveForecast(std::span<const double> y, int period, int horizon,
                                       std::span<const double> levels);

// Seasonal mean: the average of the last `cycles` values at the same phase of `period` (a
// smoothed seasonal naive that is robust to one unusual cycle). Intervals use the RMSE of the
// same rule's in-sample one-cycle-ahead errors, constant over the horizon's cycles scaled by
// sqrt(floor((h-1)/period) + 1). Errors: fewer than period * cycles + period observations.
Result<Forecast> SeasonalMeanForecast(std::span<const double> y, int period, int cycles,
                                      int horizon, std::span<const double> levels);

// Seasonal median: the median of the last `cycles` values at the same phase of `period`, robust to
// spikes and to one or two unusual cycles (holidays, outages) where the mean is pulled away.
// Intervals as SeasonalMeanForecast's (RMSE of the rule's in-sample one-cycle-ahead errors).
// Errors: fewer than period * cycles + period observations, non-finite values.
Result<Forecast> SeasonalMedianForecast(std::span<const double> y, int period, int cycles,
                                        int horizon, std::span<const double> levels);

// Theta: SES on the (deseasonalised) series plus half the slope of the linear trend, as
// forecast::thetaf; intervals are SES's analytic intervals, reseasonalised. Seasonal adjustment is
// multiplicative for positive data and additive otherwise. Errors: fewer than 4 observations,
// non-finite values.
Result<Forecast> ThetaForecast(std::span<const double> y, int period, int horizon,
                               std::span<const double> levels);

}  // namespace streamlens::analysis::forecast
