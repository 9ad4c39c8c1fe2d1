// Named streaming detectors for offline backtests (NAB): each wraps the CausalScorer the daemon
// runs and maps its score (> 1 anomalous) to NAB's [0, 1] anomaly_score. Every output uses only
// the values passed so far (causal by construction: Next() sees one point at a time).
//
// "streamlens" (the default) normalises the scorer's output by the long-run distribution of this
// series' scores (an anomaly likelihood, so one threshold fits series with different residual
// tails) and adds onset emphasis: a score is reported only when it exceeds every score of the
// previous `onset_window` points, so a long excursion is flagged at its start instead of producing
// a run of detections (which NAB counts as false positives after the label window).
// "custom:key=value,..." builds variants for tuning (keys: level, fit, refit, long, short, onset,
// repeat, diff). Not thread-safe; one detector per series.
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/anomaly/causal_scorer.h"

namespace streamlens::analysis {

struct DetectorSpec {
  std::string name;
  CausalScorerParams scorer;
  int onset_window = 0;        // 0 = no onset emphasis
  double repeat_factor = 1.0;  // multiplier for scores that do not exceed the recent maximum
  double diff_weight = 0.0;    // > 0: also score jumps (robust z of first differences)
  // Anomaly likelihood (as Numenta's): how unusual the mean raw score of the last `short_window`
  // points is relative to the mean/std of raw scores over the last `long_window` points. Makes
  // scores comparable across series whose residuals have different tails. 0 = off.
  int long_window = 0;
  int short_window = 10;
  // > 0: after this many points, look for a seasonal period in the data itself (the lag of the
  // highest autocorrelation peak above 0.5, at least 4 and at most a third of the points) and, if
  // one is found, score with a seasonal scorer of that period from then on. Never derived from
  // the sampling interval. Until then the non-seasonal scorer runs alone.
  int auto_period_probe = 0;
};

// Lag in [min_lag, x.size() / 3] with the highest autocorrelation local peak above `threshold`,
// or 0 when there is none. Used by auto_period_probe; exposed for tests.
int DetectPeriod(std::span<const double> x, int min_lag = 4, double threshold = 0.5);

// Names accepted by MakeDetector(), the default first.
std::vector<std::string> DetectorNames();
Result<DetectorSpec> FindDetector(std::string_view name);

class StreamingDetector {
 public:
  static Result<std::unique_ptr<StreamingDetector>> Create(const DetectorSpec& spec);
  // NAB anomaly score in [0, 1] for the next point (NaN input scores 0).
  double Next(double value);
  double last_raw_score() const { return last_raw_; }
  int detected_period() const { return period_; }

 private:
  StreamingDetector(const DetectorSpec& spec, CausalScorer level, CausalScorer diff);
  DetectorSpec spec_;
  CausalScorer level_;
  std::unique_ptr<CausalScorer> seasonal_;  // set once a period is detected
  std::vector<double> probe_;
  bool probed_ = false;
  int period_ = 0;
  CausalScorer diff_;
  double prev_ = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> recent_;  // ring of the last onset_window raw scores
  size_t recent_pos_ = 0;
  double last_raw_ = 0;
  std::vector<double> long_;  // ring of raw scores for the likelihood
  size_t long_pos_ = 0, long_count_ = 0;
  double long_sum_ = 0, long_sq_ = 0;
  std::vector<double> short_;
  size_t short_pos_ = 0, short_count_ = 0;
  double short_sum_ = 0;
};

}  // namespace streamlens::analysis
