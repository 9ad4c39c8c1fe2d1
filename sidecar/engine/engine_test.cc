#include "sidecar/engine/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <new>
#include <set>
#include <thread>

#include "common/binary_io.h"
#include "sidecar/engine/clock.h"
#include "sidecar/engine/persistence.h"

namespace streamlens::engine {
namespace {

using remote_read::SeriesSet;
using remote_read::SeriesSetBuilder;

constexpr int64_t kMin = 60000;
constexpr int64_t kT0 = 1'700'000'000'000 / kMin * kMin;  // a step-aligned "now"

// Whether `value` passes matcher `m` (equality, or a regex that is an alternation of escaped
// literals, as fit batches send; other matchers pass everything).
bool Passes(const remote_read::Matcher& m, const std::string& value) {
  if (m.type == remote_read::MatchType::kEqual) return value == m.value;
  if (m.type != remote_read::MatchType::kRegexMatch) return true;
  std::string cur;
  for (size_t i = 0; i <= m.value.size(); ++i) {
    if (i == m.value.size() || m.value[i] == '|') {
      if (cur == value) return true;
      cur.clear();
    } else {
      if (m.value[i] == '\\') ++i;
      cur += m.value[i];
    }
  }
  return false;
}

// A source with `n` series lag{group="gK"} sampled every minute; value(t) = K + spike.
class FakeSource : public remote_read::Source {
 public:
  explicit FakeSource(int n) : n_(n) {}
  Result<SeriesSet> Fetch(const std::vector<remote_read::Matcher>& matchers, int64_t start,
                          int64_t end, remote_read::FetchStats*) override {
    calls++;
    last_start = start;
    last_end = end;
    if (hold_next.exchange(false)) {
      std::unique_lock<std::mutex> l(gate_mu);
      held = true;
      gate_cv.notify_all();
      gate_cv.wait(l, [this] { return !held; });
    }
    if (down) return Status::Error("fake source: connection refused");
    SeriesSetBuilder b;
    size_t returned = 0;
    for (int k = 0; k < n_; ++k) {
      if (hidden.count(k)) continue;
      std::string g = label_name == "group" ? "g" + std::to_string(k) : std::to_string(k);
      std::vector<remote_read::Label> labels = {{"__name__", "lag"}, {label_name, g}};
      bool selected = true;
      for (const auto& m : matchers) {
        for (const auto& l : labels) selected &= l.name != m.name || Passes(m, l.value);
      }
      if (!selected) continue;
      ++returned;
      if (!b.BeginSeries(labels).ok()) return Status::Error("builder");
      for (int64_t t = (start + kMin - 1) / kMin * kMin; t <= end; t += kMin) {
        double v = k + ((t / kMin) % 2 == 0 ? 0.5 : -0.5);
        if (value) v = value(k, t);
        if (spike_at == t && k == 0) v += 100;
        b.Append(t, v);
      }
    }
    {
      std::lock_guard<std::mutex> l(gate_mu);
      series_per_fetch.push_back(returned);
    }
    return b.Finish();
  }
  std::string Describe() const override { return "fake"; }

