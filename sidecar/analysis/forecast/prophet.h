// Prophet-style additive regression forecaster (after Taylor & Letham, "Forecasting at scale"),
// fitted as a penalised least-squares problem with Eigen instead of Stan:
//
//   y(t) = k t + m + sum_j delta_j (t - c_j)+  +  Fourier seasonalities  +  event effects  + e
//
// - Trend: piecewise linear with `num_changepoints` candidate changepoints spread uniformly over
//   the first `changepoint_range` of the history; the slope changes delta_j get an L1 penalty
//   (the MAP of Prophet's Laplace prior, scale `changepoint_prior_scale` on the max-abs-scaled
//   series), so most are exactly zero (solved by coordinate descent on the Gram matrix).
// - Seasonalities: Fourier terms of any periods (in samples, need not be integers) with a ridge
//   penalty (Prophet's Normal prior, `seasonality_prior_scale`).
// - Events (holidays, release days, Black Friday): named windows of sample indices, past or
//   future; one indicator per name with a ridge penalty (`event_prior_scale`).
// - Intervals: `num_simulations` futures with new changepoints at the historical rate and
//   Laplace magnitudes (mean |delta|), plus Gaussian noise of the residual sd; empirical
//   quantiles with a fixed seed (deterministic).
// The noise scale sigma that converts priors into penalties is estimated from a first ridge fit.
// Cost: O(n p^2) for the Gram matrix (p = 2 + changepoints + 2 * total Fourier order + events)
// plus O(p^2) per coordinate-descent sweep. Pure and thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/forecast/forecast_types.h"

namespace streamlens::analysis::forecast {

struct ProphetSeasonality {
  double period = 24.0;  // in samples
  int fourier_order = 10;
};

struct EventWindow {
  std::string name;     // windows with the same name share one effect
  long long first = 0;  // sample index relative to the first observation (may be >= n: future)
  long long last = 0;   // inclusive
};

struct ProphetParams {
  int horizon = 48;
  std::vector<double> levels = {0.8, 0.95};
  std::vector<ProphetSeasonality> seasonalities;
  std::vector<EventWindow> events;
  int num_changepoints = 25;
  double changepoint_range = 0.8;
  double changepoint_prior_scale = 0.05;
  double seasonality_prior_scale = 10.0;
  double event_prior_scale = 10.0;
  int num_simulations = 300;
  int max_sweeps = 500;  // coordinate-descent sweeps
};

struct ProphetFit {
  std::vector<double> coefficients;  // [offset, slope, deltas..., fourier..., events...] (scaled)
  int num_active_changepoints = 0;   // non-zero deltas
  double sigma = 0.0;                // residual sd in the series' units
};

// Errors: fewer than 4 observations, non-finite values, a seasonality with period < 2 or order
// < 1, an event window with last < first, horizon < 1. A constant series is handled (flat).
Result<Forecast> ProphetForecast(std::span<const double> y, const ProphetParams& params,
                                 ProphetFit* fit_out = nullptr);

}  // namespace streamlens::analysis::forecast
