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
// anomaly.likelihood: each series also runs the NAB detector (analysis/anomaly/detectors.h), the
// exact spec `streamlens-sidecar backtest` runs by default, with the job's seasonal periods / step
// as its periods (none: it searches the data, as in the backtest). It sees every grid point the
// scorer sees, in order and each exactly once (tracked by timestamp): a new series is primed with
// its fit history point by point, a refit inherits the running detector (rings, memories, hold,
// period search) and feeds it only the history points it has not seen, and its state is saved
// with the model. Its output for each published point is AnomalyPoint::likelihood
// (streamlens_anomaly_likelihood); persistence and the burst filter do not touch it.
//
// Persistence (alert-fatigue control, applied here on top of the scorer): with
// persistence {k, n}, a score above 1 is published as is only when at least k of the last n
// scores were above 1; otherwise it is capped at 1 (still visible, never "anomalous").
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "sidecar/engine/analysis_factory.h"
#include "common/binary_io.h"

#ifdef STREAMLENS_HAVE_ANALYSIS_ANOMALY
#include "sidecar/analysis/anomaly/alert_filter.h"
#include "sidecar/analysis/anomaly/causal_scorer.h"
#include "sidecar/analysis/anomaly/detectors.h"

namespace streamlens::engine {
namespace {

namespace an = analysis;

// Recurring-burst memory (lag_like): the RecurringBurstFilter with its state saved as
// (clock, current episode start, remembered episodes) for --storage.path.
class BurstMemory {
 public:
  static Result<BurstMemory> Create(const an::BurstParams& p) {
    auto f = an::RecurringBurstFilter::Create(p);
    if (!f.ok()) return f.status();
    return BurstMemory(p, std::move(*f));
  }
  // Same contract as RecurringBurstFilter::Push.
  bool Push(double score) { return filter_.Push(score); }
  void Save(StateWriter& w) const {
    const an::RecurringBurstFilter::State st = filter_.state();
    w.I64(st.t);
    w.I64(st.start);
    w.U64(st.episodes.size());
    for (const auto& e : st.episodes) {
      w.I64(e.phase);
      w.I64(e.duration);
    }
  }
  // Replaces the filter with the one saved by Save(); false on a malformed or inconsistent blob.
  bool Load(StateReader& r) {
    an::RecurringBurstFilter::State st;
    uint64_t n;
    if (!r.I64(&st.t) || !r.I64(&st.start) || !r.U64(&n) || n > 100000) return false;
    st.episodes.resize(n);
    for (auto& e : st.episodes) {
      if (!r.I64(&e.phase) || !r.I64(&e.duration)) return false;
    }
    auto f = an::RecurringBurstFilter::Restore(p_, std::move(st));
    if (!f.ok()) return false;
    filter_ = std::move(*f);
    return true;
  }
  size_t MemoryBytes() const {  // bound: `memory` remembered episodes
    return sizeof(*this) +
           static_cast<size_t>(p_.memory) * sizeof(an::RecurringBurstFilter::Episode);
  }

 private:
  BurstMemory(const an::BurstParams& p, an::RecurringBurstFilter f)
      : p_(p), filter_(std::move(f)) {}
  an::BurstParams p_;
  an::RecurringBurstFilter filter_;
};

// The NAB detector of one series (anomaly.likelihood) and the time of the last grid point it
// consumed, so a refit that hands it history it has already seen does not feed it twice.
class LikelihoodTrack {
 public:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::min();
  explicit LikelihoodTrack(std::unique_ptr<an::StreamingDetector> d, int64_t last_t = kNone)
      : det_(std::move(d)), last_t_(last_t) {}
  // Feeds the points of `p` after the last one consumed; out[i] (if given) receives point i's
  // output, NaN for points consumed before.
  void Feed(const DenseSeries& p, double* out) {
    for (size_t i = 0; i < p.values.size(); ++i) {
      const int64_t t = p.start_ms + static_cast<int64_t>(i) * p.step_ms;
      double v = std::numeric_limits<double>::quiet_NaN();
      if (t > last_t_) {
        v = det_->Next(p.values[i]);
        last_t_ = t;
      }
      if (out) out[i] = v;
    }
  }
  void Save(StateWriter& w) const {
    w.I64(last_t_);
    auto st = det_->Serialize();
    w.F64s(st.ok() ? *st : std::vector<double>{});  // ok: the analysis accepts only such specs
  }
  static Result<LikelihoodTrack> Load(const an::DetectorSpec& spec, StateReader& r) {
    int64_t last_t;
    std::vector<double> st;
    if (!r.I64(&last_t) || !r.F64s(&st)) return Status::Error("truncated likelihood detector");
    auto d = an::StreamingDetector::Restore(spec, st);
    if (!d.ok()) return d.status();
    return LikelihoodTrack(std::move(*d), last_t);
  }
  size_t MemoryBytes() const { return sizeof(*this) + det_->MemoryBytes(); }

