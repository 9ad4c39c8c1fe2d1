// End-to-end equivalence of anomaly.likelihood with the NAB detector: one NAB-like series runs
// through the real engine (fit on the job's history window, infer cycles, skipped cycles, refits,
// a restart from --storage.path) and, separately, through StreamingDetector::Next point by point
// from the first grid point of the first fit. Every published streamlens_anomaly_likelihood must
// be exactly the detector's output for that point (the max over the cycle's points when a cycle
// scores several), and the detector state the engine saves must be the point-by-point
// detector's, bit for bit: what `backtest` scores is what the daemon publishes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include "sidecar/analysis/anomaly/detectors.h"
#include "sidecar/engine/analysis_factory.h"
#include "sidecar/engine/engine.h"
#include "common/binary_io.h"

namespace streamlens::engine {
namespace {

constexpr int64_t kMin = 60000;
constexpr int64_t kT0 = 1'700'000'000'000 / (60 * kMin) * (60 * kMin);  // an hour boundary

// NAB-like: an hourly cycle (60 points) with noise, a spike and a level shift in the live range.
double Value(int64_t t) {
  const int64_t m = t / kMin;
  std::mt19937 rng(static_cast<uint32_t>(m * 2654435761u));
  std::normal_distribution<double> g(0, 1.5);
  double v = 100 + 20 * std::sin(2 * M_PI * static_cast<double>(m % 60) / 60) + g(rng);
  if (t == kT0 + 9 * kMin) v += 80;    // spike
  if (t >= kT0 + 31 * kMin) v += 400;  // level shift (stays), big enough to break the hold
  return v;
}

class SyntheticSource : public remote_read::Source {
 public:
  Result<remote_read::SeriesSet> Fetch(const std::vector<remote_read::Matcher>&, int64_t start,
                                       int64_t end, remote_read::FetchStats*) override {
    remote_read::SeriesSetBuilder b;
    if (!b.BeginSeries({{"__name__", "traffic"}, {"host", "a"}}).ok()) {
      return Status::Error("builder");
    }
    for (int64_t t = (start + kMin - 1) / kMin * kMin; t <= end; t += kMin) b.Append(t, Value(t));
    return b.Finish();
  }
  std::string Describe() const override { return "synthetic"; }
};

std::unique_ptr<Engine> MakeEngine(const std::string& storage, std::atomic<int64_t>* now,
                                   std::ostringstream* log) {
  EngineOptions o;
  o.workers = 1;
  o.storage_path = storage;
  o.clock = [now] { return now->load(); };
  auto src = std::make_shared<SyntheticSource>();
  return std::make_unique<Engine>(
      o,
      [src](const SourceConfig&) -> Result<std::shared_ptr<HistorySource>> {
        return std::shared_ptr<HistorySource>(src);
      },
      MakeDefaultAnalysisFactory(), Logger(log, LogLevel::kInfo, LogFormat::kLogfmt));
}

std::shared_ptr<EngineConfig> Config(const std::string& anomaly) {
  auto c = ParseConfig(
      "sources: [{url: 'http://x/api/v1/read'}]\n"
      "jobs:\n  - name: nab\n    selector: traffic\n    step: 1m\n    fit_window: 2d\n"
      "    fit_every: 10m\n    infer_every: 1m\n    anomaly: " +
          anomaly + "\n",
      "t.yaml", "");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return std::make_shared<EngineConfig>(*c);
}

// The NAB detector's state inside the engine's state file (engine.cc documents the layout; the
// anomaly model's blob is u64 recent, f64s scorer, i64 last point, f64s detector).
std::vector<double> DetectorStateInStorage(const std::string& dir) {
  std::ifstream f(dir + "/nab.state", std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<double> none;
  if (data.size() < 8) return none;
  StateReader r(std::string_view(data).substr(8));
  uint32_t version, labels, models;
  std::string text, kind, blob;
  int64_t i64;
  uint64_t count;
  double f64;
  if (!r.U32(&version) || !r.Str(&text) || !r.I64(&i64) || !r.I64(&i64) || !r.U64(&count) ||
      count != 1 || !r.Str(&text) || !r.U32(&labels)) {
    return none;
  }
  for (uint32_t l = 0; l < 2 * labels; ++l) {
    if (!r.Str(&text)) return none;
  }
  if (!r.I64(&i64) || !r.F64(&f64) || !r.I64(&i64) || !r.U32(&models) || models != 1 ||
      !r.Str(&kind) || kind != "anomaly" || !r.Str(&blob)) {
    return none;
  }
  StateReader m(blob);
  std::vector<double> scorer, detector;
  if (!m.U64(&count) || !m.F64s(&scorer) || !m.I64(&i64) || !m.F64s(&detector) || !m.done()) {
    return none;
  }
  return detector;
}

bool SameBits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), 8 * a.size()) == 0);
}

