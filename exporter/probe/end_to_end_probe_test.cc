// EndToEndProbe against librdkafka's mock cluster, in process: every partition's messages come
// back; a broker slowed with rd_kafka_mock_broker_set_rtt raises only its partitions' roundtrip;
// a broker taken down loses only its partitions' messages.
#include "exporter/probe/end_to_end_probe.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <thread>

#include "exporter/loadgen/mock_cluster.h"

namespace streamlens::exporter::probe {
namespace {

using loadgen::MockCluster;
using namespace std::chrono_literals;

struct Series {
  double count = 0, sum = 0;  // roundtrip histogram
  double received = 0, lost = 0, produced = 0;
};

// Per partition: the roundtrip histogram and counters (summed over leaders).
std::map<std::string, Series> Read(EndToEndProbe& p) {
  std::vector<prometheus::MetricFamily> fams;
  Status s = p.Collect(&fams);
  EXPECT_TRUE(s.ok()) << s.message();
  std::map<std::string, Series> out;
  for (const auto& f : fams) {
    for (const auto& m : f.metric) {
      std::string partition;
      for (const auto& l : m.label) {
        if (l.name == "partition") partition = l.value;
      }
      if (partition.empty()) continue;  // the commit histogram
      Series& x = out[partition];
      if (f.name == "streamlens_end_to_end_roundtrip_latency_seconds") {
        x.count += static_cast<double>(m.histogram.sample_count);
        x.sum += m.histogram.sample_sum;
      } else if (f.name == "streamlens_end_to_end_messages_received_total") {
        x.received += m.counter.value;
      } else if (f.name == "streamlens_end_to_end_messages_lost_total") {
        x.lost += m.counter.value;
      } else if (f.name == "streamlens_end_to_end_messages_produced_total") {
        x.produced += m.counter.value;
      }
    }
  }
  return out;
}

// Mean roundtrip per partition between two readings.
double MeanBetween(const Series& a, const Series& b) {
  return b.count > a.count ? (b.sum - a.sum) / (b.count - a.count) : -1;
}

class EndToEndProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mc = MockCluster::Start(3);
    ASSERT_TRUE(mc.ok()) << mc.status().message();
    cluster_ = std::move(*mc);
    ASSERT_TRUE(cluster_->CreateTopic("probe", 3, 1).ok());
    // Partition p is led by broker p + 1; group coordinator on broker 1.
    for (int p = 0; p < 3; ++p) ASSERT_TRUE(cluster_->SetLeader("probe", p, p + 1).ok());
    ASSERT_TRUE(cluster_->SetGroupCoordinator("probe-group", 1).ok());
  }

  std::unique_ptr<EndToEndProbe> Start(std::chrono::milliseconds lost_after) {
    ProbeOptions o;
    o.enabled = true;
    o.topic = "probe";
    o.group = "probe-group";
    o.interval = 100ms;
    o.lost_after = lost_after;
    auto p = EndToEndProbe::Create(o, {{"bootstrap.servers", cluster_->bootstrap()}},
                                   Logger(&log_, LogLevel::kDebug, LogFormat::kLogfmt));
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? std::move(*p) : nullptr;
  }

  // Waits until every partition has had `n` more messages read back than in `since`.
  std::map<std::string, Series> WaitReceived(EndToEndProbe& p,
                                             const std::map<std::string, Series>& since, int n) {
    std::map<std::string, Series> now;
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(50ms);
      std::vector<prometheus::MetricFamily> fams;
      if (!p.Collect(&fams).ok()) continue;
      now = Read(p);
      bool all = now.size() == 3;
      for (const auto& [part, s] : now) {
        auto it = since.find(part);
        all = all && s.received >= (it == since.end() ? 0 : it->second.received) + n;
      }
      if (all) break;
    }
    return now;
  }

  std::ostringstream log_;
  std::unique_ptr<MockCluster> cluster_;
};

