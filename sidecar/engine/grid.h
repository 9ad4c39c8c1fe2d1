// Grid alignment: raw samples -> the job's regular step grid, and the rate/delta transforms.
//
// The point at grid time t takes the last sample at or before t and no older than `lookback`
// (PromQL's instant-vector rule). Grid points without such a sample are gaps; interior gaps are
// filled by linear interpolation, so the analyses always see a dense series. Counter transforms
// work on grid values: rate = increase / step_seconds, with counter resets handled as PromQL
// does (a drop means the counter restarted from 0). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sidecar/engine/config.h"

namespace streamlens::engine {

// Aligns (ts, vs) onto grid points t = k * step_ms with first_t <= t <= last_t (first_t, last_t
// multiples of step_ms) and fills interior gaps. NaN samples (staleness markers) are ignored.
// On return *start_ms is the first grid point that has a value and `out` the dense values from
// there to the last grid point with a value (trailing missing points are not invented).
// Returns false when no grid point has a value.
bool AlignToGrid(std::span<const int64_t> ts, std::span<const double> vs, int64_t first_t,
                 int64_t last_t, int64_t step_ms, int64_t lookback_ms, int64_t* start_ms,
                 std::vector<double>* out);

// Applies `transform` in place to dense grid values. `prev` is the grid value before values[0]
// (NaN if unknown: then the first output point is dropped and *start_ms advanced by one step).
void ApplyTransform(Transform transform, double prev, int64_t step_ms, int64_t* start_ms,
                    std::vector<double>* values);

// Rounds down / up to a multiple of step.
inline int64_t FloorToStep(int64_t t, int64_t step) {
  int64_t q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}
inline int64_t CeilToStep(int64_t t, int64_t step) { return -FloorToStep(-t, step); }

}  // namespace streamlens::engine
