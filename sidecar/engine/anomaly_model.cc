// Adapter: the causal anomaly scorer (sidecar/analysis/anomaly/causal_scorer.h) as a
// SeriesAnalysis.
//
// Mapping from the job config: seasonal_periods[0] / step -> period, the other seasonal periods
// -> extra_periods (multi-seasonal MSTL; a period with fewer than two cycles in the scorer's
// history stays out of the fit until enough has been seen), direction, band_sigmas -> band_z,
// min_dev_abs/min_dev_rel, warmup / step. The scorer keeps max(3 x the longest period, 1000
// points) of history (capped by the job's fit_window; its own ring buffer), so memory per series
// is about 8 bytes x (history + sum of periods).
//
// Persistence (alert-fatigue control, applied here on top of the scorer): with
// persistence {k, n}, a score above 1 is published as is only when at least k of the last n
// scores were above 1; otherwise it is capped at 1 (still visible, never "anomalous").
#include <algorithm>
#include <bit>
#include <cstdint>

#include "sidecar/engine/analysis_factory.h"
#include "sidecar/engine/state_io.h"

#ifdef STREAMLENS_HAVE_ANALYSIS_ANOMALY
#include "sidecar/analysis/anomaly/causal_scorer.h"

namespace streamlens::engine {
namespace {

namespace an = analysis;

class AnomalyModel final : public SeriesModel {
 public:
  AnomalyModel(an::CausalScorer scorer, int k, int n, uint64_t recent = 0)
      : scorer_(std::move(scorer)), k_(k), n_(n), recent_(recent) {}
  std::string model_name() const override {
    return scorer_.params().period > 0 ? "stl_causal" : "median_causal";
  }
  Status Update(const DenseSeries& p, SeriesOutput* out) override {
    scored_.resize(p.values.size());
    scorer_.Update(p.values, scored_);
    const uint64_t mask = n_ >= 64 ? ~uint64_t{0} : (uint64_t{1} << n_) - 1;
    for (size_t i = 0; i < scored_.size(); ++i) {
      const an::ScoredPoint& s = scored_[i];
      recent_ = ((recent_ << 1) | (s.score > 1 ? 1 : 0)) & mask;
      if (s.warming_up) continue;
      AnomalyPoint a;
      a.t_ms = p.start_ms + static_cast<int64_t>(i) * p.step_ms;
      a.y = s.y;
      a.yhat = s.yhat;
      a.yhat_lower = s.yhat_lower;
      a.yhat_upper = s.yhat_upper;
      a.score = s.score;
      if (a.score > 1 && std::popcount(recent_) < k_) a.score = 1;
      out->anomaly.push_back(a);
    }
    return Status::Ok();
  }
  void Save(std::string* out) const override {
    StateWriter w(out);
    w.U64(recent_);
    w.F64s(scorer_.Serialize());
  }
  size_t MemoryBytes() const override {
    const auto& p = scorer_.params();
    size_t hist = static_cast<size_t>(p.fit_window > 0 ? p.fit_window : 0);
    size_t periods = static_cast<size_t>(std::max(p.period, 0));
    for (int e : p.extra_periods) periods += static_cast<size_t>(e);
    return sizeof(*this) + 8 * (hist + periods * 2);
  }

 private:
  an::CausalScorer scorer_;
  int k_, n_;
  uint64_t recent_ = 0;
  std::vector<an::ScoredPoint> scored_;
};

class AnomalyAnalysis final : public SeriesAnalysis {
 public:
  AnomalyAnalysis(an::CausalScorerParams p, int k, int n) : p_(p), k_(k), n_(n) {}
  std::string_view kind() const override { return "anomaly"; }
  size_t MinHistory() const override {
    return p_.period > 0 ? static_cast<size_t>(2 * p_.period + 1) : 30;
  }
  Result<std::unique_ptr<SeriesModel>> Fit(const DenseSeries& h, SeriesOutput*) const override {
    auto s = an::CausalScorer::Create(p_);
    if (!s.ok()) return s.status();
    s->Fit(h.values);
    return std::unique_ptr<SeriesModel>(std::make_unique<AnomalyModel>(std::move(*s), k_, n_));
  }
  Result<std::unique_ptr<SeriesModel>> Load(std::string_view bytes) const override {
    StateReader r(bytes);
    uint64_t recent;
    std::vector<double> state;
    if (!r.U64(&recent) || !r.F64s(&state) || !r.done()) {
      return Status::Error("anomaly state: malformed");
    }
    auto s = an::CausalScorer::Restore(p_, state);
    if (!s.ok()) return s.status();
    return std::unique_ptr<SeriesModel>(
        std::make_unique<AnomalyModel>(std::move(*s), k_, n_, recent));
  }

 private:
  an::CausalScorerParams p_;
  int k_, n_;
};

}  // namespace

Result<std::unique_ptr<SeriesAnalysis>> MakeAnomalyAnalysis(const JobConfig& job) {
  const AnomalyConfig& a = job.anomaly;
  if (a.lag_like) {
    return Status::Error(
        "anomaly.lag_like: recurring-burst recognition is not available in this build");
  }
  an::CausalScorerParams p;
  const int64_t step = job.step.count();
  p.period =
      a.seasonal_periods.empty() ? 0 : static_cast<int>(a.seasonal_periods[0].count() / step);
  p.direction = a.direction == Direction::kAbove   ? an::Direction::kAbove
                : a.direction == Direction::kBelow ? an::Direction::kBelow
                                                   : an::Direction::kBoth;
  p.band_z = a.band_sigmas;
  p.min_abs_dev = a.min_dev_abs;
  p.min_rel_dev = a.min_dev_rel;
  p.warmup = static_cast<int>(a.warmup.count() / step);
  int longest = p.period;
  for (size_t i = 1; i < a.seasonal_periods.size(); ++i) {
    int e = static_cast<int>(a.seasonal_periods[i].count() / step);
    if (e == p.period) continue;
    p.extra_periods.push_back(e);
    longest = std::max(longest, e);
  }
  p.fit_window = p.period > 0 ? std::max(3 * longest, 1000) : 1000;
  // The job's fit window bounds what the scorer can be given.
  p.fit_window = std::min<int64_t>(p.fit_window, job.fit_window.count() / step);
  if (p.period > 0 && p.fit_window <= 2 * p.period) {
    return Status::Error("anomaly: fit_window must hold at least two seasonal periods");
  }
  if (auto s = an::CausalScorer::Create(p); !s.ok()) return s.status().WithContext("anomaly");
  return std::unique_ptr<SeriesAnalysis>(
      std::make_unique<AnomalyAnalysis>(p, a.persistence_k, a.persistence_n));
}

}  // namespace streamlens::engine

#else

namespace streamlens::engine {
Result<std::unique_ptr<SeriesAnalysis>> MakeAnomalyAnalysis(const JobConfig&) {
  return Status::Error("anomaly: the anomaly scoring library is not part of this build");
}
}  // namespace streamlens::engine

#endif
