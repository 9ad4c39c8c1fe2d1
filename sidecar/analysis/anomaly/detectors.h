// Named streaming detectors for offline backtests (NAB): each wraps the CausalScorer the daemon
// runs and maps its score (> 1 anomalous) to NAB's [0, 1] anomaly_score. Every output uses only
// the values passed so far (causal by construction: Next() sees one point at a time).
//
// "streamlens" (the default) runs the causal scorer (seasonal once a period is found in the
// data's own autocorrelation; multi-seasonal when a longer multiple shows too; while no period is
// known, beside it a slower scorer predicting the median of the last 50 points, so drifts the
// 8-point median follows still show), normalises each output by the distribution of this series'
// past scores (an anomaly likelihood, so one threshold fits series with different residual
// tails; for the residual channel the smaller of a 2000- and a 1200-point memory, so spikes that
// are routine for the series, recently or over the longer past, are discounted), adds a
// rare-value channel (the current value in a range the last 2000 values seldom visited), takes
// the max, and adds onset emphasis: a score is reported only when it exceeds every score of the
// previous `onset_window` points, so a long excursion is flagged at its start instead of
// producing a run of detections (which NAB counts as false positives after the label window);
// after an alarm, a hold reports 0 for 60 points unless the score triples.
// The daemon runs this same class per series when a job sets `anomaly.likelihood` (published as
// streamlens_anomaly_likelihood, state saved with Serialize()/Restore()); its
// streamlens_anomaly_score is the CausalScorer alone. See docs/anomaly-detection.md ("What the
// daemon runs vs. the NAB detector").
// Optional channels (variance change, level shift, range, nearest-neighbour pattern, a third
// level scale) are combined by max() after their own likelihood normalisation.
// "custom:key=value,..." builds variants for tuning (keys: level, fit, refit, long, short, tailq,
// tailmin, tailmix, onset, onseth, margin, repeat, diff, hold, holdt, holdf, holdp, probe,
// probemax, var, varw, shift, shiftw, shifth, bandz, spatial, spatials, spatialw, knn, knnd, knnk,
// knnh, knnmean, slow, sloww, slowall, slow2w, rare, rarew, rareb, shortmem). Not thread-safe; one
// detector per series.
#pragma once