TEST_F(EndToEndProbeTest, SlowBrokerRaisesOnlyItsPartitionsRoundtrip) {
  auto probe = Start(5s);
  ASSERT_TRUE(probe);
  auto base = WaitReceived(*probe, {}, 3);  // warmed up: assignment and connections done
  auto before = WaitReceived(*probe, base, 10);
  ASSERT_EQ(before.size(), 3u) << log_.str();
  for (const auto& [part, s] : before) {
    EXPECT_LT(MeanBetween(base.at(part), s), 0.15) << "partition " << part;
    EXPECT_EQ(s.lost, 0) << "partition " << part;
  }
  ASSERT_TRUE(cluster_->SetBrokerRtt(2, 400).ok());
  std::this_thread::sleep_for(1s);  // messages in flight while the delay starts
  auto slow_start = Read(*probe);
  auto slow = WaitReceived(*probe, slow_start, 6);
  const double p1 = MeanBetween(slow_start.at("1"), slow.at("1"));
  const double p0 = MeanBetween(slow_start.at("0"), slow.at("0"));
  const double p2 = MeanBetween(slow_start.at("2"), slow.at("2"));
  // Broker 2 leads partition 1: produce and fetch answers each wait 400 ms there.
  EXPECT_GT(p1, 0.4) << "partition 1 (broker 2)";
  EXPECT_LT(p0, 0.15) << "partition 0 (broker 1)";
  EXPECT_LT(p2, 0.15) << "partition 2 (broker 3)";
  // Labelled by leader: the slow partition's series carries leader="2".
  std::vector<prometheus::MetricFamily> fams;
  ASSERT_TRUE(probe->Collect(&fams).ok());
  bool leader_label = false;
  for (const auto& f : fams) {
    if (f.name != "streamlens_end_to_end_roundtrip_latency_seconds") continue;
    for (const auto& m : f.metric) {
      leader_label |= m.label.size() == 2 && m.label[0].name == "leader" &&
                      m.label[0].value == "2" && m.label[1].value == "1";
    }
  }
  EXPECT_TRUE(leader_label);
}

TEST_F(EndToEndProbeTest, DownBrokerLosesOnlyItsPartitionsMessages) {
  auto probe = Start(2s);
  ASSERT_TRUE(probe);
  auto base = WaitReceived(*probe, {}, 3);
  ASSERT_EQ(base.size(), 3u) << log_.str();
  ASSERT_TRUE(cluster_->SetBrokerDown(3).ok());
  // Until partition 2 (broker 3) has lost a message and partition 0 received 10 more.
  std::map<std::string, Series> after;
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(100ms);
    std::vector<prometheus::MetricFamily> poll;
    if (!probe->Collect(&poll).ok()) continue;
    after = Read(*probe);
    if (after.size() == 3 && after.at("2").lost > base.at("2").lost &&
        after.at("0").received > base.at("0").received + 10) {
      break;
    }
  }
  ASSERT_EQ(after.size(), 3u) << log_.str();
  EXPECT_GT(after.at("2").lost, base.at("2").lost) << "partition 2 (broker 3) lost nothing";
  EXPECT_EQ(after.at("0").lost, 0);
  EXPECT_EQ(after.at("1").lost, 0);
  EXPECT_GT(after.at("0").received, base.at("0").received + 10);
  // Commits go to broker 1 (the coordinator) and are measured.
  std::vector<prometheus::MetricFamily> fams;
  ASSERT_TRUE(probe->Collect(&fams).ok());
  double commits = 0;
  for (const auto& f : fams) {
    if (f.name == "streamlens_end_to_end_commit_latency_seconds") {
      commits = static_cast<double>(f.metric.at(0).histogram.sample_count);
    }
  }
  EXPECT_GT(commits, 0) << log_.str().substr(0, 20000);
}

TEST(EndToEndProbeErrorTest, InvalidOptionsAreRefused) {
  EXPECT_FALSE(ValidateProbeOptions({.topic = "", .interval = 100ms}).ok());
  EXPECT_FALSE(ValidateProbeOptions({.interval = 5ms}).ok());
  Status s = ValidateProbeOptions({.interval = 1s, .lost_after = 1s});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--probe.timeout"), std::string::npos);
  EXPECT_TRUE(ValidateProbeOptions({}).ok());
}

}  // namespace
}  // namespace streamlens::exporter::probe