 private:
  std::unique_ptr<an::StreamingDetector> det_;
  int64_t last_t_;
};

class AnomalyModel final : public SeriesModel {
 public:
  AnomalyModel(an::CausalScorer scorer, int k, int n, uint64_t recent,
               std::optional<BurstMemory> bursts, std::optional<LikelihoodTrack> lik = {})
      : scorer_(std::move(scorer)),
        k_(k),
        n_(n),
        recent_(recent),
        bursts_(std::move(bursts)),
        lik_(std::move(lik)) {}
  // A freshly fitted model keeps a copy of its fit history until Inherit or LearnFromHistory
  // (or the first Update) hands it to the detector.
  void KeepHistoryForDetector(const DenseSeries& h) {
    pending_.assign(h.values.begin(), h.values.end());
    pending_start_ms_ = h.start_ms;
    pending_step_ms_ = h.step_ms;
  }
  std::string model_name() const override {
    return scorer_.params().period > 0 ? "stl_causal" : "median_causal";
  }
  Status Update(const DenseSeries& p, SeriesOutput* out) override {
    scored_.resize(p.values.size());
    scorer_.Update(p.values, scored_);
    if (lik_) {
      FeedPending();
      lik_out_.resize(p.values.size());
      lik_->Feed(p, lik_out_.data());
    }
    // Likelihood of an emitted point: the max of the detector's outputs since the last point
    // emitted by the previous call (carried across calls), so the one point a cycle publishes
    // (the last) does not hide an alarm at an earlier point of the cycle (outputs are 0 except
    // at onsets). With one new point per cycle it is that point's own output. NaN outputs are
    // points the detector had already consumed; with nothing new the last value is kept.
    double cum = lik_carry_, after_last = kNaN;
    bool emitted = false;
    const uint64_t mask = n_ >= 64 ? ~uint64_t{0} : (uint64_t{1} << n_) - 1;
    for (size_t i = 0; i < scored_.size(); ++i) {
      const an::ScoredPoint& s = scored_[i];
      if (lik_) {
        cum = std::fmax(cum, lik_out_[i]);
        after_last = std::fmax(after_last, lik_out_[i]);
      }
      recent_ = ((recent_ << 1) | (s.score > 1 ? 1 : 0)) & mask;
      // The burst memory sees every point (warm-up included) so its clock stays on the grid.
      const bool burst_alerts = bursts_ ? bursts_->Push(s.warming_up ? 0 : s.score) : true;
      if (s.warming_up) continue;
      AnomalyPoint a;
      a.t_ms = p.start_ms + static_cast<int64_t>(i) * p.step_ms;
      a.y = s.y;
      a.yhat = s.yhat;
      a.yhat_lower = s.yhat_lower;
      a.yhat_upper = s.yhat_upper;
      a.score = s.score;
      if (a.score > 1 && (std::popcount(recent_) < k_ || !burst_alerts)) a.score = 1;
      if (lik_) {
        if (!std::isnan(cum)) lik_last_ = cum;
        a.likelihood = lik_last_;
        after_last = kNaN;
        emitted = true;
      }
      out->anomaly.push_back(a);
    }
    lik_carry_ = emitted ? after_last : cum;  // outputs after the last emitted point wait
    return Status::Ok();
  }
  void Inherit(SeriesModel& previous) override {
    auto* old = dynamic_cast<AnomalyModel*>(&previous);
    if (!old) return;
    recent_ = old->recent_;
    if (bursts_ && old->bursts_) bursts_ = std::move(old->bursts_);
    // The running detector outlives the refit; it then consumes the part of the new fit history
    // it has not seen (none when the previous cycle ended where this history ends).
    if (lik_ && old->lik_) {
      lik_ = std::move(old->lik_);
      lik_carry_ = old->lik_carry_;
      lik_last_ = old->lik_last_;
      FeedPending(/*live=*/true);
    } else {
      FeedPending();
    }
  }
  // A fresh burst memory learns the usual bursts from the history, so the first usual burst
  // after a start without saved state does not alert: a second scorer with the same parameters
  // is fitted on the first two periods and scores the rest causally, exactly as the live path
  // would have, and every score goes through the memory, whose clock then ends where the live
  // points continue. One causal pass over the history (a refit per period), once per series.
  void LearnFromHistory(const DenseSeries& history) override {
    FeedPending();  // a new detector is primed with the whole fit history, point by point
    if (!bursts_) return;
    const an::CausalScorerParams& p = scorer_.params();
    const size_t warm = static_cast<size_t>(2 * p.period + 1);
    if (history.values.size() < warm + static_cast<size_t>(p.period)) return;
    auto primer = an::CausalScorer::Create(p);
    if (!primer.ok()) return;
    primer->Fit(history.values.first(warm));
    for (size_t i = 0; i < warm; ++i) (void)bursts_->Push(0);
    scored_.resize(history.values.size() - warm);
    primer->Update(history.values.subspan(warm), scored_);
    for (const an::ScoredPoint& sp : scored_) (void)bursts_->Push(sp.warming_up ? 0 : sp.score);
  }
  void Save(std::string* out) const override {
    StateWriter w(out);
    w.U64(recent_);
    w.F64s(scorer_.Serialize());
    if (bursts_) bursts_->Save(w);
    if (lik_) lik_->Save(w);
  }
  size_t MemoryBytes() const override {
    const auto& p = scorer_.params();
    size_t hist = static_cast<size_t>(p.fit_window > 0 ? p.fit_window : 0);
    size_t periods = static_cast<size_t>(std::max(p.period, 0));
    for (int e : p.extra_periods) periods += static_cast<size_t>(e);
    return sizeof(*this) + 8 * (hist + periods * 2) + (bursts_ ? bursts_->MemoryBytes() : 0) +
           (lik_ ? lik_->MemoryBytes() : 0) + 8 * pending_.capacity();
  }

