// Nash's Nelder-Mead minimiser exactly as R's optim(method = "Nelder-Mead") implements it
// (R's src/appl/optim.c nmmin, from Nash 1990, "Compact Numerical Methods", Algorithm 19), which
// R's forecast::ets calls through its C++ target function. It differs from the textbook method
// (bounded, per-coordinate steps, a relative tolerance) in ways that change where a search ends:
//   - one initial step for every coordinate, 10% of the largest |x0_i| (0.1 if x0 = 0): with an
//     initial level of 40,000 among smoothing parameters in [0, 1], every simplex vertex but the
//     level's one starts outside the feasible region;
//   - no box: a non-finite objective (a rejected point) counts as 1e35;
//   - the convergence tolerance is fixed once, reltol * (|f(x0)| + reltol), and the test is
//     f_worst <= f_best + tolerance;
//   - a reflection that is not the new best is always followed by a contraction, and a shrink
//     that does not reduce the simplex size ends the search.
// Same operation order as R's C code, so that a deterministic objective follows R's path.
// Pure function, no allocation per iteration, thread-compatible.
#pragma once

#include <functional>
#include <limits>
#include <span>
#include <vector>

namespace streamlens::analysis::forecast {

struct NashNelderMeadParams {
  int max_iterations = 500;  // R's maxit (a budget of objective evaluations, as in R)
  double rel_tolerance = 1.490116119384765625e-8;                   // R's reltol, sqrt(DBL_EPSILON)
  double abs_tolerance = -std::numeric_limits<double>::infinity();  // R's abstol
  double reflection = 1.0;                                          // R's alpha
  double contraction = 0.5;                                         // R's beta
  double expansion = 2.0;                                           // R's gamma
  // Called after each iteration with R's trace fields (action, evaluations so far, f_worst,
  // f_best), e.g. to compare a run with optim(..., control = list(trace = 1)). May be empty.
  std::function<void(const char* action, int evaluations, double f_worst, double f_best)> trace;
};

struct NashNelderMeadResult {
  std::vector<double> x;  // best vertex
  double value = 0.0;     // objective at x (1e35 if no finite value was found)
  int evaluations = 0;    // R's fncount
  // R's convergence code: 0 converged, 1 evaluation budget exhausted, 10 degenerate simplex
  // (a shrink did not reduce its size). Error: the objective is not finite at x0 (R stops).
  int fail = 0;
  bool finite_start = true;
};

// Minimises f from x0. f may return +inf or NaN to reject a point.
NashNelderMeadResult MinimizeNelderMeadNash(const std::function<double(std::span<const double>)>& f,
                                            std::span<const double> x0,
                                            const NashNelderMeadParams& params);

}  // namespace streamlens::analysis::forecast