#include <limits>
#include <memory>
#include <span>
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
  double onset_margin = 1.0;   // "exceed" means > onset_margin x the recent maximum (>= 1)
  // > 0: a past score counts in the onset maximum with weight 0.5^(age / onset_half_life), so a
  // huge score suppresses a later, smaller excursion for a shorter time than the window.
  double onset_half_life = 0.0;
  double diff_weight = 0.0;  // > 0: also score jumps (robust z of first differences)
  // Suppression after an alarm (0 = off): once the likelihood score reaches `hold_trigger`, the
  // next `hold_window` points report 0 unless they exceed hold_factor x the alarm's score, so one
  // excursion (a ramp of new maxima, a burst) is one detection. Scores below the trigger are
  // reported as they are and never start a hold.
  int hold_window = 0;
  // Range channel (0 = off), as NAB's HTM detector's "spatial anomaly": a value outside the range
  // of every value seen so far, widened by this fraction of the range on each side, scores
  // `spatial_score` (likelihood units), after `spatial_warmup` values.
  double spatial_tolerance = 0.0;
  double spatial_score = 1000.0;
  int spatial_warmup = 100;
  double hold_trigger = 1.0;
  double hold_factor = 2.0;
  // > 0: once a period is found, the hold lasts max(hold_window, this fraction of the period).
  double hold_period_fraction = 0.0;
  // Anomaly likelihood (as Numenta's): how unusual the mean raw score of the last `short_window`
  // points is relative to the mean/std of raw scores over the last `long_window` points. Makes
  // scores comparable across series whose residuals have different tails. 0 = off.
  int long_window = 0;
  int short_window = 10;
  // > 0: scale by a tail of the past instead of the standard deviation: likelihood score =
  // (short mean - median) / (this quantile - median) of the last long_window raw scores, so a
  // series whose scores are often large (heavy tails) needs a proportionally larger one.
  double tail_quantile = 0.0;
  // The tail scaling starts once this many past scores are expected above the quantile
  // (count x (1 - q)); before, the standard deviation scales. 0 = from the 50th score.
  double tail_min_exceed = 0;
  bool tail_mix = false;  // with tail_quantile: geometric mean of the tail- and sd-scaled scores
  // > 0: after this many points, look for a seasonal period in the data itself (the lag of the
  // highest autocorrelation peak above 0.5, at least 4 and at most a third of the points) and, if
  // one is found, score with a seasonal scorer of that period from then on. Never derived from
  // the sampling interval. Until then the non-seasonal scorer runs alone.
  int auto_period_probe = 0;
  // > auto_period_probe: look again at 2x, 4x, ... the probe length up to this many points.
  // Without a period yet, the search is repeated on the longer history (cycles longer than a
  // third of the first probe); with one, a longer cycle that is a multiple of it (daily + weekly)
  // is looked for: a clear local peak of the autocorrelation at k x period (k >= 2), and if
  // found the seasonal scorer becomes multi-seasonal (MSTL) with both periods.
  // 0 = one look only.
  int period_probe_max = 0;
  // Variance/shape-change channel (0 = off): log of the mean absolute one-step residual of the
  // last `var_window` points, turned into a two-sided likelihood against its own long-run
  // distribution, weighted by var_weight and combined with the residual channel by max().
  double var_weight = 0.0;
  int var_window = 30;
  // Level-shift channel (0 = off): the mean of the last `shift_window` values (seasonal residuals
  // once a period is found) as a robust z against the median/MAD of the `shift_history` values
  // before them, turned into a likelihood like the other channels and weighted by shift_weight.
  // Catches drifts and shifts that a one-step predictor follows point by point.
  double shift_weight = 0.0;
  int shift_window = 10;
  int shift_history = 1000;
  // Pattern channel (0 = off), a nearest-neighbour detector of a different kind (as KNN-CAD): the
  // last `knn_dim` values as a vector, its mean distance to the `knn_k` nearest of the vectors
  // ending in the `knn_history` points before it (not overlapping it), turned into a likelihood
  // like the other channels and weighted by knn_weight. Catches shapes not seen before whose
  // points are each unremarkable.
  double knn_weight = 0.0;
  int knn_dim = 10;
  int knn_k = 5;
  int knn_history = 1000;
  bool knn_mean = false;  // combine as (1 - w) x residual + w x pattern instead of max()
  // Slow-level channel (0 = off; non-seasonal series only): a second scorer whose expected value
  // is the median of the last `slow_level_window` points, so a drift that the 10-point median
  // follows step by step still shows as a deviation; likelihood-normalised, weighted, max().
  double slow_weight = 0.0;
  int slow_level_window = 100;
  bool slow_seasonal = false;  // also once a period is found (off: the seasonal scorer alone)
  // > 0: a third scorer at this longer scale, with the slow channel's weight and its own
  // likelihood.
  int slow2_level_window = 0;
  // Rare-value channel (0 = off): how few of the last `rare_window` values lie within
  // rare_bandwidth x (their 95th - 5th percentile) of the current value, as -log of that
  // fraction, likelihood-normalised and weighted; catches a level the series has not visited.
  double rare_weight = 0.0;
  int rare_window = 2000;
  double rare_bandwidth = 0.05;
  // > 0: the residual likelihood is also computed over this shorter memory and the smaller of the
  // two is used, so a deviation must be unusual against both the recent and the longer past.
  int short_memory = 0;
  // Seasonal periods in points given by the caller (the daemon passes the job's
  // seasonal_periods / step). Not empty: the seasonal scorer runs with these periods (the first
  // the main one, the others extra: multi-seasonal) from the first point, fitting once it has
  // seen two cycles of the first, and no period search runs (auto_period_probe and
  // period_probe_max are ignored). Empty: the detector looks for a period in the data itself
  // (the backtest default). Each >= 2, all distinct.
  std::vector<int> periods;
};

// Lag in [min_lag, x.size() / 3] with the highest autocorrelation local peak above `threshold`,
// or 0 when there is none. Used by auto_period_probe; exposed for tests.
int DetectPeriod(std::span<const double> x, int min_lag = 4, double threshold = 0.5);

// Names accepted by MakeDetector(), the default first.
std::vector<std::string> DetectorNames();
Result<DetectorSpec> FindDetector(std::string_view name);

class StateCursor;  // detectors.cc: bounds-checked reader of a serialised state

class StreamingDetector {
 public:
  static Result<std::unique_ptr<StreamingDetector>> Create(const DetectorSpec& spec);
  // NAB anomaly score in [0, 1] for the next point (NaN input scores 0).
  double Next(double value);

