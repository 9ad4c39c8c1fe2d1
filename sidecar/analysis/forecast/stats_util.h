// Small numerical helpers for the forecasting models (normal quantiles, sample statistics,
// Gaussian prediction intervals). Pure functions, thread-safe.
#pragma once

#include <span>

#include "sidecar/analysis/forecast/forecast_types.h"

namespace streamlens::analysis::forecast {

// Inverse standard normal CDF for p in (0, 1) (Acklam's rational approximation refined by one
// Halley step; absolute error below 1e-12).
double NormalQuantile(double p);
// Standard normal CDF.
double NormalCdf(double x);
// Sample standard deviation (n - 1 denominator); 0 for fewer than two values.
double StdDev(std::span<const double> x);
// Quantile of sorted data, R's type 7 (linear interpolation), p in [0, 1].
double SortedQuantile(std::span<const double> sorted, double p);
// Appends one interval per level to fc->intervals: mean -/+ z sd per step, z the standard normal
// quantile of 0.5 + level / 2 (fc->mean and fc->sd set, equal lengths).
void AddGaussianIntervals(std::span<const double> levels, Forecast* fc);

}  // namespace streamlens::analysis::forecast
