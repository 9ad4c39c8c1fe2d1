// MSTL: decomposition with several seasonal periods (Bandara, Hyndman & Bergmeir 2021), following
// R's forecast::mstl: periods sorted ascending, those with fewer than two full cycles dropped,
// each seasonal component re-estimated by STL on the series minus the other components, `iterate`
// times; the trend is the last STL's trend.
//
// Used for minute data with daily and weekly cycles (1440 and 10080). Matches forecast::mstl
// (without Box-Cox and NA interpolation, which the caller handles) to 1e-6 of the range.
// Pure and thread-safe.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/decompose/stl.h"

namespace streamlens::analysis {

struct MstlParams {
  std::vector<int> periods;           // each >= 2; order does not matter.
  std::vector<int> seasonal_windows;  // per sorted period; empty = forecast's 7 + 4 * (1, 2, ...).
  int iterate = 2;                    // >= 1.
  // true: every seasonal component is STL's s.window = "periodic" (one fixed profile per period,
  // seasonal_windows ignored). Not in forecast::mstl; the causal scorer uses it for stable
  // profiles to extrapolate.
  bool periodic = false;
  StlParams stl;  // other STL settings (period/seasonal window overridden).
};

struct MstlResult {
  std::vector<int> periods;                   // the periods kept, ascending.
  std::vector<std::vector<double>> seasonal;  // one component per kept period.
  std::vector<double> trend;
  std::vector<double> remainder;
};

// Errors: no period >= 2 with at least two full cycles in the data, non-finite input, bad STL
// parameters. Periods with fewer than two cycles are dropped (as forecast::mstl does), and
// listed nowhere in `periods` of the result.
Result<MstlResult> Mstl(std::span<const double> x, const MstlParams& params);

}  // namespace streamlens::analysis
