// Adapter: the forecast analysis (sidecar/analysis/forecast/) as a SeriesAnalysis.
//
// The job's grid is averaged into buckets of forecast.step (aligned to the last point), the
// model forecasts max(horizons) ahead, and each configured horizon publishes the step at that
// distance. Forecasts are recomputed at every refit (fit_every); between refits the published
// forecast keeps its origin, and time-to-threshold is reported from the origin (the publisher
// subtracts the time elapsed since). The model keeps no history between fits.
//
// forecast.extra_seasons adds further periods (e.g. weekly next to daily); each is used once the
// history holds two of it. With model auto and forecast.pooled (the default), every scheduled fit
// cycle first fits the pooled candidates (global_model.h) across the bucketed histories of all
// series refitted in it (the job's series on this shard), exactly as the offline `forecast`
// command does across its input, and each series' auto then validates them with its own
// candidates. Series fitted between scheduled cycles (new series) have no pooled candidates
// until the next one.
#include <algorithm>
#include <cmath>

#include "sidecar/engine/analysis_factory.h"
#include "common/binary_io.h"

#ifdef STREAMLENS_HAVE_ANALYSIS_FORECAST
#include "sidecar/analysis/forecast/forecast.h"
#include "sidecar/analysis/forecast/threshold.h"

namespace streamlens::engine {
namespace {

namespace fc = analysis::forecast;

class ForecastModel final : public SeriesModel {
 public:
  explicit ForecastModel(std::string name) : name_(std::move(name)) {}
  std::string model_name() const override { return name_; }
  Status Update(const DenseSeries&, SeriesOutput*) override { return Status::Ok(); }
  void Save(std::string* out) const override {
    StateWriter w(out);
    w.Str(name_);
  }
  size_t MemoryBytes() const override { return sizeof(*this) + name_.size(); }

 private:
  std::string name_;
};

class ForecastAnalysis final : public SeriesAnalysis {
 public:
  ForecastAnalysis(const JobConfig& job, fc::ModelKind kind)
      : cfg_(job.forecast), job_step_(job.step.count()), kind_(kind) {
    bucket_ = static_cast<size_t>(std::max<int64_t>(1, cfg_.step.count() / job_step_));
    season_ =
        cfg_.season.count() > 0 ? static_cast<int>(cfg_.season.count() / cfg_.step.count()) : 1;
    Duration longest{0};
    for (Duration h : cfg_.horizons) longest = std::max(longest, h);
    horizon_ = static_cast<int>(std::max<int64_t>(1, longest.count() / cfg_.step.count()));
    for (Duration e : cfg_.extra_seasons) {
      extra_seasons_.push_back(static_cast<int>(e.count() / cfg_.step.count()));
    }
    history_ = cfg_.fit_history.count() > 0
                   ? static_cast<size_t>(cfg_.fit_history.count() / job_step_)
                   : static_cast<size_t>(job.fit_window.count() / job_step_);
  }
  std::string_view kind() const override { return "forecast"; }
  size_t MinHistory() const override {
    return bucket_ * static_cast<size_t>(std::max(8, season_ > 1 ? 2 * season_ : 8));
  }

  Result<std::unique_ptr<SeriesModel>> Fit(const DenseSeries& h, SeriesOutput* out) const override {
    return FitWith(h, nullptr, out);
  }

  // Pooled candidates for `auto`: fitted across the job's series refitted in one scheduled cycle.
  bool SharesFit() const override { return kind_ == fc::ModelKind::kAuto && cfg_.pooled; }
  std::vector<double> Condense(const DenseSeries& h) const override { return Buckets(h); }
  Result<std::shared_ptr<const SharedFit>> FitShared(std::vector<std::vector<double>> condensed,
                                                     int threads) const override {
    size_t longest = 0;
    for (const auto& y : condensed) longest = std::max(longest, y.size());
    std::vector<std::span<const double>> spans(condensed.begin(), condensed.end());
    auto sets = fc::FitPooledModels(spans, Params(longest), threads);
    if (!sets.ok()) return sets.status().WithContext("pooled forecast models");
    auto pooled = std::make_shared<PooledFit>();
    pooled->sets = std::move(*sets);  // coefficients and residual quantiles only
    return std::shared_ptr<const SharedFit>(std::move(pooled));
  }

