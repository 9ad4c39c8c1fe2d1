// S-H-ESD (Seasonal Hybrid ESD, Hochenbaum, Vallis & Kejariwal 2017; Twitter AnomalyDetection):
// robust STL with periodic seasonality, residual = x - seasonal - median(x), then the generalized
// ESD test with median/MAD on the residual, piece by piece for long series. Batch (not causal):
// it marks anomalies in a window of history. The period is always given by the caller.
// Cost O(n log n) per piece (see stats/esd.h). Pure and thread-safe.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/stats/esd.h"

namespace streamlens::analysis {

struct ShesdParams {
  int period = 0;        // points per seasonal cycle, >= 2
  EsdParams esd;         // alpha, max_anoms (per piece), direction
  int piece_length = 0;  // 0 = one piece; else pieces of this many points (Twitter: 2 weeks);
                         // a short last piece is replaced by the last piece_length points
};

// Sorted indices of the anomalies. Errors: bad period/ESD params, non-finite input, a piece not
// longer than two periods.
Result<std::vector<int>> SeasonalHybridEsd(std::span<const double> x, const ShesdParams& params);

}  // namespace streamlens::analysis
