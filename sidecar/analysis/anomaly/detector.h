// Detector: streamlens' anomaly detector, one per series, fed point by point (causal: the score
// of a point uses only the points before it and the point itself). The daemon runs it for every
// series of an anomaly job (streamlens_anomaly_score) and `streamlens-sidecar backtest` runs the
// same object code over files, so what pages is what the benchmarks measure.
//
// What a point is compared with (the active model):
//   - without seasonality: the median of the last `local_span` (for excursions) and of the last
//     day's quarter-hour means (for levels);
//   - a seasonal profile (seasonal_profile.h) of one period: the envelope of the last `cycles`
//     cycles around this time, and their median mean.
// Candidate periods come from the clock (a day and a week, each if it spans at least 8 steps) or
// from the spec. Each candidate is confirmed by the data: every quarter hour (or step,
// if longer) each model's prediction of that bin's mean is scored, and the model with the smallest
// recent error (weights over `memory`) is the active one; a model not yet able to predict is
// charged the error of the shorter model before it, so a week is chosen only once it has
// predicted better than a day.
//
// Channels (channels.h) score the point against the active model: excursions outside the envelope
// that last `min_duration`, and the mean deviation over each of `level_spans`; the score is the
// largest channel score in the watched direction(s), > 1 anomalous, 0 during `warmup`. A gap (NaN
// or a repeated timestamp) is neither scored nor learnt.
//
// NAB output (`nab`, in [0, 1)): score / (1 + score) when the score exceeds every score of the
// `onset` span before it, else 0: one detection at the start of an excursion; an anomalous
// episode (scores > 1 in a row) is detected once, however much its score grows (the daemon's
// alert is firing already).
//
// State: bounded by the spec and the step (about 45 KB for minute data with daily and weekly
// candidates), independent of how long the series runs. Serialize()/Restore() round-trip it
// exactly. Not thread-safe; one detector per series.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/anomaly/channels.h"
#include "sidecar/analysis/anomaly/decayed_quantiles.h"
#include "sidecar/analysis/anomaly/detector_spec.h"
#include "sidecar/analysis/anomaly/seasonal_profile.h"

namespace streamlens::analysis {

struct DetectorPoint {
  bool scored = false;     // false: a gap or an out-of-order point; nothing else is set
  bool warming_up = true;  // score and nab are 0 while warming up
  double score = 0;        // > 1 anomalous (the vmanomaly convention)
  double nab = 0;          // NAB anomaly_score in [0, 1)
  double y = 0;
  double yhat = std::numeric_limits<double>::quiet_NaN();
  double yhat_lower = std::numeric_limits<double>::quiet_NaN();
  double yhat_upper = std::numeric_limits<double>::quiet_NaN();
};

class Detector {
 public:
  static Result<std::unique_ptr<Detector>> Create(const DetectorSpec& spec);
  // Restores a detector from Serialize(); `spec` must be the one it was made with. A truncated,
  // corrupted or mismatched state is an error, never a crash or an unbounded allocation.
  static Result<std::unique_ptr<Detector>> Restore(const DetectorSpec& spec,
                                                   std::string_view state);
  ~Detector();

  // The next point (t_ms increasing; a NaN value is a gap).
  DetectorPoint Next(int64_t t_ms, double y);

  std::string Serialize() const;
  size_t MemoryBytes() const;
  const DetectorSpec& spec() const { return spec_; }
  // The sampling step as estimated from the timestamps (0 until a few points were seen).
  int64_t step_ms() const;
  // Period of the active model in ms (0: no seasonality) and the periods considered.
  int64_t active_period_ms() const;
  std::vector<int64_t> candidate_periods_ms() const;

 private:
  explicit Detector(const DetectorSpec& spec);
  struct Impl;
  DetectorSpec spec_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamlens::analysis