 private:
  // Gives the kept fit history to the detector. At a refit (`live`) the points it had not seen
  // are live points no cycle published yet: their max is carried into the next published value.
  void FeedPending(bool live = false) {
    if (pending_.empty()) return;
    if (lik_) {
      lik_out_.resize(pending_.size());
      lik_->Feed(DenseSeries{pending_start_ms_, pending_step_ms_, pending_}, lik_out_.data());
      if (live) {
        for (double v : lik_out_) lik_carry_ = std::fmax(lik_carry_, v);
      }
    }
    pending_.clear();
    pending_.shrink_to_fit();
  }

  an::CausalScorer scorer_;
  int k_, n_;
  uint64_t recent_ = 0;
  std::optional<BurstMemory> bursts_;
  std::optional<LikelihoodTrack> lik_;
  std::vector<double> pending_;  // fit history not yet given to the detector
  int64_t pending_start_ms_ = 0, pending_step_ms_ = 0;
  std::vector<an::ScoredPoint> scored_;
  std::vector<double> lik_out_;
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  double lik_carry_ = kNaN;  // max of the detector's outputs not yet given to a point
  double lik_last_ = kNaN;   // the last value given to a point
};

class AnomalyAnalysis final : public SeriesAnalysis {
 public:
  AnomalyAnalysis(an::CausalScorerParams p, int k, int n, std::optional<an::BurstParams> burst,
                  std::optional<an::DetectorSpec> likelihood)
      : p_(p), k_(k), n_(n), burst_(burst), likelihood_(std::move(likelihood)) {}
  std::string_view kind() const override { return "anomaly"; }
  size_t MinHistory() const override {
    return p_.period > 0 ? static_cast<size_t>(2 * p_.period + 1) : 30;
  }
  Result<std::unique_ptr<SeriesModel>> Fit(const DenseSeries& h, SeriesOutput*) const override {
    auto s = an::CausalScorer::Create(p_);
    if (!s.ok()) return s.status();
    s->Fit(h.values);
    std::optional<BurstMemory> bursts;
    if (burst_) {
      auto b = BurstMemory::Create(*burst_);
      if (!b.ok()) return b.status();
      bursts.emplace(std::move(*b));
    }
    std::optional<LikelihoodTrack> lik;
    if (likelihood_) {
      auto d = an::StreamingDetector::Create(*likelihood_);
      if (!d.ok()) return d.status().WithContext("anomaly.likelihood");
      lik.emplace(std::move(*d));
    }
    auto m =
        std::make_unique<AnomalyModel>(std::move(*s), k_, n_, 0, std::move(bursts), std::move(lik));
    if (likelihood_) m->KeepHistoryForDetector(h);
    return std::unique_ptr<SeriesModel>(std::move(m));
  }
  Result<std::unique_ptr<SeriesModel>> Load(std::string_view bytes) const override {
    StateReader r(bytes);
    uint64_t recent;
    std::vector<double> state;
    if (!r.U64(&recent) || !r.F64s(&state)) return Status::Error("anomaly state: malformed");
    std::optional<BurstMemory> bursts;
    if (burst_) {
      auto b = BurstMemory::Create(*burst_);
      if (!b.ok()) return b.status();
      if (!b->Load(r)) return Status::Error("anomaly state: malformed burst memory");
      bursts.emplace(std::move(*b));
    }
    std::optional<LikelihoodTrack> lik;
    if (likelihood_) {
      auto t = LikelihoodTrack::Load(*likelihood_, r);
      if (!t.ok()) return t.status().WithContext("anomaly state: likelihood");
      lik.emplace(std::move(*t));
    }
    if (!r.done()) return Status::Error("anomaly state: trailing bytes");
    auto s = an::CausalScorer::Restore(p_, state);
    if (!s.ok()) return s.status();
    return std::unique_ptr<SeriesModel>(std::make_unique<AnomalyModel>(
        std::move(*s), k_, n_, recent, std::move(bursts), std::move(lik)));
  }

