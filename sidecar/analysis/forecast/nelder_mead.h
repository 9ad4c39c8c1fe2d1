// Bounded Nelder-Mead minimiser for small smooth problems (ETS smoothing parameters, Theta, ARIMA).
//
// Box constraints are enforced by projecting every trial point onto [lower, upper], so the
// objective is never evaluated outside the box; the objective may also return +inf to reject a
// point (e.g. an inadmissible parameter combination). Pure function: no allocation per iteration
// beyond the simplex set up at the start, no I/O. Thread-compatible (no shared state).
#pragma once

#include <functional>
#include <span>
#include <vector>

namespace streamlens::analysis::forecast {

struct NelderMeadParams {
  int max_evaluations = 2000;
  // Stops when (f_worst - f_best) <= rel_tolerance * (|f_best| + rel_tolerance), as R's optim.
  double rel_tolerance = 1.5e-8;
  // Initial simplex: x0 + step[i] * e_i (or x0 - step[i] * e_i when that would leave the box).
  std::vector<double> step;
};

struct NelderMeadResult {
  std::vector<double> x;  // best point found (inside the box)
  double value = 0.0;     // objective at x
  int evaluations = 0;
  bool converged = false;  // tolerance reached before max_evaluations
};

// Minimises `f` starting from `x0` (projected into the box). lower/upper/step must have the size
// of x0; use +-infinity for unbounded coordinates.
NelderMeadResult MinimizeNelderMead(const std::function<double(std::span<const double>)>& f,
                                    std::span<const double> x0, std::span<const double> lower,
                                    std::span<const double> upper, const NelderMeadParams& params);

}  // namespace streamlens::analysis::forecast
