// Adapter: the forecast analysis (sidecar/analysis/forecast/) as a SeriesAnalysis.
//
// A refit (fit_every) averages the job's grid into buckets of forecast.step (aligned to the last
// point; gaps are left out of a bucket's mean and a bucket with no point is bridged linearly for
// the model), and the model forecasts max(horizons) ahead; each bucket's mean (fitted or
// forecast) stands at the middle of its bucket. Between refits every cycle's new points
// update that forecast (updating_forecast.h: re-anchored on the observed level and extended along
// a trend the new points show), and the forecast of each configured horizon, the time to each
// threshold (searched at the job's step), the breach probability within each horizon and whether
// the latest observation is already beyond the threshold are recomputed from the latest point, so
// the time to an SLA breach moves with the data. A refit only re-estimates the model.
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
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/binary_io.h"
#include "common/duration.h"
#include "sidecar/analysis/forecast/forecast.h"
#include "sidecar/analysis/forecast/threshold.h"
#include "sidecar/analysis/forecast/updating_forecast.h"
#include "sidecar/engine/analysis_factory.h"

namespace streamlens::engine {
namespace {

namespace fc = analysis::forecast;

// What a forecast publishes, shared by the analysis and its models.
struct PublishSpec {
  std::vector<Duration> horizons;
  std::vector<ThresholdConfig> thresholds;
  int64_t resolution_ms = 60'000;  // the job's step: where crossings are searched
  fc::UpdateParams update;
};

class ForecastModel final : public SeriesModel {
 public:
  ForecastModel(std::string name, fc::UpdatingForecast f, std::shared_ptr<const PublishSpec> pub)
      : name_(std::move(name)), f_(std::move(f)), pub_(std::move(pub)) {}
  void Describe(SeriesOutput* out) const override { out->forecast_model = name_; }
  // The updates had to move the fitted path beyond its own uncertainty (UpdatingForecast::
  // Drifted): the engine refits before the schedule.
  bool Drifted() const override { return f_.Drifted(); }
  // Every new point updates the forecast; the output is recomputed from the latest one.
  Status Update(const DenseSeries& p, SeriesOutput* out) override {
    const int64_t before = f_.latest_ms();
    for (size_t i = 0; i < p.values.size(); ++i) {
      f_.Observe(p.start_ms + static_cast<int64_t>(i) * p.step_ms, p.values[i]);
    }
    if (f_.latest_ms() != before || !out->has_forecast) Publish(out);
    return Status::Ok();
  }
  void Publish(SeriesOutput* out) const {
    SeriesForecast& sf = out->forecast;
    sf = SeriesForecast();
    sf.origin_ms = f_.latest_ms();
    std::vector<int64_t> horizons;
    for (Duration hz : pub_->horizons) {
      const fc::ForecastPoint fp = f_.At(hz.count());
      HorizonForecast hf;
      hf.horizon = FormatDuration(hz);
      hf.horizon_ms = hz.count();
      hf.yhat = fp.mean;
      hf.yhat_lower = fp.lower;
      hf.yhat_upper = fp.upper;
      sf.horizons.push_back(std::move(hf));
      horizons.push_back(hz.count());
    }
    for (const auto& tc : pub_->thresholds) {
      const fc::ThresholdAnswer a = f_.Threshold(tc.value, tc.above, pub_->resolution_ms, horizons);
      ThresholdForecast t;
      t.threshold = tc.label;
      t.value = tc.value;
      t.breached = a.breached;
      t.crosses = a.crosses;
      t.seconds = a.seconds;
      t.probability = a.probability;
      sf.thresholds.push_back(std::move(t));
    }
    out->has_forecast = true;
  }
  void Save(std::string* out) const override {
    StateWriter w(out);
    w.Str(name_);
    f_.Save(w);
  }
  size_t MemoryBytes() const override {
    return sizeof(*this) - sizeof(f_) + f_.MemoryBytes() + name_.size();
  }

