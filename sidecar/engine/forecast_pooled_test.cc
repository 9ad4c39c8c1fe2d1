// The daemon's forecast runs the offline command's code: a job with model auto publishes, for
// every series, exactly what ForecastBatch (the `forecast` command's entry point: pooled models
// fitted across all input series, then auto per series) computes on the same histories, with the
// job's daily and extra (2-day) periods. With forecast.pooled off it publishes exactly
// ForecastSeries without pooled candidates. Both through the real engine, a fake source and the
// default analysis factory. "Exactly": the same models, and their forecasts to the precision of
// the path the engine keeps between refits (float offsets from the last fitted value).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "sidecar/analysis/forecast/forecast.h"
#include "sidecar/engine/analysis_factory.h"
#include "sidecar/engine/clock.h"
#include "sidecar/engine/engine.h"

namespace streamlens::engine {
namespace {

namespace fc = analysis::forecast;

constexpr int64_t kStep = 15 * 60000;  // the job's step and forecast.step
constexpr int64_t kDay = 24 * 60 * 60000;
constexpr int64_t kT0 = 1'700'000'000'000 / kDay * kDay;  // a day boundary: "now"
constexpr int kSeries = 8;
constexpr int kFitPoints = 8 * 96;  // fit_window 8d at 15m

// Positive series with a daily and a 2-day cycle, a per-series level and trend, and noise.
double Value(int k, int64_t t) {
  const int64_t i = t / kStep;
  std::mt19937 rng(static_cast<uint32_t>(i * 2654435761u + static_cast<uint32_t>(k) * 40503u));
  std::normal_distribution<double> g(0, 2.0 + k % 3);
  const double day = 2 * M_PI * static_cast<double>(i % 96) / 96;
  const double two_days = 2 * M_PI * static_cast<double>(i % 192) / 192;
  return 100 + 15 * k + (10 + k) * std::sin(day + 0.3 * k) + 6 * std::cos(two_days) +
         0.01 * k * static_cast<double>(i % 10000) + g(rng);
}

class Source : public remote_read::Source {
 public:
  Result<remote_read::SeriesSet> Fetch(const std::vector<remote_read::Matcher>&, int64_t start,
                                       int64_t end, remote_read::FetchStats*) override {
    remote_read::SeriesSetBuilder b;
    for (int k = 0; k < kSeries; ++k) {
      if (!b.BeginSeries({{"__name__", "load"}, {"host", "h" + std::to_string(k)}}).ok()) {
        return Status::Error("builder");
      }
      for (int64_t t = (start + kStep - 1) / kStep * kStep; t <= end; t += kStep) {
        b.Append(t, Value(k, t));
      }
    }
    return b.Finish();
  }
  std::string Describe() const override { return "synthetic"; }
};

// Runs one fit cycle of a forecast job and returns its series results by host label.
std::map<std::string, SeriesResult> RunJob(const std::string& forecast, int fit_batch = 500,
                                           int cycles = 1) {
  std::map<std::string, SeriesResult> out;
  auto cfg = ParseConfig(
      "sources: [{url: 'http://x/api/v1/read'}]\n"
      "jobs:\n  - name: load\n    selector: load\n    step: 15m\n    fit_window: 8d\n"
      "    fit_every: 1h\n    infer_every: 15m\n    forecast: " +
          forecast + "\n",
      "t.yaml", "");
  EXPECT_TRUE(cfg.ok()) << cfg.status().message();
  if (!cfg.ok()) return out;
  std::ostringstream log;
  EngineOptions o;
  o.workers = 2;
  o.fit_batch = fit_batch;
  o.refit_budget = 0;  // one refit batch per cycle
  auto clock = std::make_shared<ManualClock>(kT0);
  o.clock = clock;
  auto src = std::make_shared<Source>();
  Engine engine(
      o,
      [src](const SourceConfig&) -> Result<std::shared_ptr<HistorySource>> {
        return std::shared_ptr<HistorySource>(src);
      },
      MakeDefaultAnalysisFactory(), Logger(&log, LogLevel::kInfo, LogFormat::kLogfmt));
  EXPECT_TRUE(engine.Apply(std::make_shared<EngineConfig>(*cfg)).ok());
  for (int c = 0; c < cycles; ++c) {
    if (c > 0) clock->Advance(kStep);
    Status s = engine.RunOnce("load");
    EXPECT_TRUE(s.ok()) << s.message() << "\n" << log.str();
  }
  auto snap = engine.Results();
  EXPECT_EQ(snap->jobs.size(), 1u);
  if (snap->jobs.size() != 1) return out;
  for (const SeriesResult& r : snap->jobs[0]->series) {
    for (const auto& [name, value] : r.labels) {
      if (name == "host") out[value] = r;
    }
  }
  EXPECT_EQ(out.size(), static_cast<size_t>(kSeries)) << log.str();
  return out;
}

// The history the engine fits on: the fit window's grid points up to `now`, minus the one point
// it scores right after the fit (infer_every = one step).
std::vector<std::vector<double>> Histories() {
  std::vector<std::vector<double>> h(kSeries);
  const int64_t first = kT0 - static_cast<int64_t>(kFitPoints - 1) * kStep;
  for (int k = 0; k < kSeries; ++k) {
    for (int i = 0; i < kFitPoints - 1; ++i) h[k].push_back(Value(k, first + i * kStep));
  }
  return h;
}

fc::ForecastParams Params() {
  fc::ForecastParams p;
  p.horizon = 24 + 4;  // the longest horizon, 6h, at 15m, plus fit_every (1h) of updates
  p.season = 96;
  p.extra_seasons = {192};
  p.model = fc::ModelKind::kAuto;
  p.levels = {0.8, 0.95};
  return p;
}

constexpr char kForecast[] =
    "{model: auto, step: 15m, season: 1d, extra_seasons: [2d], "
    "horizons: [1h, 6h]";

TEST(ForecastPooledTest, DaemonPublishesWhatTheOfflineBatchComputes) {
  auto results = RunJob(std::string(kForecast) + "}");
  const auto hist = Histories();
  // In the engine's order (the source's series sorted by labels: h0, h1, h10, h11, h2, ...):
  // the pooled fit sums over series in input order, so the models chosen are the same.
  std::vector<std::string> hosts;
  for (int k = 0; k < kSeries; ++k) hosts.push_back("h" + std::to_string(k));
  std::sort(hosts.begin(), hosts.end());
  std::vector<std::span<const double>> spans;
  for (const std::string& host : hosts) spans.emplace_back(hist[std::stoi(host.substr(1))]);
  fc::BatchOptions bo;
  bo.threads = 2;
  auto want = fc::ForecastBatch(spans, Params(), bo);
  ASSERT_TRUE(want.ok()) << want.status().message();
  int pooled_used = 0;
  for (size_t i = 0; i < hosts.size(); ++i) {
    const std::string& host = hosts[i];
    ASSERT_TRUE(results.count(host)) << host;
    const SeriesResult& r = results[host];
    const Result<fc::Forecast>& f = (*want)[i];
    ASSERT_TRUE(f.ok()) << f.status().message();
    ASSERT_TRUE(r.has_forecast) << host;
    // The label adds the seasonal periods in use (8 days hold two of each).
    EXPECT_EQ(r.forecast_model, f->model + "@1d,2d") << host;
    if (f->model.find("global") != std::string::npos) ++pooled_used;
    ASSERT_EQ(r.forecast.horizons.size(), 2u);
    // One point after the fit is too few to update the forecast: it is the model's, with
    // horizons counted from that point (one step after the fit's last), to the precision of the
    // path kept between refits (float offsets from the last fitted value: 1e-6 relative).
    const auto near = [](double v) { return 1e-6 * std::max(1.0, std::fabs(v)); };
    EXPECT_NEAR(r.forecast.horizons[0].yhat, f->mean[4], near(f->mean[4])) << host;  // 1h
    EXPECT_NEAR(r.forecast.horizons[1].yhat, f->mean[24], near(f->mean[24])) << host;
    const double up = f->intervals[1].upper[24], lo = f->intervals[1].lower[24];
    EXPECT_NEAR(r.forecast.horizons[1].yhat_upper, up, near(up)) << host;
    EXPECT_NEAR(r.forecast.horizons[1].yhat_lower, lo, near(lo)) << host;
  }
  // The pooled candidates took part: not a comparison of two runs without them.
  EXPECT_GT(pooled_used, 0);
}

TEST(ForecastPooledTest, PooledOffPublishesPerSeriesAuto) {
  auto results = RunJob(std::string(kForecast) + ", pooled: false}");
  const auto hist = Histories();
  for (int k = 0; k < kSeries; ++k) {
    const std::string host = "h" + std::to_string(k);
    ASSERT_TRUE(results.count(host)) << host;
    const SeriesResult& r = results[host];
    auto f = fc::ForecastSeries(hist[k], Params());
    ASSERT_TRUE(f.ok()) << f.status().message();
    EXPECT_EQ(r.forecast_model, f->model + "@1d,2d") << host;
    EXPECT_EQ(r.forecast_model.find("global"), std::string::npos) << host;
    ASSERT_EQ(r.forecast.horizons.size(), 2u);
    EXPECT_NEAR(r.forecast.horizons[1].yhat, f->mean[24], 1e-6 * std::fabs(f->mean[24])) << host;
  }
}

TEST(ForecastPooledTest, ExtraSeasonsMustBeWholeSteps) {
  auto bad = ParseConfig(
      "sources: [{url: 'http://x/api/v1/read'}]\n"
      "jobs:\n  - name: load\n    selector: load\n    forecast: {step: 15m, season: 1d, "
      "extra_seasons: [100m]}\n",
      "t.yaml", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("forecast.extra_seasons"), std::string::npos)
      << bad.status().message();
  auto good = ParseConfig(
      "sources: [{url: 'http://x/api/v1/read'}]\n"
      "jobs:\n  - name: load\n    selector: load\n    forecast: {season: 1d, extra_seasons: [7d], "
      "pooled: false}\n",
      "t.yaml", "");
  ASSERT_TRUE(good.ok()) << good.status().message();
  ASSERT_EQ(good->jobs[0].forecast.extra_seasons.size(), 1u);
  EXPECT_EQ(good->jobs[0].forecast.extra_seasons[0], std::chrono::hours(24 * 7));
  EXPECT_FALSE(good->jobs[0].forecast.pooled);
}

// A job whose new series take several fit batches starts with quick seasonal-naive forecasts
// (results for every series in the first cycle at ~1% of auto's cost); the full `auto` fits
// replace them batch by batch in the cycles that follow.
TEST(ForecastPooledTest, ALargeJobStartsWithQuickForecastsThenRefitsInFull) {
  const std::string fc = std::string(kForecast) + ", pooled: false}";
  for (const auto& [host, r] : RunJob(fc, 3, 1)) {
    ASSERT_TRUE(r.has_forecast) << host;
    EXPECT_EQ(r.forecast_model, "snaive@1d,2d") << host;
  }
  for (const auto& [host, r] : RunJob(fc, 3, 4)) {
    EXPECT_EQ(r.forecast_model.rfind("snaive", 0), std::string::npos) << host;
  }
  // One batch: the full fit at once.
  for (const auto& [host, r] : RunJob(fc, 500, 1)) {
    EXPECT_EQ(r.forecast_model.rfind("snaive", 0), std::string::npos) << host;
  }
}

}  // namespace
}  // namespace streamlens::engine