  // State serialisation (for a daemon that must resume a series after a restart). Supported for
  // the residual, slow-level and rare-value channels, both likelihood memories, onset emphasis,
  // hold, the period search and fixed periods, i.e. every channel the default spec uses; the
  // optional variance, level-shift, pattern, range, jump (diff) and third-scale (slow2) channels
  // have none: CheckSerializable() names the first one `spec` enables.
  static Status CheckSerializable(const DetectorSpec& spec);
  // The whole state as a flat vector of doubles (layout in detectors.cc); an error when the spec
  // is not serialisable. Restore(spec, Serialize()) continues bit for bit as this detector would.
  Result<std::vector<double>> Serialize() const;
  // Rebuilds a detector from Serialize() output. `spec` must be the one the state was made with
  // (window sizes are checked); a truncated, corrupted or mismatched state is an error, never a
  // crash or an unbounded allocation.
  static Result<std::unique_ptr<StreamingDetector>> Restore(const DetectorSpec& spec,
                                                            std::span<const double> state);
  // Approximate heap bytes held now (grows to its bound within the first rare_window /
  // long_window points; the period-search history is freed after the last search).
  size_t MemoryBytes() const;

  double last_raw_score() const { return last_raw_; }
  int detected_period() const { return period_; }
  int detected_second_period() const { return second_period_; }

 private:
  // Running "anomaly likelihood" of one raw channel: z of the mean of the last `short` raw
  // values against the mean/std of the last `long` raw values (before the current one).
  struct Likelihood {
    void Init(int long_window, int short_window, double tail_quantile, bool mix, double min_exceed);
    double Next(double raw, bool two_sided);
    void Save(std::vector<double>* out) const;
    bool Load(StateCursor& in);
    std::vector<double> long_, short_;
    std::vector<double> sorted_;  // the long window in order (tail_quantile > 0 only)
    double tail_q = 0;
    bool tail_mix = false;
    double tail_min = 0;
    size_t long_pos = 0, long_count = 0, short_pos = 0, short_count = 0;
    double long_sum = 0, long_sq = 0, short_sum = 0;
  };
  StreamingDetector(const DetectorSpec& spec, CausalScorer level, CausalScorer diff);
  void Probe();
  void ProbeSecondPeriod();
  void StartSeasonal(int period, int second);
  CausalScorerParams SeasonalParams(int period, const std::vector<int>& extra) const;
  DetectorSpec spec_;
  CausalScorer level_;
  std::unique_ptr<CausalScorer> seasonal_;  // set once a period is detected
  int next_probe_ = 0;  // history length of the next period search, 0 = no more searches
  int period_ = 0;
  CausalScorer diff_;
  std::unique_ptr<CausalScorer> slow_, slow2_;
  Likelihood slow_lik_, slow2_lik_;
  double prev_ = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> recent_;  // ring of the last onset_window raw scores
  size_t recent_pos_ = 0;
  std::vector<double> recent_weight_;
  Likelihood knn_lik_;
  std::vector<double> knn_values_;  // the last knn_history + 2 * knn_dim finite values, in order
  std::vector<double> knn_dist_;    // scratch: distance to each past vector  // onset weight by age
                                    // (1 = newest), half-life decay
  double last_raw_ = 0;
  Likelihood level_lik_, var_lik_;
  std::vector<double> var_ring_;  // |one-step residual| of the last var_window points
  size_t var_pos_ = 0, var_count_ = 0;
  double var_sum_ = 0;
  std::vector<double> history_;  // values kept until the last period search
  Likelihood shift_lik_;
  std::vector<double> shift_ring_;  // last shift_history + shift_window channel inputs
  size_t shift_pos_ = 0, shift_count_ = 0;
  double shift_sum_ = 0, shift_median_ = 0, shift_mad_ = 0;
  int shift_since_ = 0;
  std::vector<double> shift_scratch_;
  int second_period_ = 0;
  int64_t seen_ = 0;
  int hold_left_ = 0;
  double min_seen_ = std::numeric_limits<double>::infinity();
  double max_seen_ = -std::numeric_limits<double>::infinity();
  int64_t finite_seen_ = 0;
  double hold_level_ = 0;
  Likelihood rare_lik_;
  std::vector<double> rare_ring_, rare_sorted_;
  size_t rare_pos_ = 0;
  Likelihood level_lik2_;  // the residual likelihood over short_memory points
};

}  // namespace streamlens::analysis
