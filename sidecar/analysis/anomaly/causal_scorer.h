// CausalScorer: streaming anomaly scores in the vmanomaly convention (0..1 normal, > 1 anomalous)
// with the expected value and band (yhat, yhat_lower, yhat_upper) for each new point.
//
// Model: for a seasonal series (period >= 2 given by the user; never guessed from the sampling
// interval), a robust STL of the recent history gives a per-phase seasonal profile, a trend level
// and slope (extrapolated, damped) and the residual spread (scaled MAD of the remainder). With
// `extra_periods` (e.g. period 1440 plus extra 10080 for minute data with daily and weekly
// cycles) the decomposition is a robust MSTL with periodic components and yhat adds one profile
// per period; a period with fewer than two full cycles in the history is left out of the fit until
// enough history has been seen (its profile stays 0 until then). Without a
// period the expected value is the median of the last `level_window` points and the spread is the
// scaled MAD of the one-step errors of that predictor. The spread is refitted every `refit_every`
// points from the last `fit_window` points; every score uses only points before it (causal).
//
// Score: half_band = max(band_z * spread, min_abs_dev, min_rel_dev * |yhat|);
// score = deviation in the watched direction / half_band, so the band edges score exactly 1.
//
// State (small and serialisable): the last `fit_window` values, the fitted model (level, slope,
// spread, `period` + sum(extra_periods) seasonal values) and two counters. Serialize() returns it
// as a flat vector of doubles (layout documented in causal_scorer.cc); Restore() rebuilds an
// identical scorer, so a daemon can persist scorers across restarts. Not thread-safe; one scorer
// per series.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "sidecar/analysis/stats/esd.h"  // Direction

namespace streamlens::analysis {

struct CausalScorerParams {
  int period = 0;  // seasonal period in points; 0 = no seasonality.
  // Further seasonal periods in points (each >= 2 and != period; needs period >= 2). Empty = the
  // single-period model. Multi-seasonal scoring costs about 2 x (1 + extras) robust STLs per refit.
  std::vector<int> extra_periods;
  Direction direction = Direction::kBoth;
  double band_z = 3.0;         // half band width in robust standard deviations (> 0).
  double min_abs_dev = 0.0;    // deviations smaller than this never score above 1.
  double min_rel_dev = 0.0;    // ... nor smaller than this fraction of |yhat|.
  int warmup = 0;              // points scored 0 after Fit (in addition to the model's own needs).
  int fit_window = 0;          // history kept; 0 = max(4 * period, 3 * largest extra period, 1000).
  int refit_every = 0;         // points between refits; 0 = period if seasonal, else 50.
  int level_window = 20;       // non-seasonal: median of this many last points is yhat (>= 1).
  double trend_damping = 0.5;  // seasonal: fraction of the fitted slope extrapolated (0..1).
};

struct ScoredPoint {
  double y = 0;
  double yhat = 0;
  double yhat_lower = 0;
  double yhat_upper = 0;
  double score = 0;  // 0..1 normal, > 1 anomalous; 0 while warming up.
  bool warming_up = true;
};

class CausalScorer {
 public:
  // Validates params (errors name the field and the expected range).
  static Result<CausalScorer> Create(const CausalScorerParams& params);
  // Rebuilds a scorer from Serialize() output; errors if the blob does not match `params`.
  static Result<CausalScorer> Restore(const CausalScorerParams& params,
                                      std::span<const double> state);

  // Replaces the history with `history` (oldest first; NaN points are skipped) and fits the model.
  void Fit(std::span<const double> history);
  // Scores each new point with the model fitted on the points before it, then learns from it.
  // NaN values (gaps) get score 0, yhat of the model, and are not learnt.
  void Update(std::span<const double> values, std::span<ScoredPoint> out);
  std::vector<ScoredPoint> Update(std::span<const double> values);

  std::vector<double> Serialize() const;
  const CausalScorerParams& params() const { return p_; }

 private:
  explicit CausalScorer(const CausalScorerParams& p);
  void Refit();
  double Expected() const;  // yhat for the next point
  void Push(double v);

  CausalScorerParams p_;
  // History ring buffer (capacity fit_window), oldest at head_.
  std::vector<double> ring_;
  size_t head_ = 0;
  size_t size_ = 0;
  int64_t seen_ = 0;       // points learnt since Fit (drives seasonal phase)
  int64_t since_fit_ = 0;  // points learnt since the last refit
  int64_t warm_left_ = 0;  // warm-up points still to go
  bool fitted_ = false;
  double level_ = 0, slope_ = 0, spread_ = 0;
  int64_t fit_at_ = 0;  // value of seen_ at the last refit
  // Seasonal profiles, one block per period (period first, then extra_periods in order), each
  // indexed by (seen_ mod that period).
  std::vector<double> profile_;
  std::vector<int> periods_;
  std::vector<double> scratch_;
  mutable std::vector<double> level_buf_;  // reused by Expected()
};

}  // namespace streamlens::analysis
