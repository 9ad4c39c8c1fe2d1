// Quasi-Newton (BFGS) minimiser with central-difference gradients, in the manner of R's
// optim(method = "BFGS") (vmmin): inverse-Hessian updates, backtracking line search, restart from
// the identity when the search direction stops descending, and R's relative-tolerance stop.
// Used by the ARIMA fits (CSS and exact likelihood), whose objectives are smooth and unbounded.
//
// The objective may return +inf (or NaN) to reject a point; gradients then fall back to a
// one-sided difference. Pure function: no I/O, no shared state; thread-compatible.
#pragma once

#include <functional>
#include <span>
#include <vector>

namespace streamlens::analysis::forecast {

struct BfgsParams {
  int max_iterations = 100;  // R's maxit for BFGS
  // Stops when an iteration improves f by <= rel_tolerance * (|f| + rel_tolerance) (R's reltol).
  double rel_tolerance = 1.5e-8;
  double gradient_step = 1e-5;  // central-difference step, scaled by max(1, |x_i|)
};

struct BfgsResult {
  std::vector<double> x;
  double value = 0.0;
  int iterations = 0;
  int evaluations = 0;
  bool converged = false;
};

BfgsResult MinimizeBfgs(const std::function<double(std::span<const double>)>& f,
                        std::span<const double> x0, const BfgsParams& params);

}  // namespace streamlens::analysis::forecast
