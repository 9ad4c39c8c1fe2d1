// Automatic ARIMA order selection as forecast::auto.arima (R package forecast 8.20, default
// arguments): D by the seasonal-strength heuristic (unit_root.h NSDiffs), d by KPSS on the
// seasonally differenced series (NDiffs), then the Hyndman-Khandakar stepwise search over
// (p, q, P, Q, constant) minimising AICc from (2,d,2)(1,D,1), (0,d,0)(0,D,0), (1,d,0)(1,D,0),
// (0,d,1)(0,D,1) and the no-constant null model, moving one order (or a pair) at a time.
// A model whose AR or MA roots lie inside 1.01 is rejected.
// With `approximation` (R's default when n > 150 or period > 12) the search fits by CSS, with
// R's offset making CSS criteria comparable, and the models are then refitted by CSS-ML in
// criterion order until one succeeds. Otherwise every model is fitted by CSS-ML.
// Not reproduced: R's check that the Hessian gives finite coefficient variances.
// Pure and thread-compatible.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/forecast/arima.h"

namespace streamlens::analysis::forecast {

struct AutoArimaParams {
  int period = 1;  // seasonal period; 1 = non-seasonal
  int max_p = 5, max_q = 5, max_P = 2, max_Q = 2;
  int max_order = 5;  // unused by the stepwise search (kept for parity with R's arguments)
  int max_d = 2, max_D = 1;
  int d = -1, D = -1;  // fixed differencing orders; -1 = chosen by the tests
  int start_p = 2, start_q = 2, start_P = 1, start_Q = 1;
  bool allow_drift = true, allow_mean = true;
  enum class Approximation { kAuto, kOn, kOff };
  Approximation approximation = Approximation::kAuto;
  int max_models = 94;  // R's nmodels
};

struct AutoArimaResult {
  ArimaModel model;
  int models_fitted = 0;
};

// Errors: fewer than 4 observations, non-finite values, or no ARIMA model could be fitted.
// A constant series gives ARIMA(0,0,0) with its value as the mean and sigma2 0.
Result<AutoArimaResult> AutoArima(std::span<const double> y, const AutoArimaParams& params);

}  // namespace streamlens::analysis::forecast
