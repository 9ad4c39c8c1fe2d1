// Adapter: streamlens' anomaly detector (sidecar/analysis/anomaly/detector.h) as a SeriesAnalysis,
// so the daemon pages on exactly what `streamlens-sidecar backtest` measures.
//
// The detector is online: a series' detector is created once (a new series, or a start without
// saved state), primed with the whole fit history point by point, and then fed every new grid
// point, exactly once each (tracked by timestamp). Scheduled refits do not replace it
// (RefitsOnSchedule() is false): the engine hands the running model the fetched points and it
// consumes those after the last one it saw. Priming scores the history causally, so the first
// cycle after a start publishes what a sidecar that had been running all along would publish
// (and the score history of the JSON API is filled from it). Gaps in the grid (NaN) are neither
// scored nor learnt.
//
// Mapping from the job config: anomaly.seasonal_periods -> the detector's periods (empty: the
// clock's hour/day/week, each used only while the data confirm it), direction, sensitivity,
// min_duration, min_dev_abs/min_dev_rel, warmup, and `detector` (a "key=value,..." spec applied
// last, for settings the job keys do not name).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "common/binary_io.h"
#include "sidecar/analysis/anomaly/detector.h"
#include "sidecar/engine/analysis_factory.h"

namespace streamlens::engine {
namespace {

namespace an = analysis;

constexpr int64_t kNone = std::numeric_limits<int64_t>::min();

// The `model` label: what the latest point was compared with.
std::string ModelName(const an::Detector& d, bool warming_up) {
  if (warming_up) return "warming_up";
  const int64_t p = d.active_period_ms();
  if (p == 0) return "level";
  return "envelope_" + FormatDuration(std::chrono::milliseconds(p));
}

class AnomalyModel final : public SeriesModel {
 public:
  AnomalyModel(std::unique_ptr<an::Detector> d, int64_t last_t)
      : det_(std::move(d)), last_t_(last_t) {}
  void Describe(SeriesOutput* out) const override {
    out->anomaly_model = ModelName(*det_, warming_up_);
  }
  Status Update(const DenseSeries& p, SeriesOutput* out) override {
    for (size_t i = 0; i < p.values.size(); ++i) {
      const int64_t t = p.start_ms + static_cast<int64_t>(i) * p.step_ms;
      if (t <= last_t_) continue;
      last_t_ = t;
      const an::DetectorPoint d = det_->Next(t, p.values[i]);
      if (!d.scored) continue;
      AnomalyPoint a;
      a.t_ms = t;
      a.y = d.y;
      a.yhat = d.yhat;
      a.yhat_lower = d.yhat_lower;
      a.yhat_upper = d.yhat_upper;
      a.score = d.score;
      a.warming_up = warming_up_ = d.warming_up;
      out->anomaly.push_back(a);
    }
    return Status::Ok();
  }
  void Save(std::string* out) const override {
    StateWriter w(out);
    w.I64(last_t_);
    w.Str(det_->Serialize());
  }
  size_t MemoryBytes() const override { return sizeof(*this) + det_->MemoryBytes(); }

 private:
  std::unique_ptr<an::Detector> det_;
  int64_t last_t_;
  bool warming_up_ = true;
};

class AnomalyAnalysis final : public SeriesAnalysis {
 public:
  explicit AnomalyAnalysis(an::DetectorSpec spec) : spec_(std::move(spec)) {}
  std::string_view kind() const override { return "anomaly"; }
  size_t MinHistory() const override { return 1; }
  bool RefitsOnSchedule() const override { return false; }
  Result<std::unique_ptr<SeriesModel>> Fit(const DenseSeries& h, SeriesOutput* out) const override {
    auto d = an::Detector::Create(spec_);
    if (!d.ok()) return d.status();
    auto m = std::make_unique<AnomalyModel>(std::move(*d), kNone);
    Status s = m->Update(h, out);  // primes the detector and scores the history causally
    if (!s.ok()) return s;
    return std::unique_ptr<SeriesModel>(std::move(m));
  }
  Result<std::unique_ptr<SeriesModel>> Load(std::string_view bytes) const override {
    StateReader r(bytes);
    int64_t last_t;
    std::string state;
    if (!r.I64(&last_t) || !r.Str(&state) || !r.done()) {
      return Status::Error("anomaly state: malformed");
    }
    auto d = an::Detector::Restore(spec_, state);
    if (!d.ok()) return d.status();
    return std::unique_ptr<SeriesModel>(std::make_unique<AnomalyModel>(std::move(*d), last_t));
  }

 private:
  an::DetectorSpec spec_;
};

}  // namespace

Result<analysis::DetectorSpec> DetectorSpecFor(const JobConfig& job) {
  const AnomalyConfig& a = job.anomaly;
  an::DetectorSpec s;
  for (Duration p : a.seasonal_periods) s.periods_ms.push_back(p.count());
  s.direction = a.direction == Direction::kAbove   ? an::Direction::kAbove
                : a.direction == Direction::kBelow ? an::Direction::kBelow
                                                   : an::Direction::kBoth;
  if (a.sensitivity > 0) s.sensitivity = a.sensitivity;
  s.min_duration_ms = a.min_duration.count();
  s.min_abs_dev = a.min_dev_abs;
  s.min_rel_dev = a.min_dev_rel;
  if (a.warmup.count() > 0) s.warmup_ms = a.warmup.count();
  auto spec = an::ParseDetectorSpec(a.detector, s);
  if (!spec.ok()) return spec.status().WithContext("anomaly.detector");
  return spec;
}

Result<std::unique_ptr<SeriesAnalysis>> MakeAnomalyAnalysis(const JobConfig& job) {
  auto spec = DetectorSpecFor(job);
  if (!spec.ok()) return spec.status();
  return std::unique_ptr<SeriesAnalysis>(std::make_unique<AnomalyAnalysis>(std::move(*spec)));
}

}  // namespace streamlens::engine