 private:
  an::CausalScorerParams p_;
  int k_, n_;
  std::optional<an::BurstParams> burst_;
  std::optional<an::DetectorSpec> likelihood_;
};

}  // namespace

Result<std::unique_ptr<SeriesAnalysis>> MakeAnomalyAnalysis(const JobConfig& job) {
  const AnomalyConfig& a = job.anomaly;
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
  std::optional<an::BurstParams> burst;
  if (a.lag_like) {
    if (p.period < 2) {
      return Status::Error(
          "anomaly.lag_like: needs a seasonal period (bursts recur at the same time of it)");
    }
    an::BurstParams b;
    b.period = p.period;
    b.phase_tolerance = static_cast<int>(a.burst_phase_tolerance.count() / step);
    b.min_occurrences = a.burst_min_occurrences;
    b.recovery_slack = a.burst_recovery_slack;
    b.memory = a.burst_memory;
    if (auto f = an::RecurringBurstFilter::Create(b); !f.ok()) {
      return f.status().WithContext("anomaly.lag_like");
    }
    burst = b;
  }
  std::optional<an::DetectorSpec> likelihood;
  if (a.likelihood) {
    auto spec = an::FindDetector(an::DetectorNames().front());  // what `backtest` runs
    if (!spec.ok()) return spec.status().WithContext("anomaly.likelihood");
    if (p.period > 0) {
      spec->periods.push_back(p.period);
      spec->periods.insert(spec->periods.end(), p.extra_periods.begin(), p.extra_periods.end());
    }
    if (Status st = an::StreamingDetector::CheckSerializable(*spec); !st.ok()) {
      return st.WithContext("anomaly.likelihood");
    }
    if (auto d = an::StreamingDetector::Create(*spec); !d.ok()) {
      return d.status().WithContext("anomaly.likelihood");
    }
    likelihood = std::move(*spec);
  }
  return std::unique_ptr<SeriesAnalysis>(std::make_unique<AnomalyAnalysis>(
      p, a.persistence_k, a.persistence_n, burst, std::move(likelihood)));
}

}  // namespace streamlens::engine

#else

namespace streamlens::engine {
Result<std::unique_ptr<SeriesAnalysis>> MakeAnomalyAnalysis(const JobConfig&) {
  return Status::Error("anomaly: the anomaly scoring library is not part of this build");
}
}  // namespace streamlens::engine

#endif