  Result<std::unique_ptr<SeriesModel>> FitWith(const DenseSeries& h, const SharedFit* shared,
                                               SeriesOutput* out) const override {
    std::vector<double> y = Buckets(h);
    if (y.size() < 8) return Status::Error("forecast: too little history");
    fc::ForecastParams p = Params(y.size());
    if (const auto* pooled = dynamic_cast<const PooledFit*>(shared)) p.global = pooled->sets;
    auto f = fc::ForecastSeries(y, p);
    if (!f.ok()) return f.status();
    const fc::Forecast& r = *f;
    size_t widest = 0;
    for (size_t i = 0; i < r.intervals.size(); ++i) {
      if (r.intervals[i].level > r.intervals[widest].level) widest = i;
    }
    SeriesForecast& sf = out->forecast;
    sf = SeriesForecast();
    sf.origin_ms = h.end_ms();
    const int64_t fstep = cfg_.step.count();
    for (Duration hz : cfg_.horizons) {
      size_t idx = static_cast<size_t>(std::max<int64_t>(1, hz.count() / fstep)) - 1;
      if (idx >= r.mean.size()) continue;
      HorizonForecast hf;
      hf.horizon = FormatDuration(hz);
      hf.horizon_ms = hz.count();
      hf.yhat = r.mean[idx];
      hf.yhat_lower = r.intervals.empty() ? hf.yhat : r.intervals[widest].lower[idx];
      hf.yhat_upper = r.intervals.empty() ? hf.yhat : r.intervals[widest].upper[idx];
      sf.horizons.push_back(std::move(hf));
    }
    // Time to threshold and breach probability per horizon (threshold.h); "not within the
    // horizon" stays a state (crosses = false), never a number.
    const double last = h.values.back();
    for (const auto& tc : cfg_.thresholds) {
      ThresholdForecast t;
      t.threshold = tc.label;
      t.value = tc.value;
      fc::ThresholdParams tp;
      tp.threshold = tc.value;
      tp.direction = tc.above ? fc::ThresholdDirection::kAbove : fc::ThresholdDirection::kBelow;
      tp.step_seconds = static_cast<double>(fstep) / 1000.0;
      auto whole = fc::TimeToThreshold(r, last, tp);
      if (!whole.ok()) return whole.status().WithContext("time to threshold");
      if (whole->seconds_to_cross.has_value()) {
        t.crosses = true;
        t.seconds = *whole->seconds_to_cross;
      }
      for (Duration hz : cfg_.horizons) {
        size_t upto = std::min<size_t>(r.mean.size(), std::max<int64_t>(1, hz.count() / fstep));
        fc::Forecast part;
        part.mean.assign(r.mean.begin(), r.mean.begin() + static_cast<ptrdiff_t>(upto));
        part.sd.assign(r.sd.begin(),
                       r.sd.begin() + static_cast<ptrdiff_t>(std::min(upto, r.sd.size())));
        auto c = fc::TimeToThreshold(part, last, tp);
        t.probability.push_back(c.ok() ? std::clamp(c->probability_within_horizon, 0.0, 1.0) : 0.0);
      }
      sf.thresholds.push_back(std::move(t));
    }
    out->has_forecast = true;
    return std::unique_ptr<SeriesModel>(std::make_unique<ForecastModel>(r.model));
  }

  Result<std::unique_ptr<SeriesModel>> Load(std::string_view bytes) const override {
    StateReader r(bytes);
    std::string name;
    if (!r.Str(&name) || !r.done()) return Status::Error("forecast state: malformed");
    return std::unique_ptr<SeriesModel>(std::make_unique<ForecastModel>(std::move(name)));
  }

 private:
  struct PooledFit final : SharedFit {
    std::vector<fc::GlobalModelSet> sets;
  };

  // The history (at most fit_history) averaged into buckets of forecast.step, aligned to the
  // last point.
  std::vector<double> Buckets(const DenseSeries& h) const {
    std::span<const double> v = h.values;
    if (v.size() > history_) v = v.subspan(v.size() - history_);
    const size_t nb = v.size() / bucket_;
    std::vector<double> y(nb);
    const size_t off = v.size() - nb * bucket_;
    for (size_t b = 0; b < nb; ++b) {
      double s = 0;
      for (size_t k = 0; k < bucket_; ++k) s += v[off + b * bucket_ + k];
      y[b] = s / static_cast<double>(bucket_);
    }
    return y;
  }

  // Model parameters for a bucketed history of nb points: a period is used only when the
  // history holds two of it.
  fc::ForecastParams Params(size_t nb) const {
    fc::ForecastParams p;
    p.horizon = horizon_;
    p.season = season_ > 1 && nb >= static_cast<size_t>(2 * season_) ? season_ : 1;
    for (int e : extra_seasons_) {
      if (e != p.season && nb >= static_cast<size_t>(2 * e)) p.extra_seasons.push_back(e);
    }
    p.model = kind_;
    p.levels.clear();
    for (double l : cfg_.levels) p.levels.push_back(l / 100.0);
    return p;
  }

  ForecastConfig cfg_;
  int64_t job_step_;
  fc::ModelKind kind_;
  size_t bucket_ = 1;
  int season_ = 1;
  std::vector<int> extra_seasons_;
  int horizon_ = 1;
  size_t history_ = 0;
};

}  // namespace

Result<std::unique_ptr<SeriesAnalysis>> MakeForecastAnalysis(const JobConfig& job) {
  auto kind = fc::ParseModelKind(job.forecast.model);
  if (!kind.ok()) return kind.status();
  return std::unique_ptr<SeriesAnalysis>(std::make_unique<ForecastAnalysis>(job, *kind));
}

}  // namespace streamlens::engine

#else

namespace streamlens::engine {
Result<std::unique_ptr<SeriesAnalysis>> MakeForecastAnalysis(const JobConfig&) {
  return Status::Error("forecast: the forecasting library is not part of this build");
}
}  // namespace streamlens::engine

#endif
