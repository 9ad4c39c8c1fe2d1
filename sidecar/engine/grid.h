// Grid values: raw samples of one series -> the job's regular step grid, as PromQL would see them.
//
// Gauges: the point at grid time t takes the last sample at or before t if it is fresh: no older
// than the series' own sampling interval (1.5 x the median interval between its samples, at least
// one step, at most `lookback`). Counters (Transform::kRate / kDelta): the point at t is the
// increase between the sample that is last at t and the one that was last at t - step, both
// fresh and distinct, summed over the samples between them with counter resets handled as PromQL
// does (a drop means the counter restarted from 0); rate divides by the time between those two
// samples. A grid point without such samples is a gap (NaN): never a value carried forward into a
// rate, never interpolated. A staleness marker (a NaN sample) ends the series until its next
// sample. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sidecar/engine/config.h"

namespace streamlens::engine {

// Grid values of (ts, vs) (timestamps increasing) at t = first_t, first_t + step, ..., last_t
// (multiples of step_ms). On return *start_ms is the first grid point with a value and `out` the
// values from there to the last grid point with a value, NaN for the gaps between (trailing gaps
// are not returned: the next cycle may still see samples for them). Returns false when no grid
// point has a value.
bool GridValues(std::span<const int64_t> ts, std::span<const double> vs, int64_t first_t,
                int64_t last_t, int64_t step_ms, int64_t lookback_ms, Transform transform,
                int64_t* start_ms, std::vector<double>* out);

// Rounds down / up to a multiple of step.
inline int64_t FloorToStep(int64_t t, int64_t step) {
  int64_t q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}
inline int64_t CeilToStep(int64_t t, int64_t step) { return -FloorToStep(-t, step); }

}  // namespace streamlens::engine
