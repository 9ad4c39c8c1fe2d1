#include "exporter/collect/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>

namespace streamlens::exporter {
namespace {

using namespace std::chrono_literals;

// A collector whose result the test controls.
class FakeCollector : public Collector {
 public:
  FakeCollector(std::string name, std::atomic<bool>* fail, std::atomic<int>* calls)
      : name_(std::move(name)), fail_(fail), calls_(calls) {}
  std::string Name() const override { return name_; }
  Status Collect(std::vector<prometheus::MetricFamily>* out) override {
    const int n = ++*calls_;
    if (fail_->load()) return Status::Error("source down");
    prometheus::MetricFamily f{name_ + "_value", "A value.", prometheus::MetricType::Gauge, {}};
    prometheus::ClientMetric m;
    m.gauge.value = n;
    f.metric.push_back(m);
    out->push_back(f);
    return Status::Ok();
  }

 private:
  std::string name_;
  std::atomic<bool>* fail_;
  std::atomic<int>* calls_;
};

std::string Text(const CollectionScheduler& s) {
  std::string out;
  s.AppendText(&out);
  return out;
}

TEST(CollectionSchedulerTest, TargetLabelsGoOnSnapshotsAndUpButNotSelfMetrics) {
  std::ostringstream log;
  CollectionScheduler s({.interval = 30s, .target_labels = {{"cluster", "prod-eu"}}},
                        Logger(&log, LogLevel::kInfo, LogFormat::kLogfmt));
  std::atomic<bool> fail{false};
  std::atomic<int> calls{0};
  s.Add(std::make_unique<FakeCollector>("a", &fail, &calls), {"a_up", "A reachable."});
  EXPECT_TRUE(s.CollectOnce());
  const std::string t = Text(s);
  EXPECT_NE(t.find("a_value{cluster=\"prod-eu\"} 1"), std::string::npos) << t;
  EXPECT_NE(t.find("a_up{cluster=\"prod-eu\"} 1"), std::string::npos) << t;
  EXPECT_NE(t.find("streamlens_exporter_collect_success{collector=\"a\"} 1"), std::string::npos)
      << t;
}

TEST(CollectionSchedulerTest, PublishesSnapshotWithSelfMetricsAndHelpNote) {
  std::ostringstream log;
  CollectionScheduler s({.interval = 30s}, Logger(&log, LogLevel::kInfo, LogFormat::kLogfmt));
  std::atomic<bool> fail{false};
  std::atomic<int> calls{0};
  s.Add(std::make_unique<FakeCollector>("a", &fail, &calls), {"a_up", "A reachable."});
  EXPECT_EQ(Text(s).find("a_value"), std::string::npos);
  EXPECT_FALSE(s.Succeeded("a"));
  EXPECT_TRUE(s.CollectOnce());
  EXPECT_TRUE(s.Succeeded("a"));
  const std::string t = Text(s);
  EXPECT_NE(t.find("a_value 1"), std::string::npos) << t;
  EXPECT_NE(t.find("every 30s; values may be up to one interval old"), std::string::npos) << t;
  EXPECT_NE(t.find("streamlens_exporter_collect_success{collector=\"a\"} 1"), std::string::npos)
      << t;
  EXPECT_NE(t.find("a_up 1"), std::string::npos) << t;
  EXPECT_NE(t.find("streamlens_exporter_last_collect_timestamp_seconds{collector=\"a\"}"),
            std::string::npos);
  EXPECT_NE(t.find("streamlens_exporter_collect_failures_total{collector=\"a\"} 0"),
            std::string::npos);
}

TEST(CollectionSchedulerTest, FailureKeepsLastSnapshotAndOtherCollectorsAndLogsOncePerChange) {
  std::ostringstream log;
  CollectionScheduler s({.interval = 30s}, Logger(&log, LogLevel::kInfo, LogFormat::kLogfmt));
  std::atomic<bool> fail_a{false}, fail_b{false};
  std::atomic<int> calls_a{0}, calls_b{0};
  s.Add(std::make_unique<FakeCollector>("a", &fail_a, &calls_a), {"a_up", ""});
  s.Add(std::make_unique<FakeCollector>("b", &fail_b, &calls_b));
  EXPECT_TRUE(s.CollectOnce());
  fail_a = true;
  EXPECT_FALSE(s.CollectOnce());
  EXPECT_FALSE(s.CollectOnce());
  EXPECT_FALSE(s.CollectOnce());
  const std::string t = Text(s);
  EXPECT_NE(t.find("a_value 1"), std::string::npos) << t;  // last good snapshot kept
  EXPECT_NE(t.find("b_value 4"), std::string::npos) << t;  // the other collector moved on
  EXPECT_NE(t.find("a_up 0"), std::string::npos) << t;
  EXPECT_NE(t.find("streamlens_exporter_collect_success{collector=\"a\"} 0"), std::string::npos);
  EXPECT_NE(t.find("streamlens_exporter_collect_failures_total{collector=\"a\"} 3"),
            std::string::npos);
  const std::string l = log.str();
  size_t failures = 0;
  for (size_t p = l.find("collection failed"); p != std::string::npos;
       p = l.find("collection failed", p + 1)) {
    ++failures;
  }
  EXPECT_EQ(failures, 1u) << l;
  fail_a = false;
  EXPECT_TRUE(s.CollectOnce());
  EXPECT_NE(log.str().find("collection recovered"), std::string::npos);
  EXPECT_NE(Text(s).find("a_value 5"), std::string::npos);
}

TEST(CollectionSchedulerTest, StaleSnapshotIsDroppedAfterStaleAfter) {
  std::ostringstream log;
  CollectionScheduler s({.interval = 10ms, .retry_min = 1ms, .stale_after = 20ms},
                        Logger(&log, LogLevel::kInfo, LogFormat::kLogfmt));
  std::atomic<bool> fail{false};
  std::atomic<int> calls{0};
  s.Add(std::make_unique<FakeCollector>("a", &fail, &calls));
  EXPECT_TRUE(s.CollectOnce());
  fail = true;
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(s.CollectOnce());
  EXPECT_EQ(Text(s).find("a_value"), std::string::npos);
}

TEST(CollectionSchedulerTest, BackgroundThreadCollectsRepeatedlyAndRetriesWithBackoff) {
  std::ostringstream log;
  CollectionScheduler s({.interval = 20ms, .retry_min = 1ms},
                        Logger(&log, LogLevel::kInfo, LogFormat::kLogfmt));
  std::atomic<bool> fail{false};
  std::atomic<int> calls{0};
  s.Add(std::make_unique<FakeCollector>("a", &fail, &calls));
  const auto t0 = std::chrono::steady_clock::now();
  s.Start();
  for (auto deadline = t0 + 10s; calls < 3 && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(1ms);
  }
  s.Stop();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int ok_calls = calls.load();
  EXPECT_GE(ok_calls, 3);
  // One collection per 20 ms interval (plus the first at start), not back to back.
  EXPECT_LE(ok_calls, 2 + static_cast<int>(elapsed / 0.020)) << elapsed << " s";
  EXPECT_TRUE(s.Succeeded("a"));
}

}  // namespace
}  // namespace streamlens::exporter