 private:
  std::string name_;
  fc::UpdatingForecast f_;
  std::shared_ptr<const PublishSpec> pub_;
};

class ForecastAnalysis final : public SeriesAnalysis {
 public:
  ForecastAnalysis(const JobConfig& job, fc::ModelKind kind)
      : cfg_(job.forecast), job_step_(job.step.count()), kind_(kind) {
    auto pub = std::make_shared<PublishSpec>();
    pub->horizons = cfg_.horizons;
    pub->thresholds = cfg_.thresholds;
    pub->resolution_ms = job_step_;
    pub->update.window_ms = cfg_.update_window.count();
    // A series that follows its model raises a false drift alarm about once per scheduled refit,
    // so early refits for noise at most double the refit cost of a well-described series.
    pub->update.drift_alarm_every_ms = std::max<int64_t>(1, job.fit_every.count());
    pub->update.threshold_basis = cfg_.threshold_basis == "trend" ? fc::ThresholdBasis::kTrend
                                                                  : fc::ThresholdBasis::kForecast;
    pub_ = std::move(pub);
    bucket_ = static_cast<size_t>(std::max<int64_t>(1, cfg_.step.count() / job_step_));
    season_ =
        cfg_.season.count() > 0 ? static_cast<int>(cfg_.season.count() / cfg_.step.count()) : 1;
    Duration longest{0};
    for (Duration h : cfg_.horizons) longest = std::max(longest, h);
    // The path reaches the longest horizon from every observation until the next refit.
    horizon_ =
        static_cast<int>(std::max<int64_t>(1, longest.count() / cfg_.step.count()) +
                         (job.fit_every.count() + cfg_.step.count() - 1) / cfg_.step.count());
    for (Duration e : cfg_.extra_seasons) {
      extra_seasons_.push_back(static_cast<int>(e.count() / cfg_.step.count()));
    }
    history_ = cfg_.fit_history.count() > 0
                   ? static_cast<size_t>(cfg_.fit_history.count() / job_step_)
                   : static_cast<size_t>(job.fit_window.count() / job_step_);
  }
  std::string_view kind() const override { return "forecast"; }
  // Eight buckets (two hours at 15m): with less than two seasons of history the models that need
  // none (level and trend) forecast, so a new install shows forecasts within hours.
  size_t MinHistory() const override { return bucket_ * 8; }

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

  // A new series' first forecast, before the engine's budget allows the full `auto` fit: the
  // seasonal naive model (the naive one before two seasons are stored), ~1% of auto's cost.
  bool HasQuickFit() const override { return kind_ == fc::ModelKind::kAuto; }
  Result<std::unique_ptr<SeriesModel>> FitQuick(const DenseSeries& h,
                                                SeriesOutput* out) const override {
    return FitModel(h, nullptr, fc::ModelKind::kSnaive, out);
  }

  Result<std::unique_ptr<SeriesModel>> FitWith(const DenseSeries& h, const SharedFit* shared,
                                               SeriesOutput* out) const override {
    return FitModel(h, shared, kind_, out);
  }

  Result<std::unique_ptr<SeriesModel>> FitModel(const DenseSeries& h, const SharedFit* shared,
                                                fc::ModelKind kind, SeriesOutput* out) const {
    std::vector<double> y = Buckets(h);
    if (y.size() < 8) return Status::Error("forecast: too little history");
    fc::ForecastParams p = Params(y.size());
    p.model = kind == fc::ModelKind::kSnaive && p.season <= 1 ? fc::ModelKind::kNaive : kind;
    if (const auto* pooled = dynamic_cast<const PooledFit*>(shared)) p.global = pooled->sets;
    auto f = fc::ForecastSeries(y, p);
    if (!f.ok()) return f.status();
    const fc::Forecast& r = *f;
    size_t widest = 0;
    for (size_t i = 0; i < r.intervals.size(); ++i) {
      if (r.intervals[i].level > r.intervals[widest].level) widest = i;
    }
    fc::ForecastPath path;
    // A bucket's mean belongs to the middle of its bucket, so the path's steps are stamped there:
    // stamped at the bucket's end, a series that moves within a bucket (a daily rise) would be
    // compared with its value of half a bucket before, a deviation the model never expected.
    path.origin_ms = h.end_ms() - static_cast<int64_t>(bucket_ - 1) * h.step_ms / 2;
    path.step_ms = cfg_.step.count();
    path.origin_value = y.back();
    path.mean = r.mean;
    path.sd = r.sd.size() == r.mean.size() ? r.sd : std::vector<double>(r.mean.size(), 0.0);
    path.lower = r.intervals.empty() ? r.mean : r.intervals[widest].lower;
    path.upper = r.intervals.empty() ? r.mean : r.intervals[widest].upper;
    path.level = r.intervals.empty() ? 0.95 : r.intervals[widest].level;
    path.nonnegative =
        std::all_of(h.values.begin(), h.values.end(), [](double v) { return !(v < 0); });
    auto uf = fc::UpdatingForecast::Create(std::move(path), pub_->update);
    if (!uf.ok()) return uf.status();
    // The model sees 15-minute means; the raw points of the last update window anchor its path
    // on where the series is now (a trend that began within the last bucket), so a refit never
    // sets the published forecast back to a view older than the one it replaces.
    const int64_t recent_from = h.end_ms() - pub_->update.window_ms;
    for (size_t k = 0; k < h.values.size(); ++k) {
      const int64_t t = h.start_ms + static_cast<int64_t>(k) * h.step_ms;
      if (t > recent_from) uf->Observe(t, h.values[k]);
    }
    auto m = std::make_unique<ForecastModel>(r.model + SeasonsLabel(p), std::move(*uf), pub_);
    m->Publish(out);
    return std::unique_ptr<SeriesModel>(std::move(m));
  }

