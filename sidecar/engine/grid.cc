#include "sidecar/engine/grid.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace streamlens::engine {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// How old a sample may be and still stand for a grid point: 1.5 x the series' median interval
// between samples, at least a step, at most the lookback.
int64_t Freshness(std::span<const int64_t> ts, int64_t step_ms, int64_t lookback_ms) {
  std::vector<int64_t> gaps;
  gaps.reserve(ts.size());
  for (size_t i = 1; i < ts.size(); ++i) {
    if (ts[i] > ts[i - 1]) gaps.push_back(ts[i] - ts[i - 1]);
  }
  int64_t typical = step_ms;
  if (!gaps.empty()) {
    std::nth_element(gaps.begin(), gaps.begin() + static_cast<ptrdiff_t>(gaps.size() / 2),
                     gaps.end());
    typical = gaps[gaps.size() / 2] * 3 / 2;
  }
  return std::clamp<int64_t>(std::max(typical, step_ms), 1, std::max<int64_t>(lookback_ms, 1));
}

// Index of the last sample at or before t (from `hint` on, which it advances), or -1.
ptrdiff_t LastAt(std::span<const int64_t> ts, int64_t t, size_t* hint) {
  while (*hint < ts.size() && ts[*hint] <= t) ++*hint;
  return static_cast<ptrdiff_t>(*hint) - 1;
}

// The counter increase from sample a to sample b (a < b), resets counted as restarts from 0; NaN
// when a staleness marker lies between.
double Increase(std::span<const double> vs, size_t a, size_t b) {
  double inc = 0;
  for (size_t i = a + 1; i <= b; ++i) {
    if (std::isnan(vs[i]) || std::isnan(vs[i - 1])) return kNaN;
    const double d = vs[i] - vs[i - 1];
    inc += d < 0 ? vs[i] : d;
  }
  return inc;
}

}  // namespace

bool GridValues(std::span<const int64_t> ts, std::span<const double> vs, int64_t first_t,
                int64_t last_t, int64_t step_ms, int64_t lookback_ms, Transform transform,
                int64_t* start_ms, std::vector<double>* out) {
  out->clear();
  if (step_ms <= 0 || last_t < first_t || ts.empty()) return false;
  const int64_t fresh = Freshness(ts, step_ms, lookback_ms);
  const size_t n_grid = static_cast<size_t>((last_t - first_t) / step_ms) + 1;
  std::vector<double> grid(n_grid, kNaN);
  size_t at = 0, before = 0;
  auto usable = [&](ptrdiff_t i, int64_t t) {
    return i >= 0 && ts[static_cast<size_t>(i)] > t - fresh &&
           !std::isnan(vs[static_cast<size_t>(i)]);
  };
  for (size_t k = 0; k < n_grid; ++k) {
    const int64_t t = first_t + static_cast<int64_t>(k) * step_ms;
    const ptrdiff_t cur = LastAt(ts, t, &at);
    if (!usable(cur, t)) continue;
    if (transform == Transform::kNone) {
      grid[k] = vs[static_cast<size_t>(cur)];
      continue;
    }
    const ptrdiff_t prev = LastAt(ts, t - step_ms, &before);
    if (!usable(prev, t - step_ms) || prev >= cur) continue;
    const double inc = Increase(vs, static_cast<size_t>(prev), static_cast<size_t>(cur));
    const double secs =
        static_cast<double>(ts[static_cast<size_t>(cur)] - ts[static_cast<size_t>(prev)]) / 1000.0;
    grid[k] = transform == Transform::kRate ? inc / secs : inc;
  }
  size_t first = 0;
  while (first < n_grid && std::isnan(grid[first])) ++first;
  if (first == n_grid) return false;
  size_t last = n_grid - 1;
  while (std::isnan(grid[last])) --last;
  out->assign(grid.begin() + static_cast<ptrdiff_t>(first),
              grid.begin() + static_cast<ptrdiff_t>(last) + 1);
  *start_ms = first_t + static_cast<int64_t>(first) * step_ms;
  return true;
}

}  // namespace streamlens::engine