namespace streamlens::engine {
namespace {

// The built-in consumer_lag job's forecast (1-minute points, 15-minute buckets) on a series rising
// through its daily cycle (1000 + 150 sin, the steepest rise at the fit): a bucket's mean stands
// at the middle of its bucket, so the points after the refit follow the path and its drift test
// stays quiet for the next two hours. Stamped at the bucket's end the path lagged 7 minutes
// behind the rise (4.6 below the series, many times its one-step sd): drift at every window.
TEST(ForecastModelTest, ThePathOfBucketedPointsIsNotHalfABucketLate) {
  JobConfig job;
  for (const JobConfig& j : DefaultConfig("http://x/api/v1/read", "remote-read").jobs) {
    if (j.name == "consumer_lag") job = j;
  }
  ASSERT_EQ(job.name, "consumer_lag");
  auto analysis = MakeForecastAnalysis(job);
  ASSERT_TRUE(analysis.ok()) << analysis.status().message();
  constexpr int64_t kMin = 60'000;
  const auto value = [](int64_t m) {
    return 1000 + 150 * std::sin(2 * M_PI * static_cast<double>(m) / 1440) + (m % 2 ? 1.0 : -1.0);
  };
  // 8 days of history ending at minute 0 of a day (the sine's steepest rise).
  const int64_t n = 8 * 1440;
  std::vector<double> hist;
  for (int64_t m = -n + 1; m <= 0; ++m) hist.push_back(value(m));
  SeriesOutput out;
  auto model = (*analysis)->Fit({(-n + 1) * kMin, kMin, hist}, &out);
  ASSERT_TRUE(model.ok()) << model.status().message();
  for (int64_t m = 1; m <= 120; ++m) {
    const double v = value(m);
    ASSERT_TRUE((*model)->Update({m * kMin, kMin, std::span<const double>(&v, 1)}, &out).ok());
    EXPECT_FALSE((*model)->Drifted()) << "minute " << m;
  }
  // The published hour-ahead forecast is where the series will be.
  ASSERT_FALSE(out.forecast.horizons.empty());
  EXPECT_NEAR(out.forecast.horizons[0].yhat, value(180), 2.0);
}

}  // namespace
}  // namespace streamlens::engine