  Result<std::unique_ptr<SeriesModel>> Load(std::string_view bytes) const override {
    StateReader r(bytes);
    std::string name;
    if (!r.Str(&name)) return Status::Error("forecast state: malformed");
    auto f = fc::UpdatingForecast::Load(r, pub_->update);
    if (!f.ok()) return f.status();
    if (!r.done()) return Status::Error("forecast state: trailing bytes");
    return std::unique_ptr<SeriesModel>(
        std::make_unique<ForecastModel>(std::move(name), std::move(*f), pub_));
  }

 private:
  struct PooledFit final : SharedFit {
    std::vector<fc::GlobalModelSet> sets;
  };

  // The history (at most fit_history) averaged into buckets of forecast.step, aligned to the
  // last point. Gaps (NaN) are left out of a bucket's mean; a bucket with no point at all is
  // bridged linearly between its neighbours (leading ones are dropped).
  std::vector<double> Buckets(const DenseSeries& h) const {
    std::span<const double> v = h.values;
    if (v.size() > history_) v = v.subspan(v.size() - history_);
    const size_t nb = v.size() / bucket_;
    std::vector<double> y(nb, std::numeric_limits<double>::quiet_NaN());
    const size_t off = v.size() - nb * bucket_;
    for (size_t b = 0; b < nb; ++b) {
      double s = 0, n = 0;
      for (size_t k = 0; k < bucket_; ++k) {
        const double x = v[off + b * bucket_ + k];
        if (std::isfinite(x)) {
          s += x;
          n += 1;
        }
      }
      if (n > 0) y[b] = s / n;
    }
    size_t first = 0;
    while (first < y.size() && std::isnan(y[first])) ++first;
    y.erase(y.begin(), y.begin() + static_cast<ptrdiff_t>(first));
    for (size_t k = 1, prev = 0; k < y.size(); ++k) {
      if (std::isnan(y[k])) continue;
      for (size_t m = prev + 1; m < k; ++m) {
        y[m] = y[prev] +
               (y[k] - y[prev]) * static_cast<double>(m - prev) / static_cast<double>(k - prev);
      }
      prev = k;
    }
    while (!y.empty() && std::isnan(y.back())) y.pop_back();
    return y;
  }

  // The seasonal periods a fit could use, for the model label: "@1d,1w", or "" while the history
  // holds less than two of the shortest (a new install: level and trend only).
  std::string SeasonsLabel(const fc::ForecastParams& p) const {
    std::vector<int> periods;
    if (p.season > 1) periods.push_back(p.season);
    periods.insert(periods.end(), p.extra_seasons.begin(), p.extra_seasons.end());
    std::string s;
    for (int k : periods) {
      s += s.empty() ? "@" : ",";
      s += FormatDuration(std::chrono::milliseconds(k * cfg_.step.count()));
    }
    return s;
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
  std::shared_ptr<const PublishSpec> pub_;
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