  int n_;
  std::atomic<int> calls{0};
  std::vector<size_t> series_per_fetch;  // gate_mu
  std::atomic<int64_t> last_start{0}, last_end{0};
  std::atomic<bool> down{false};
  // HoldNext(): the next Fetch blocks until Release(); WaitHeld() returns once it is blocked.
  void HoldNext() { hold_next = true; }
  void WaitHeld() {
    std::unique_lock<std::mutex> l(gate_mu);
    gate_cv.wait(l, [this] { return held; });
  }
  void Release() {
    std::lock_guard<std::mutex> l(gate_mu);
    held = false;
    gate_cv.notify_all();
  }
  std::atomic<bool> hold_next{false};
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool held = false;
  std::set<int> hidden;
  int64_t spike_at = -1;
  std::string label_name = "group";
  std::function<double(int, int64_t)> value;
};

// Test double of an analysis: expected value = mean of the fit history; score = |y-mean|.
std::atomic<int> g_fits{0};
class MeanModel : public SeriesModel {
 public:
  explicit MeanModel(double mean) : mean_(mean) {}
  void Describe(SeriesOutput* out) const override { out->anomaly_model = "mean"; }
  Status Update(const DenseSeries& p, SeriesOutput* out) override {
    for (size_t i = 0; i < p.values.size(); ++i) {
      AnomalyPoint a;
      a.t_ms = p.start_ms + static_cast<int64_t>(i) * p.step_ms;
      a.y = p.values[i];
      a.yhat = mean_;
      a.yhat_lower = mean_ - 1;
      a.yhat_upper = mean_ + 1;
      a.score = std::abs(a.y - mean_);
      out->anomaly.push_back(a);
    }
    return Status::Ok();
  }
  void Save(std::string* out) const override { StateWriter(out).F64(mean_); }
  size_t MemoryBytes() const override { return sizeof(*this); }
  double mean_;
};
class MeanAnalysis : public SeriesAnalysis {
 public:
  std::string_view kind() const override { return "anomaly"; }
  size_t MinHistory() const override { return 10; }
  Result<std::unique_ptr<SeriesModel>> Fit(const DenseSeries& h, SeriesOutput*) const override {
    g_fits++;
    double s = 0;
    for (double v : h.values) s += v;
    return std::unique_ptr<SeriesModel>(std::make_unique<MeanModel>(s / h.values.size()));
  }
  Result<std::unique_ptr<SeriesModel>> Load(std::string_view b) const override {
    StateReader r(b);
    double m;
    if (!r.F64(&m)) return Status::Error("bad");
    return std::unique_ptr<SeriesModel>(std::make_unique<MeanModel>(m));
  }
};
class MeanFactory : public AnalysisFactory {
 public:
  Result<std::vector<std::unique_ptr<SeriesAnalysis>>> Make(const JobConfig&) const override {
    std::vector<std::unique_ptr<SeriesAnalysis>> v;
    v.push_back(std::make_unique<MeanAnalysis>());
    return v;
  }
  Result<std::vector<PeerScore>> ScorePeers(const OutliersConfig&,
                                            const std::vector<PeerMember>&) const override {
    return Status::Error("unsupported");
  }
};

struct Harness {
  explicit Harness(int n, EngineOptions opts = {},
                   std::unique_ptr<AnalysisFactory> factory = nullptr)
      : source(std::make_shared<FakeSource>(n)) {
    if (!factory) factory = std::make_unique<MeanFactory>();
    opts.clock = clock;
    std::shared_ptr<FakeSource> src = source;
    engine = std::make_unique<Engine>(
        opts,
        [src](const SourceConfig&) -> Result<std::shared_ptr<HistorySource>> {
          return std::shared_ptr<HistorySource>(src);
        },
        std::move(factory), Logger(&log, LogLevel::kDebug, LogFormat::kLogfmt));
  }
  static std::shared_ptr<EngineConfig> Config(const std::string& extra = "") {
    auto c = ParseConfig(
        "sources: [{url: 'http://x/api/v1/read'}]\n"
        "jobs:\n  - name: lagjob\n    selector: lag\n    fit_window: 1h\n    fit_every: 1h\n"
        "    grace_period: 5m\n    labels: {team: t}\n    anomaly: {}\n" +
            extra,
        "t.yaml", "");
    EXPECT_TRUE(c.ok()) << c.status().message();
    return std::make_shared<EngineConfig>(*c);
  }
  const JobResults& Job() {
    snap = engine->Results();
    EXPECT_EQ(snap->jobs.size(), 1u);
    return *snap->jobs.at(0);
  }
  JobStats Stats() { return engine->GetStatus().jobs.at(0); }