// Runs the engine over a schedule of cycles (with a restart in the middle) and checks every
// published likelihood against the detector run point by point.
void ExpectPublishedEqualsDetector(const std::string& anomaly, std::vector<int> periods) {
  auto spec = analysis::FindDetector(analysis::DetectorNames().front());
  ASSERT_TRUE(spec.ok());
  spec->periods = periods;
  auto ref = analysis::StreamingDetector::Create(*spec);
  ASSERT_TRUE(ref.ok());
  // The first fit's grid starts at end - fit_window + step; from there every grid point once.
  int64_t ref_t = kT0 - 2 * 24 * 60 * kMin + kMin;
  std::map<int64_t, double> want;
  auto advance_ref = [&](int64_t until) {
    for (; ref_t <= until; ref_t += kMin) want[ref_t] = (*ref)->Next(Value(ref_t));
  };

  const std::string dir = ::testing::TempDir() + "/anomaly_likelihood_test";
  std::filesystem::remove_all(dir);
  std::atomic<int64_t> now{kT0};
  std::ostringstream log;
  auto engine = MakeEngine(dir, &now, &log);
  ASSERT_TRUE(engine->Apply(Config(anomaly)).ok());
  // Minutes to advance before each cycle: the first fit, one-minute cycles with refits every
  // 10 minutes, a skipped stretch of 4 minutes, a restart (-1) right after the refit at 20m, then
  // a jump of 15 minutes into a refit whose history holds points the running detector has not
  // seen, and one-minute cycles up to the refit at 48m.
  const std::vector<int> steps = {0, 1, 1,  1, 1, 1,  1, 1, 1, 1, 1, 1, 4, 1, 1, 1,
                                  1, 1, -1, 1, 1, 15, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  int checked = 0, state_checks = 0, multi_point_cycles = 0;
  int64_t published_t = kT0 - kMin;
  uint64_t fits = 0, fits_before = 0;
  double spike = -1, before = 0, shift = -1;
  for (int s : steps) {
    if (s < 0) {  // restart: a new engine restores the series from the state saved at the refit
      fits += engine->GetStatus().jobs.at(0).fits;
      fits_before = 0;
      engine = MakeEngine(dir, &now, &log);
      ASSERT_TRUE(engine->Apply(Config(anomaly)).ok());
      EXPECT_EQ(engine->GetStatus().jobs.at(0).series_restored, 1u);
      s = 1;
    }
    now += s * kMin;
    ASSERT_TRUE(engine->RunOnce("nab").ok()) << log.str();
    auto snap = engine->Results();
    ASSERT_EQ(snap->jobs.size(), 1u);
    ASSERT_EQ(snap->jobs[0]->series.size(), 1u);
    const SeriesResult& r = snap->jobs[0]->series[0];
    ASSERT_TRUE(r.has_anomaly);
    ASSERT_EQ(r.anomaly.t_ms, now.load());  // each cycle publishes its last point
    advance_ref(r.anomaly.t_ms);
    // The published value: the max of the detector's outputs over the points this cycle scored
    // (after the previous published point; the first fit primes it with its history).
    double expected = std::numeric_limits<double>::quiet_NaN();
    for (int64_t t = published_t + kMin; t <= r.anomaly.t_ms; t += kMin) {
      expected = std::fmax(expected, want.at(t));
    }
    if (s > 1) ++multi_point_cycles;
    published_t = r.anomaly.t_ms;
    ASSERT_EQ(std::memcmp(&r.anomaly.likelihood, &expected, 8), 0)
        << "t=" << (r.anomaly.t_ms - kT0) / kMin << "m published " << r.anomaly.likelihood
        << ", detector " << expected;
    if (r.anomaly.t_ms == kT0 + 9 * kMin) spike = r.anomaly.likelihood;
    if (r.anomaly.t_ms == kT0 + 38 * kMin) shift = r.anomaly.likelihood;
    if (r.anomaly.t_ms < kT0 + 9 * kMin) before = std::max(before, r.anomaly.likelihood);
    ++checked;
    // Most outputs are 0 (onset emphasis), so the sensitive check is the whole state: after
    // each (re)fit the engine saves it, and the detector in it (rings, running sums, scorers,
    // period search, hold) is, bit for bit, the one that ran point by point.
    const uint64_t f = engine->GetStatus().jobs.at(0).fits;
    if (f > fits_before) {
      fits_before = f;
      auto ref_state = (*ref)->Serialize();
      ASSERT_TRUE(ref_state.ok());
      const std::vector<double> saved = DetectorStateInStorage(dir);
      ASSERT_FALSE(saved.empty());
      ASSERT_TRUE(SameBits(saved, *ref_state))
          << "detector state after the fit at " << (now.load() - kT0) / kMin << "m";
      ++state_checks;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(steps.size()));
  EXPECT_EQ(multi_point_cycles, 2);
  EXPECT_GE(spike, 0.6);   // the spike is an alarm of the NAB detector ...
  EXPECT_LT(before, 0.5);  // ... the minutes before it are not
  // The level shift at 31m falls inside the 15-minute jump (a refit): its alarm is published by
  // that cycle although the point is not the one it publishes.
  EXPECT_GE(shift, 0.6);
  EXPECT_LT(want.at(kT0 + 38 * kMin), 0.5);
  // Fits at 0, 10, 20 | restart | 38 (after the jump), 48.
  fits += engine->GetStatus().jobs.at(0).fits;
  EXPECT_EQ(fits, 5u);
  EXPECT_EQ(state_checks, 5);
  EXPECT_EQ((*ref)->detected_period(), 60);  // found in the data, or given
  std::filesystem::remove_all(dir);
}

TEST(AnomalyLikelihoodTest, PublishedEqualsTheNabDetectorSearchingItsPeriod) {
  ExpectPublishedEqualsDetector("{likelihood: true}", {});
}

TEST(AnomalyLikelihoodTest, PublishedEqualsTheNabDetectorWithTheJobsPeriod) {
  ExpectPublishedEqualsDetector("{likelihood: true, seasonal_periods: [1h]}", {60});
}

TEST(AnomalyLikelihoodTest, OffByDefaultAndStateRoundTrips) {
  JobConfig job = Config("{}")->jobs[0];
  auto off = MakeAnomalyAnalysis(job);
  ASSERT_TRUE(off.ok());
  std::vector<double> h;
  for (int64_t t = kT0 - 1000 * kMin; t <= kT0; t += kMin) h.push_back(Value(t));
  DenseSeries hist{kT0 - 1000 * kMin, kMin, std::span<const double>(h.data(), h.size() - 5)};
  DenseSeries rest{kT0 - 4 * kMin, kMin, std::span<const double>(h.data() + h.size() - 5, 5)};
  SeriesOutput out;
  auto m = (*off)->Fit(hist, &out);
  ASSERT_TRUE(m.ok());
  (*m)->LearnFromHistory(hist);
  ASSERT_TRUE((*m)->Update(rest, &out).ok());
  ASSERT_EQ(out.anomaly.size(), 5u);
  EXPECT_TRUE(std::isnan(out.anomaly.back().likelihood));  // not published when off

  job.anomaly.likelihood = true;
  auto on = MakeAnomalyAnalysis(job);
  ASSERT_TRUE(on.ok());
  auto m2 = (*on)->Fit(hist, &out);
  ASSERT_TRUE(m2.ok());
  (*m2)->LearnFromHistory(hist);
  std::string blob;
  (*m2)->Save(&blob);
  EXPECT_GT((*m2)->MemoryBytes(), 100u * 1024);  // documented: ~0.37 MB per series at 1m/daily
  auto loaded = (*on)->Load(blob);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  SeriesOutput a, b;
  ASSERT_TRUE((*m2)->Update(rest, &a).ok());
  ASSERT_TRUE((*loaded)->Update(rest, &b).ok());
  ASSERT_EQ(a.anomaly.size(), 5u);
  ASSERT_EQ(b.anomaly.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_GE(a.anomaly[i].likelihood, 0.0);
    EXPECT_LE(a.anomaly[i].likelihood, 1.0);
    EXPECT_EQ(a.anomaly[i].likelihood, b.anomaly[i].likelihood) << i;
  }
  // A truncated or foreign state is an error (the engine then refits), never a crash.
  for (size_t n : {blob.size() - 1, blob.size() / 2, size_t{20}}) {
    EXPECT_FALSE((*on)->Load(std::string_view(blob).substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE((*off)->Load(blob).ok());  // trailing bytes: saved with the option on
  job.anomaly.seasonal_periods = {std::chrono::hours(1)};
  auto seasonal = MakeAnomalyAnalysis(job);
  ASSERT_TRUE(seasonal.ok());
  EXPECT_FALSE((*seasonal)->Load(blob).ok());
}

}  // namespace
}  // namespace streamlens::engine
