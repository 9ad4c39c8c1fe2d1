#include "sidecar/engine/grid.h"

#include <cmath>
#include <limits>

namespace streamlens::engine {

bool AlignToGrid(std::span<const int64_t> ts, std::span<const double> vs, int64_t first_t,
                 int64_t last_t, int64_t step_ms, int64_t lookback_ms, int64_t* start_ms,
                 std::vector<double>* out) {
  out->clear();
  if (step_ms <= 0 || last_t < first_t) return false;
  const size_t n_grid = static_cast<size_t>((last_t - first_t) / step_ms) + 1;
  const double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> grid(n_grid, kNaN);
  size_t j = 0;
  // j: first sample with timestamp > t; the candidate is j-1.
  for (size_t k = 0; k < n_grid; ++k) {
    int64_t t = first_t + static_cast<int64_t>(k) * step_ms;
    while (j < ts.size() && ts[j] <= t) ++j;
    // Walk back over NaN (stale) samples within the lookback.
    for (size_t c = j; c > 0; --c) {
      if (ts[c - 1] < t - lookback_ms) break;
      if (!std::isnan(vs[c - 1])) {
        grid[k] = vs[c - 1];
        break;
      }
      break;  // a staleness marker ends the series: no older value is carried over it
    }
  }
  size_t first = 0;
  while (first < n_grid && std::isnan(grid[first])) ++first;
  if (first == n_grid) return false;
  size_t last = n_grid - 1;
  while (std::isnan(grid[last])) --last;
  out->assign(grid.begin() + first, grid.begin() + last + 1);
  *start_ms = first_t + static_cast<int64_t>(first) * step_ms;
  // Linear interpolation over interior gaps.
  std::vector<double>& v = *out;
  size_t prev = 0;
  for (size_t k = 1; k < v.size(); ++k) {
    if (std::isnan(v[k])) continue;
    if (k > prev + 1) {
      double a = v[prev], b = v[k];
      double span = static_cast<double>(k - prev);
      for (size_t m = prev + 1; m < k; ++m)
        v[m] = a + (b - a) * static_cast<double>(m - prev) / span;
    }
    prev = k;
  }
  return true;
}

void ApplyTransform(Transform transform, double prev, int64_t step_ms, int64_t* start_ms,
                    std::vector<double>* values) {
  if (transform == Transform::kNone || values->empty()) return;
  std::vector<double>& v = *values;
  const double scale = transform == Transform::kRate ? 1000.0 / static_cast<double>(step_ms) : 1.0;
  // Process right-to-left so v[k-1] is still the raw value.
  for (size_t k = v.size(); k-- > 1;) {
    double inc = v[k] - v[k - 1];
    if (inc < 0) inc = v[k];  // counter reset
    v[k] = inc * scale;
  }
  if (std::isnan(prev)) {
    v.erase(v.begin());
    *start_ms += step_ms;
  } else {
    double inc = v[0] - prev;
    if (inc < 0) inc = v[0];
    v[0] = inc * scale;
  }
}

}  // namespace streamlens::engine