  std::ostringstream log;
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(kT0);
  std::shared_ptr<FakeSource> source;
  std::unique_ptr<Engine> engine;
  std::shared_ptr<const ResultsSnapshot> snap;
};

TEST(EngineTest, FitsThenUpdatesIncrementallyFetchingOnlyTheNewRange) {
  Harness h(5);
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  g_fits = 0;
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(g_fits.load(), 5);
  // The fit window, plus a step (a counter's previous sample) and the lookback.
  EXPECT_EQ(h.source->last_start.load(), kT0 - 3600000 + kMin - kMin - 5 * kMin);
  const JobResults& r = h.Job();
  ASSERT_EQ(r.series.size(), 5u);
  const SeriesResult& s0 = r.series[0];
  EXPECT_EQ(s0.input_series, "lag{group=\"g0\"}");
  ASSERT_EQ(s0.labels.size(), 2u);  // __name__ dropped, static label added
  EXPECT_EQ(s0.labels[0], (std::pair<std::string, std::string>{"group", "g0"}));
  EXPECT_EQ(s0.labels[1], (std::pair<std::string, std::string>{"team", "t"}));
  ASSERT_TRUE(s0.has_anomaly);
  EXPECT_EQ(s0.anomaly.t_ms, kT0);  // the last point was scored right after the fit
  EXPECT_EQ(s0.anomaly_model, "mean");

  // One minute later: only the new range is fetched, nothing is refitted.
  h.clock->Advance(kMin);
  h.source->spike_at = kT0 + kMin;
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(g_fits.load(), 5);
  EXPECT_EQ(h.source->last_start.load(), kT0 - kMin - 5 * kMin);
  const JobResults& r2 = h.Job();
  EXPECT_EQ(r2.series[0].anomaly.t_ms, kT0 + kMin);
  EXPECT_NEAR(r2.series[0].anomaly.score, 100.5, 0.01);  // mean of 59 alternating points
  EXPECT_LT(r2.series[1].anomaly.score, 1.0);
  // Score history grows by one point per minute and has no duplicates.
  EXPECT_EQ(r2.series[0].score_history.back().first, kT0 + kMin);
  EXPECT_LT(r2.series[0].score_history[r2.series[0].score_history.size() - 2].first, kT0 + kMin);

  // After fit_every, everything is refitted.
  h.clock->Advance(3600000);
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(g_fits.load(), 10);
  JobStats st = h.Stats();
  EXPECT_EQ(st.runs, 3u);
  EXPECT_EQ(st.fits, 10u);
  EXPECT_EQ(st.series_tracked, 5u);
  EXPECT_GT(st.samples_read, 0u);
}

TEST(EngineTest, FitsReadHistoryInBatchesOfFitBatchSeries) {
  EngineOptions o;
  o.fit_batch = 3;
  Harness h(10, o);
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  g_fits = 0;
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(g_fits.load(), 10);
  EXPECT_EQ(h.Job().series.size(), 10u);
  // The recent points of every series (listing them), then their fit windows 3 series at a time.
  std::vector<size_t> per_fetch;
  {
    std::lock_guard<std::mutex> l(h.source->gate_mu);
    per_fetch = h.source->series_per_fetch;
  }
  ASSERT_EQ(per_fetch.size(), 5u);
  EXPECT_EQ(per_fetch[0], 10u);
  size_t fitted = 0;
  for (size_t i = 1; i < per_fetch.size(); ++i) {
    EXPECT_LE(per_fetch[i], 3u);
    fitted += per_fetch[i];
  }
  EXPECT_EQ(fitted, 10u);
}

// A model that knows whether it came from the quick fit, and drifts once it sees a value more
// than 50 above the mean it was fitted with.
std::atomic<int> g_quick_fits{0}, g_full_fits{0}, g_shared_fits{0};
class StagedModel : public MeanModel {
 public:
  StagedModel(double mean, bool quick) : MeanModel(mean), quick_(quick) {}
  void Describe(SeriesOutput* out) const override {
    out->anomaly_model = quick_ ? "quick" : "full";
  }
  Status Update(const DenseSeries& p, SeriesOutput* out) override {
    for (double v : p.values) drifted_ |= v > mean_ + 50;
    return MeanModel::Update(p, out);
  }
  bool Drifted() const override { return drifted_; }
  bool quick_, drifted_ = false;
};
// Its full fits share a job-level fit (counted), as pooled forecasts do; quick fits use none.
class StagedAnalysis : public MeanAnalysis {
 public:
  bool SharesFit() const override { return true; }
  std::vector<double> Condense(const DenseSeries& h) const override { return {Mean(h)}; }
  Result<std::shared_ptr<const SharedFit>> FitShared(std::vector<std::vector<double>>,
                                                     int) const override {
    ++g_shared_fits;
    return std::shared_ptr<const SharedFit>(std::make_shared<SharedFit>());
  }
  bool HasQuickFit() const override { return true; }
  Result<std::unique_ptr<SeriesModel>> FitQuick(const DenseSeries& h,
                                                SeriesOutput*) const override {
    ++g_quick_fits;
    return std::unique_ptr<SeriesModel>(std::make_unique<StagedModel>(Mean(h), true));
  }
  Result<std::unique_ptr<SeriesModel>> Fit(const DenseSeries& h, SeriesOutput*) const override {
    ++g_full_fits;
    return std::unique_ptr<SeriesModel>(std::make_unique<StagedModel>(Mean(h), false));
  }
  Result<std::unique_ptr<SeriesModel>> Load(std::string_view b) const override {
    StateReader r(b);
    double m;
    if (!r.F64(&m)) return Status::Error("bad");
    return std::unique_ptr<SeriesModel>(std::make_unique<StagedModel>(m, false));
  }
  static double Mean(const DenseSeries& h) {
    double s = 0;
    for (double v : h.values) s += v;
    return s / static_cast<double>(h.values.size());
  }
};
class StagedFactory : public MeanFactory {
 public:
  Result<std::vector<std::unique_ptr<SeriesAnalysis>>> Make(const JobConfig&) const override {
    std::vector<std::unique_ptr<SeriesAnalysis>> v;
    v.push_back(std::make_unique<StagedAnalysis>());
    return v;
  }
};

std::map<std::string, int> ModelCounts(const JobResults& r) {
  std::map<std::string, int> n;
  for (const auto& s : r.series) ++n[s.anomaly_model];
  return n;
}

TEST(EngineTest, QuickFirstFitsForEverySeriesThenFullRefitsOneBatchPerCycleWithNoBudget) {
  EngineOptions o;
  o.fit_batch = 2;
  o.refit_budget = 0;
  Harness h(5, o, std::make_unique<StagedFactory>());
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  g_quick_fits = g_full_fits = g_shared_fits = 0;
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(g_quick_fits.load(), 5);
  EXPECT_EQ(g_full_fits.load(), 0);
  EXPECT_EQ(g_shared_fits.load(), 0);  // the quick start spends nothing on the job-level fit
  EXPECT_EQ(ModelCounts(h.Job())["quick"], 5);
  // Every later cycle replaces the quick models of one batch (2 series) with full fits; the first
  // full batch makes the job-level fit.
  for (int full : {2, 4, 5, 5}) {
    h.clock->Advance(kMin);
    ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
    EXPECT_EQ(g_full_fits.load(), full);
    EXPECT_EQ(ModelCounts(h.Job())["full"], full);
    EXPECT_EQ(g_shared_fits.load(), 1);
  }
  EXPECT_EQ(g_quick_fits.load(), 5);
  // fit_every (1h) after its full fit each series is refitted again.
  h.clock->Advance(3600000);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
    h.clock->Advance(kMin);
  }
  EXPECT_EQ(g_full_fits.load(), 10);
}

// A harness running one anomaly job "lagjob" (fit_window 1h, fit_every 1d) with staged fits, the
// fit counters reset.
void ApplyDailyLagJob(Harness& h) {
  auto c = ParseConfig(
      "sources: [{url: 'http://x/api/v1/read'}]\n"
      "jobs:\n  - name: lagjob\n    selector: lag\n    fit_window: 1h\n    fit_every: 1d\n"
      "    anomaly: {}\n",
      "t.yaml", "");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE(h.engine->Apply(std::make_shared<EngineConfig>(*c)).ok());
  g_quick_fits = g_full_fits = 0;
}

TEST(EngineTest, ADriftedModelIsRefittedEarlyButAtMostOncePerSpacing) {
  Harness h(1, {}, std::make_unique<StagedFactory>());
  ApplyDailyLagJob(h);
  if (testing::Test::HasFatalFailure()) return;
  // One series, one batch: the first fit is the full one (a quick model would be replaced at once).
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(g_quick_fits.load(), 0);
  ASSERT_EQ(g_full_fits.load(), 1);
  // A jump the model did not expect: it drifts, but was fitted less than an hour ago.
  h.source->value = [](int, int64_t t) { return t >= kT0 + 2 * kMin ? 200.0 : 0.0; };
  for (int m = 1; m <= 59; ++m) {
    h.clock->Advance(kMin);
    ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  }
  EXPECT_EQ(g_full_fits.load(), 1);
  // An hour after the last fit (not a day) it is refitted, and the new model has not drifted.
  h.clock->Advance(kMin);
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(g_full_fits.load(), 2);
  for (int m = 0; m < 120; ++m) {
    h.clock->Advance(kMin);
    ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  }
  EXPECT_EQ(g_full_fits.load(), 2);
}

// A series its model cannot describe (0 and 200 alternating: every refit's mean model drifts
// again at once): early refits an hour after the first fit, then 1 h, 2 h, 4 h and 8 h apart, not
// every hour.
TEST(EngineTest, ADriftThatRefitsDoNotCureIsRefittedLessAndLessOften) {
  Harness h(1, {}, std::make_unique<StagedFactory>());
  ApplyDailyLagJob(h);
  if (testing::Test::HasFatalFailure()) return;
  h.source->value = [](int, int64_t t) { return (t / kMin) % 2 ? 200.0 : 0.0; };
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  ASSERT_EQ(g_full_fits.load(), 1);
  std::vector<int> fit_minutes;
  for (int m = 1; m <= 24 * 60; ++m) {
    h.clock->Advance(kMin);
    const int before = g_full_fits.load();
    ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
    if (g_full_fits.load() > before) fit_minutes.push_back(m);
  }
  EXPECT_EQ(fit_minutes, (std::vector<int>{60, 120, 240, 480, 960}));
  EXPECT_EQ(h.engine->GetStatus().jobs[0].drift_fits, 5u);
}

// The back-off of such a series survives a restart: after fits at 60, 120 and 240 minutes and a
// restart at 300 the next early refit comes at 480 (spacing 4 h), not an hour after the restart.
TEST(EngineTest, TheDriftRefitSpacingSurvivesARestart) {
  const std::string dir = ::testing::TempDir() + "/engine_state_drift";
  std::filesystem::remove_all(dir);
  EngineOptions o;
  o.storage_path = dir;
  auto alternating = [](int, int64_t t) { return (t / kMin) % 2 ? 200.0 : 0.0; };
  {
    Harness h(1, o, std::make_unique<StagedFactory>());
    ApplyDailyLagJob(h);
    if (testing::Test::HasFatalFailure()) return;
    h.source->value = alternating;
    ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
    for (int m = 1; m <= 300; ++m) {
      h.clock->Advance(kMin);
      ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
    }
    ASSERT_EQ(g_full_fits.load(), 4);  // the first fit and early refits at 60, 120, 240
    ASSERT_TRUE(h.engine->SaveAll().ok());
  }
  Harness h(1, o, std::make_unique<StagedFactory>());
  h.clock->Advance(300 * kMin);
  ApplyDailyLagJob(h);
  if (testing::Test::HasFatalFailure()) return;
  h.source->value = alternating;
  ASSERT_EQ(h.Stats().series_restored, 1u);
  std::vector<int> fit_minutes;
  for (int m = 301; m <= 600; ++m) {
    h.clock->Advance(kMin);
    const int before = g_full_fits.load();
    ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
    if (g_full_fits.load() > before) fit_minutes.push_back(m);
  }
  EXPECT_EQ(fit_minutes, (std::vector<int>{480}));
  std::filesystem::remove_all(dir);
}

// A fit that throws for the series whose history averages 2 (group g2), as a fit running out of
// memory would.
class ThrowingAnalysis : public MeanAnalysis {
 public:
  Result<std::unique_ptr<SeriesModel>> Fit(const DenseSeries& h, SeriesOutput* out) const override {
    double s = 0;
    for (double v : h.values) s += v;
    if (std::abs(s / h.values.size() - 2) < 0.4) throw std::bad_alloc();
    return MeanAnalysis::Fit(h, out);
  }
};
class ThrowingFactory : public MeanFactory {
 public:
  Result<std::vector<std::unique_ptr<SeriesAnalysis>>> Make(const JobConfig&) const override {
    std::vector<std::unique_ptr<SeriesAnalysis>> v;
    v.push_back(std::make_unique<ThrowingAnalysis>());
    return v;
  }
};

TEST(EngineTest, AnalysisThatThrowsFailsOnlyItsSeries) {
  Harness h(5, {}, std::make_unique<ThrowingFactory>());
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  const JobResults& r = h.Job();
  ASSERT_EQ(r.series.size(), 4u);
  for (const auto& s : r.series) EXPECT_NE(s.input_series, "lag{group=\"g2\"}");
  EXPECT_EQ(h.Stats().fit_failures, 1u);
  EXPECT_NE(h.log.str().find("g2"), std::string::npos) << h.log.str();
}

TEST(EngineTest, TwoShardsCoverEverySeriesExactlyOnce) {
  std::multiset<std::string> seen;
  for (uint32_t i = 0; i < 2; ++i) {
    EngineOptions o;
    o.shard = {2, i};
    Harness h(40, o);
    ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
    ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
    const JobResults& r = h.Job();
    EXPECT_GT(r.series.size(), 5u);
    EXPECT_LT(r.series.size(), 35u);
    for (const auto& s : r.series) seen.insert(s.input_series);
  }
  EXPECT_EQ(seen.size(), 40u);
  for (const auto& s : seen) EXPECT_EQ(seen.count(s), 1u) << s;
}

TEST(EngineTest, RestartWithStorageResumesWithoutRefit) {
  std::string dir = ::testing::TempDir() + "/engine_state_test";
  std::filesystem::remove_all(dir);
  EngineOptions o;
  o.storage_path = dir;
  {
    Harness h(3, o);
    ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
    h.engine->Start();
    ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
    h.engine->Stop();
  }
  ASSERT_TRUE(std::filesystem::exists(dir + "/lagjob.state"));
  g_fits = 0;
  Harness h(3, o);
  h.clock->Advance(2 * kMin);
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  EXPECT_EQ(h.Stats().series_restored, 3u);
  // Results are published from the restored state right after the first cycle, with no refit.
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(g_fits.load(), 0);
  EXPECT_EQ(h.source->last_start.load(), kT0 - kMin - 5 * kMin);  // resumes from the saved end
  const JobResults& r = h.Job();
  ASSERT_EQ(r.series.size(), 3u);
  EXPECT_EQ(r.series[2].anomaly.t_ms, kT0 + 2 * kMin);
  EXPECT_NEAR(r.series[2].anomaly.yhat, 2.0, 0.1);  // the mean fitted before the restart

  // A changed analysis config discards the saved state.
  auto c = Harness::Config();
  c->jobs[0].step = std::chrono::minutes(2);
  Harness h3(3, o);
  ASSERT_TRUE(h3.engine->Apply(c).ok());
  EXPECT_EQ(h3.Stats().series_restored, 0u);
  std::filesystem::remove_all(dir);
}

TEST(EngineTest, CorruptStateFileMeansRefitNotCrash) {
  std::string dir = ::testing::TempDir() + "/engine_state_corrupt";
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir + "/lagjob.state", std::ios::binary);
    f << "SLSTATE" << '\0' << "garbage that is not a state";
  }
  EngineOptions o;
  o.storage_path = dir;
  Harness h(2, o);
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  EXPECT_EQ(h.Stats().series_restored, 0u);
  g_fits = 0;
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(g_fits.load(), 2);
  EXPECT_NE(h.log.str().find("state file is corrupt"), std::string::npos);
  std::filesystem::remove_all(dir);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The state file of a fitted 3-series job.
