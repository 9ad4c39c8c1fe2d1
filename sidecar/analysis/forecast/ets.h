// Exponential smoothing state-space models (ETS) in the innovations form of Hyndman et al.
// (2008), as implemented by R's forecast::ets: error A/M, trend N/A/Ad, seasonality N/A/M.
//
// Fitting minimises R's criterion lik = n log(SSE) (+ 2 sum log|yhat| for multiplicative
// errors). It runs R's method step for step: R's starting values
// (forecast:::initparam, EtsInitialState = forecast:::initstate), then one Nelder-Mead with R's
// optim algorithm (MinimizeNelderMeadNash, maxit 2000) over the smoothing parameters and every
// free initial state (level, trend, m - 1 seasonal states), rejecting points outside R's default
// bounds ("both": the box 1e-4 <= beta <= alpha <= 0.9999, gamma <= 1 - alpha,
// 0.8 <= phi <= 0.98, and the admissible region, EtsAdmissible). On M4 Hourly this reproduces
// R's fits (same model on every compared series, forecasts equal to R's printed precision);
// see docs/forecasting.md.
// Point forecasts are R's: the state-space recursion, except ETS(M,*,M), whose mean is R's
// class-3 expectation (forecast:::class3).
// Model selection (EtsParams::spec unset) picks the lowest AICc over the family R searches by
// default: additive-error models with N/A seasonality and multiplicative-error models with any
// seasonality (multiplicative only for strictly positive data), trends N, A and Ad.
// All functions are pure and thread-compatible.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/forecast/forecast_types.h"

namespace streamlens::analysis::forecast {

enum class EtsError { kAdditive, kMultiplicative };
enum class EtsTrend { kNone, kAdditive, kAdditiveDamped };
enum class EtsSeason { kNone, kAdditive, kMultiplicative };

struct EtsSpec {
  EtsError error = EtsError::kAdditive;
  EtsTrend trend = EtsTrend::kNone;
  EtsSeason season = EtsSeason::kNone;
  // R's notation, e.g. "ETS(M,Ad,M)".
  std::string Name() const;
};

// Parses R's three/four-letter codes ("ANN", "AAdA", "MAM"); error names the accepted form.
Result<EtsSpec> ParseEtsSpec(const std::string& code);

struct EtsSmoothing {
  double alpha = 0.0;
  double beta = 0.0;   // used when the model has a trend
  double gamma = 0.0;  // used when the model is seasonal
  double phi = 1.0;    // used when the trend is damped (1 otherwise)
};

// State vector. season[0] is the most recent seasonal state (R's s1) and season[period-1] the
// oldest, which is the one applied at the next step; empty for non-seasonal models.
struct EtsState {
  double level = 0.0;
  double trend = 0.0;
  std::vector<double> season;
};

struct EtsModel {
  EtsSpec spec;
  int period = 1;  // 1 for non-seasonal models
  EtsSmoothing par;
  EtsState initial;      // state before the first observation
  EtsState final_state;  // state after the last observation (forecast origin)
  int n = 0;             // observations used
  int num_params = 0;    // R's np: smoothing params + initial states + 1 (the variance)
  double lik = 0.0;      // R's criterion n log(SSE) (+ 2 sum log|yhat|)
  double loglik = 0.0;   // R's reported log-likelihood, -lik/2
  double aic = 0.0, aicc = 0.0, bic = 0.0;
  double sigma2 = 0.0;  // residual variance, SSE / (n - num_params) (relative errors for M)
};

struct EtsFilterResult {
  double lik = 0.0;  // +inf when the recursions leave the model's domain
  double sse = 0.0;
  EtsState final_state;
};

// Runs the ETS recursions over y from `initial` with fixed parameters. When `residuals` is not
// empty (size y.size()), it receives the innovations (relative errors for M-error models).
EtsFilterResult EtsFilter(std::span<const double> y, const EtsSpec& spec, int period,
                          const EtsSmoothing& par, const EtsState& initial,
                          std::span<double> residuals = {});

// R's parameter regions (forecast::ets `bounds`): kUsual is the box
// 1e-4 <= beta <= alpha <= 0.9999, 1e-4 <= gamma <= 1 - alpha, 0.8 <= phi <= 0.98; kBoth (R's
// default) also requires the parameters to be admissible (EtsAdmissible).
enum class EtsBounds { kUsual, kBoth };

// R's forecast:::admissible: the smoothing parameters give a forecastable model, i.e. the
// discount matrix has no eigenvalue of modulus above 1 + 1e-10 (for seasonal models the roots of
// R's characteristic polynomial of degree period + 1, found here with the Schur-Cohn test instead
// of a root finder; non-seasonal models have closed-form conditions). Fields the spec does not use
// are ignored (phi = 1 without damping, beta = 0 without trend).
bool EtsAdmissible(const EtsSpec& spec, int period, const EtsSmoothing& par);

struct EtsParams {
  int period = 1;               // seasonal period in samples; 1 = non-seasonal
  std::optional<EtsSpec> spec;  // unset: choose by AICc over the family
  bool allow_multiplicative = true;
  bool allow_damped = true;
  bool allow_trend = true;
  // R's maxit: objective evaluations of R's Nelder-Mead (MinimizeNelderMeadNash) per candidate
  // model, which runs over the smoothing parameters and all free initial states (level, trend,
  // m - 1 seasonal states) under R's checks, so that a fit follows R's path.
  int r_max_iterations = 2000;
  // kBoth (default, as R): parameter sets outside the admissible region are rejected during the
  // search. kUsual accepts every point of the box (R's bounds = "usual").
  EtsBounds bounds = EtsBounds::kBoth;
};

// The longest seasonal period ETS models: R's `ets` limit. A seasonal model has one free state per
// period step, all searched by the Nelder-Mead within R's 2000 evaluations: at longer periods the
// search hardly leaves its start and costs ~m^2 per evaluation in the admissibility test. The
// automatic selection then searches the non-seasonal models only (as R does, which warns), and a
// seasonal spec is an error; seasonal decompositions (mstl) take longer periods.
inline constexpr int kEtsMaxSeasonalPeriod = 24;

// Fits one model (params.spec) or selects the AICc-best. Errors: fewer than 4 observations,
// non-finite values, a multiplicative spec with non-positive data, a seasonal spec with a period
// above kEtsMaxSeasonalPeriod or fewer than two full periods, or no candidate with fewer
// parameters than observations. A constant series gives ETS(A,N,N) with alpha 0.9999 and sigma2 0
// (a flat forecast with zero-width intervals).
Result<EtsModel> FitEts(std::span<const double> y, const EtsParams& params);

// R's initial states (forecast:::initstate): decomposition figure for the seasonal states and a
// regression over the first max(10, 2m) seasonally adjusted points for level/trend.
// figure_cycles > 0 estimates the seasonal figure on the first figure_cycles periods only (R
// uses 3); 0 uses the whole series.
EtsState EtsInitialState(std::span<const double> y, const EtsSpec& spec, int period,
                         int figure_cycles = 0);

// Point forecasts for steps 1..horizon (R's means: for ETS(M,*,M) the class-3 expectation) and
// prediction intervals at `levels` (each in (0,1)).
// Additive-error models use the analytic variance of Hyndman et al. (2008) class 1; M-error models
// simulate 1000 sample paths with a fixed seed (deterministic) and take empirical quantiles.
Forecast ForecastEts(const EtsModel& model, int horizon, std::span<const double> levels);

}  // namespace streamlens::analysis::forecast
