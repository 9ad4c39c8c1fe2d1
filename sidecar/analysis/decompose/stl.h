// STL: Seasonal-Trend decomposition by Loess (Cleveland, Cleveland, McRae & Terpenning 1990),
// reproducing R's stats::stl (the netlib Fortran `stl.f` plus R's wrapper) parameter for parameter.
//
// Input: a regularly sampled series with no NaN/inf (gaps must be filled by the caller; a NaN is an
// error naming its index). Output: seasonal, trend, remainder and the robustness weights, each of
// the input's length, such that x = seasonal + trend + remainder.
//
// Matches R to ~1e-12 relative to the series' range (the tests hold it to 1e-6 against fixtures
// from scripts/fixtures/stl_fixtures.R). The loess smoother is the same jump-and-interpolate scheme
// as R's, but each local fit is one fused pass (weighted moments instead of R's five passes),
// and all scratch memory is allocated once per call.
//
// Pure function, thread-safe (no shared state). Cost is O(n * (ns/sjump + nt/tjump + nl/ljump) *
// window) which with R's default jumps is about 10 local-fit points per window length.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"

namespace streamlens::analysis {

// Field defaults mirror R's stl(); 0 (or -1 for degrees) means "R's default".
struct StlParams {
  int period = 0;           // frequency(x); >= 2, and the series must be longer than 2 periods.
  bool periodic = false;    // s.window = "periodic": seasonal is the per-position mean.
  int seasonal_window = 0;  // s.window: odd >= 3; required unless periodic.
  int seasonal_degree = 0;  // s.degree: 0 or 1.
  int trend_window = 0;  // t.window: odd >= 3; 0 = nextodd(ceil(1.5 period / (1 - 1.5/s.window))).
  int trend_degree = 1;  // t.degree: 0 or 1.
  int lowpass_window = 0;   // l.window: odd >= 3; 0 = nextodd(period).
  int lowpass_degree = -1;  // l.degree: 0 or 1; -1 = trend_degree.
  int seasonal_jump = 0;    // s.jump; 0 = ceil(s.window / 10).
  int trend_jump = 0;       // t.jump; 0 = ceil(t.window / 10).
  int lowpass_jump = 0;     // l.jump; 0 = ceil(l.window / 10).
  bool robust = false;      // robust fitting with bisquare weights.
  int inner = -1;           // inner iterations; -1 = robust ? 1 : 2.
  int outer = -1;           // outer (robustness) iterations; -1 = robust ? 15 : 0.
};

struct StlResult {
  std::vector<double> seasonal;
  std::vector<double> trend;
  std::vector<double> remainder;
  std::vector<double> weights;  // final robustness weights (all 1 when outer == 0).
};

// Decomposes `x`. Errors (never crashes) for: period < 2, length <= 2 * period, an even window or
// one < 3, a degree other than 0/1, a jump < 1, negative iteration counts, a missing seasonal
// window, and non-finite values (the message gives the first bad index).
Result<StlResult> Stl(std::span<const double> x, const StlParams& params);

// The same, writing into caller-owned spans of x.size() (no allocation besides scratch).
// `weights` may be empty when not wanted.
Status StlInto(std::span<const double> x, const StlParams& params, std::span<double> seasonal,
               std::span<double> trend, std::span<double> weights);

}  // namespace streamlens::analysis