std::string FittedStateFile(const std::string& dir) {
  std::filesystem::remove_all(dir);
  EngineOptions o;
  o.storage_path = dir;
  Harness h(3, o);
  EXPECT_TRUE(h.engine->Apply(Harness::Config()).ok());
  EXPECT_TRUE(h.engine->RunOnce("lagjob").ok());
  return ReadAll(dir + "/lagjob.state");
}

TEST(PersistenceTest, EveryFlippedByteIsDetected) {
  const std::string dir = ::testing::TempDir() + "/engine_state_flip";
  const std::string file = FittedStateFile(dir);
  ASSERT_GT(file.size(), 100u);
  MeanFactory factory;
  auto analyses = factory.Make(JobConfig());
  ASSERT_TRUE(analyses.ok());
  // Decoded against another fingerprint, the intact file is stale (it checks out otherwise).
  StateProblem problem;
  ASSERT_FALSE(DecodeJobState(file, "other", *analyses, &problem).ok());
  EXPECT_EQ(problem, StateProblem::kStale);
  for (size_t i = 0; i < file.size(); ++i) {
    std::string bad = file;
    bad[i] ^= 0x10;
    auto r = DecodeJobState(bad, "other", *analyses, &problem);
    ASSERT_FALSE(r.ok()) << "byte " << i;
    if (i < 8 || i >= 12) {  // bytes 8..11 are the version: another version is stale
      EXPECT_EQ(problem, StateProblem::kCorrupt) << "byte " << i << ": " << r.status().message();
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(PersistenceTest, OneFlippedByteIsReportedAndTheJobRefits) {
  const std::string dir = ::testing::TempDir() + "/engine_state_flip_engine";
  std::string file = FittedStateFile(dir);
  file[file.size() / 2] ^= 0x01;  // inside some series' state
  std::ofstream(dir + "/lagjob.state", std::ios::binary) << file;
  EngineOptions o;
  o.storage_path = dir;
  Harness h(3, o);
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  EXPECT_EQ(h.Stats().series_restored, 0u);
  EXPECT_EQ(h.Stats().state_corrupt, 1u);
  EXPECT_NE(h.log.str().find("state file is corrupt"), std::string::npos) << h.log.str();
  EXPECT_NE(h.log.str().find("checksum mismatch"), std::string::npos) << h.log.str();
  EXPECT_TRUE(std::filesystem::exists(dir + "/lagjob.state.corrupt"));
  g_fits = 0;
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(g_fits.load(), 3);
  std::filesystem::remove_all(dir);
}

TEST(PersistenceTest, ConcurrentWritersNeverShareATemporaryFile) {
  const std::string dir = ::testing::TempDir() + "/engine_state_writers";
  std::filesystem::remove_all(dir);
  const std::string path = dir + "/x.state";
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const std::string data(64 * 1024, static_cast<char>('a' + t));
      for (int i = 0; i < 20; ++i) {
        if (!WriteFileAtomic(path, data).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const std::string got = ReadAll(path);
  ASSERT_EQ(got.size(), 64u * 1024);
  EXPECT_EQ(got, std::string(got.size(), got[0])) << "a torn mix of two writers";
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u) << "temporary files left behind";
  std::filesystem::remove_all(dir);
}

// Loading a model takes 300 ms (a large state file on a slow disk).
std::atomic<bool> slow_load_started{false};
class SlowLoadAnalysis : public MeanAnalysis {
 public:
  Result<std::unique_ptr<SeriesModel>> Load(std::string_view b) const override {
    slow_load_started = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return MeanAnalysis::Load(b);
  }
};
class SlowLoadFactory : public MeanFactory {
 public:
  Result<std::vector<std::unique_ptr<SeriesAnalysis>>> Make(const JobConfig&) const override {
    std::vector<std::unique_ptr<SeriesAnalysis>> v;
    v.push_back(std::make_unique<SlowLoadAnalysis>());
    return v;
  }
};

TEST(PersistenceTest, LoadingStateDoesNotBlockScrapes) {
  const std::string dir = ::testing::TempDir() + "/engine_state_slow_load";
  FittedStateFile(dir);  // 3 series: loading takes ~0.9 s
  EngineOptions o;
  o.storage_path = dir;
  Harness h(3, o, std::make_unique<SlowLoadFactory>());
  std::atomic<bool> applied{false};
  std::thread apply([&] {
    EXPECT_TRUE(h.engine->Apply(Harness::Config()).ok());
    applied = true;
  });
  while (!slow_load_started && !applied) std::this_thread::yield();  // Apply is loading now
  double worst = 0;
  while (!applied) {
    const auto t0 = std::chrono::steady_clock::now();
    (void)h.engine->Results();
    (void)h.engine->GetStatus();
    worst = std::max(worst,
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  apply.join();
  EXPECT_EQ(h.Stats().series_restored, 3u);
  EXPECT_LT(worst, 0.25) << "a scrape waited for the state file to load";
  std::filesystem::remove_all(dir);
}

TEST(PersistenceTest, AJobRemovedByAReloadDoesNotOverwriteItsReplacementsFile) {
  const std::string dir = ::testing::TempDir() + "/engine_state_removed";
  std::filesystem::remove_all(dir);
  EngineOptions o;
  o.storage_path = dir;
  Harness h(3, o);
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  // The old job's next cycle refits and is slow; a reload replaces the job meanwhile.
  h.clock->Advance(2 * 3600000);
  h.source->HoldNext();
  std::thread old_cycle([&] { (void)h.engine->RunOnce("lagjob"); });
  h.source->WaitHeld();  // the old job's cycle is fetching
  auto changed = Harness::Config();
  changed->jobs[0].step = std::chrono::minutes(2);  // another fingerprint: a new job
  ASSERT_TRUE(h.engine->Apply(changed).ok());
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());  // the new job fits and saves
  h.source->Release();
  old_cycle.join();  // the removed job's cycle ends after it
  Harness again(3, o);
  again.clock->Set(h.clock->NowMs());
  ASSERT_TRUE(again.engine->Apply(changed).ok());
  EXPECT_EQ(again.Stats().series_restored, 3u) << "the file is the new job's";
  std::filesystem::remove_all(dir);
}

TEST(EngineTest, DisappearedSeriesIsDroppedAfterGracePeriod) {
  Harness h(3);
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  h.source->hidden.insert(1);
  for (int m = 1; m <= 5; ++m) {
    h.clock->Advance(kMin);
    ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
    EXPECT_EQ(h.Job().series.size(), 3u) << "minute " << m;  // within the 5m grace period
  }
  h.clock->Advance(kMin);
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  ASSERT_EQ(h.Job().series.size(), 2u);
  EXPECT_EQ(h.Job().series[1].input_series, "lag{group=\"g2\"}");
  EXPECT_EQ(h.Stats().series_dropped, 1u);
}

TEST(EngineTest, SourceDownThenBack) {
  Harness h(2);
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  EXPECT_FALSE(h.engine->Ready());
  h.source->down = true;
  Status s = h.engine->RunOnce("lagjob");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("connection refused"), std::string::npos);
  EXPECT_FALSE(h.engine->GetStatus().source_up.at("default"));
  EXPECT_EQ(h.Stats().failures, 1u);
  h.source->down = false;
  h.clock->Advance(kMin);
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_TRUE(h.engine->GetStatus().source_up.at("default"));
  EXPECT_TRUE(h.engine->Ready());
  EXPECT_EQ(h.Job().series.size(), 2u);
}

TEST(EngineTest, ReloadKeepsStateWhenOnlyScheduleChanges) {
  Harness h(2);
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  g_fits = 0;
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  auto c = Harness::Config();
  c->jobs[0].infer_every = std::chrono::minutes(2);
  c->jobs[0].labels["team"] = "u";
  ASSERT_TRUE(h.engine->Apply(c).ok());
  h.clock->Advance(kMin);
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(g_fits.load(), 2);  // no refit
  EXPECT_EQ(h.Job().series[0].labels[1].second, "u");
  // A bad config is rejected and the running one stays.
  auto bad = Harness::Config();
  bad->jobs[0].selector = "{";
  EXPECT_FALSE(h.engine->Apply(bad).ok());
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
}

TEST(EngineTest, ReloadWhileACycleRunsDoesNotDeadlock) {
  Harness h(2);
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());
  h.source->HoldNext();
  std::thread cycle([&] { EXPECT_TRUE(h.engine->RunOnce("lagjob").ok()); });
  h.source->WaitHeld();  // the cycle is fetching
  auto c = Harness::Config();
  c->jobs[0].labels["team"] = "v";
  EXPECT_TRUE(h.engine->Apply(c).ok());
  h.source->Release();
  cycle.join();
  h.clock->Advance(kMin);
  ASSERT_TRUE(h.engine->RunOnce("lagjob").ok());
  EXPECT_EQ(h.Job().series[0].labels[1].second, "v");
}

TEST(EngineTest, SchedulerSkipsAndCountsOverrunningCycles) {
  // Time is the test's: the scheduler runs the first cycle at once, the test holds it in its fetch
  // and moves the clock over two more due times, which are skipped and counted; nothing sleeps.
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  EngineOptions o;
  o.on_cycle_done = [&](const std::string&) {
    std::lock_guard<std::mutex> l(mu);
    ++done;
    cv.notify_all();
  };
  Harness h(1, o);
  ASSERT_TRUE(h.engine->Apply(Harness::Config()).ok());  // infer_every 1m
  h.source->HoldNext();
  h.engine->Start();
  h.source->WaitHeld();
  auto skipped_reaches = [&](uint64_t n) {
    for (int i = 0; i < 10000 && h.Stats().skipped_cycles < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return h.Stats().skipped_cycles;
  };
  h.clock->Advance(kMin);
  EXPECT_EQ(skipped_reaches(1), 1u);
  h.clock->Advance(kMin);
  EXPECT_EQ(skipped_reaches(2), 2u);
  h.source->Release();
  {
    std::unique_lock<std::mutex> l(mu);
    ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(30), [&] { return done == 1; }));
  }
  h.engine->Stop();
  JobStats st = h.Stats();
  EXPECT_EQ(st.runs, 1u);
  EXPECT_EQ(st.skipped_cycles, 2u);
  EXPECT_EQ(h.source->calls.load(), 2);  // the one cycle: its recent points, its fit batch
}

TEST(EngineTest, OutliersAmongPeersWithTheOutlierLibrary) {
  Harness h(6, {}, MakeDefaultAnalysisFactory());
  h.source->label_name = "broker";
  h.source->value = [](int k, int64_t t) {
    return (k == 4 ? 1000.0 : 100.0 + k) + ((t / kMin) % 2 == 0 ? 0.5 : -0.5);
  };
  auto c = ParseConfig(
      "sources: [{url: 'http://x/api/v1/read'}]\n"
      "jobs:\n  - name: peers\n    selector: lag\n    fit_window: 1h\n"
      "    outliers: {peer_label: broker}\n",
      "t.yaml", "");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE(h.engine->Apply(std::make_shared<EngineConfig>(*c)).ok());
  ASSERT_TRUE(h.engine->RunOnce("peers").ok());
  const JobResults& r = h.Job();
  ASSERT_EQ(r.outliers.size(), 6u);
  for (const auto& o : r.outliers) {
    ASSERT_EQ(o.labels.size(), 1u);
    EXPECT_EQ(o.labels[0].first, "broker");
    if (o.labels[0].second == "4") {
      EXPECT_GT(o.score, 1.0);
    } else {
      EXPECT_LT(o.score, 1.0) << o.labels[0].second;
    }
  }
}

TEST(EngineTest, OutliersRightAfterARestartComeFromTheSavedValues) {
  // Restarted within the same step there is no new point to fetch: the first cycle compares
  // the peers' saved latest values.
  const std::string dir = ::testing::TempDir() + "/engine_state_peers";
  std::filesystem::remove_all(dir);
  EngineOptions o;
  o.storage_path = dir;
  auto value = [](int k, int64_t) { return k == 4 ? 1000.0 : 100.0 + k; };
  auto c = ParseConfig(
      "sources: [{url: 'http://x/api/v1/read'}]\n"
      "jobs:\n  - name: peers\n    selector: lag\n    fit_window: 1h\n"
      "    outliers: {peer_label: broker}\n",
      "t.yaml", "");
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto cfg = std::make_shared<EngineConfig>(*c);
  {
    Harness h(6, o, MakeDefaultAnalysisFactory());
    h.source->label_name = "broker";
    h.source->value = value;
    ASSERT_TRUE(h.engine->Apply(cfg).ok());
    h.engine->Start();
    ASSERT_TRUE(h.engine->RunOnce("peers").ok());
    ASSERT_EQ(h.Job().outliers.size(), 6u);
    h.engine->Stop();
  }
  Harness h(6, o, MakeDefaultAnalysisFactory());
  h.source->label_name = "broker";
  h.source->value = value;
  ASSERT_TRUE(h.engine->Apply(cfg).ok());
  ASSERT_TRUE(h.engine->RunOnce("peers").ok());
  const JobResults& r = h.Job();
  ASSERT_EQ(r.outliers.size(), 6u);
  for (const auto& p : r.outliers) {
    if (p.labels[0].second == "4") EXPECT_GT(p.score, 1.0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace streamlens::engine
