// KafkaCollector against librdkafka's mock cluster, in process: exact offsets, lag, lag seconds,
// lag-health transitions and a broker going down.
#include "exporter/kafka/kafka_collector.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "common/parse_exposition_for_test.h"
#include "exporter/loadgen/kafka_driver.h"
#include "exporter/loadgen/mock_cluster.h"

namespace streamlens::exporter::kafka {
namespace {

using loadgen::MockCluster;
using loadgen::OffsetCommitter;
using loadgen::Producer;
using Labels = std::map<std::string, std::string>;

std::optional<double> Value(const std::vector<prometheus::MetricFamily>& fams,
                            const std::string& name, const Labels& labels) {
  for (const auto& f : fams) {
    if (f.name != name) continue;
    for (const auto& m : f.metric) {
      Labels got;
      for (const auto& l : m.label) got[l.name] = l.value;
      if (got == labels) {
        if (f.type == prometheus::MetricType::Counter) return m.counter.value;
        if (f.type == prometheus::MetricType::Untyped) return m.untyped.value;
        return m.gauge.value;
      }
    }
  }
  return std::nullopt;
}

size_t Count(const std::vector<prometheus::MetricFamily>& fams, const std::string& name) {
  for (const auto& f : fams) {
    if (f.name == name) return f.metric.size();
  }
  return 0;
}

class KafkaCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto mc = MockCluster::Start(3);
    ASSERT_TRUE(mc.ok()) << mc.status().message();
    cluster_ = std::move(*mc);
    auto p = Producer::Create(cluster_->bootstrap());
    ASSERT_TRUE(p.ok()) << p.status().message();
    producer_ = std::move(*p);
  }

  std::unique_ptr<KafkaCollector> MakeCollector(std::vector<std::string> groups,
                                                int64_t window = 10, double min_stop = 0) {
    KafkaCollectorOptions o;
    o.kafka.servers = {cluster_->bootstrap()};
    o.kafka.group_list = std::move(groups);
    o.kafka.timeout = std::chrono::seconds(3);
    o.kafka.lag_window = window;
    o.min_stop_seconds = min_stop;
    o.clock = [this] { return now_; };
    auto c =
        KafkaCollector::Create(std::move(o), Logger(&log_, LogLevel::kInfo, LogFormat::kLogfmt));
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? std::move(*c) : nullptr;
  }

  void Produce(const std::string& topic, int partition, int n) {
    ASSERT_TRUE(producer_->Produce(topic, partition, n).ok());
    ASSERT_TRUE(producer_->Flush(10000).ok());
  }

  std::unique_ptr<OffsetCommitter> Committer(const std::string& group) {
    auto c = OffsetCommitter::Create(cluster_->bootstrap(), group);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? std::move(*c) : nullptr;
  }

  // Collects as the scheduler does (exposition text) and parses the text back.
  std::vector<prometheus::MetricFamily> Collect(KafkaCollector& c) {
    std::string text;
    Status s = c.CollectText(" (note)", &text);
    EXPECT_TRUE(s.ok()) << s.message();
    auto fams = ParseExpositionForTest(text);
    for (const auto& f : fams) {
      EXPECT_TRUE(f.help.ends_with(" (note)")) << f.name << ": " << f.help;
      EXPECT_FALSE(f.metric.empty()) << f.name;
    }
    return fams;
  }

  std::ostringstream log_;
  double now_ = 1000;
  std::unique_ptr<MockCluster> cluster_;
  std::unique_ptr<Producer> producer_;
};

TEST_F(KafkaCollectorTest, ExactOffsetsLagAndMetadata) {
  ASSERT_TRUE(cluster_->CreateTopic("orders", 4, 3).ok());
  for (int p = 0; p < 4; ++p) ASSERT_TRUE(cluster_->SetLeader("orders", p, 1 + p % 3).ok());
  Produce("orders", 0, 10);
  Produce("orders", 1, 20);
  Produce("orders", 3, 5);
  auto committer = Committer("billing");
  ASSERT_TRUE(committer->Commit({{"orders", 0, 4}, {"orders", 1, 20}, {"orders", 3, 7}}).ok());

  auto c = MakeCollector({"billing", "nobody"});
  auto f = Collect(*c);
  EXPECT_EQ(Value(f, "kafka_brokers", {}), 3);
  EXPECT_EQ(Count(f, "kafka_broker_info"), 3u);
  EXPECT_EQ(Value(f, "kafka_topic_partitions", {{"topic", "orders"}}), 4);
  EXPECT_EQ(
      Value(f, "kafka_topic_partition_current_offset", {{"topic", "orders"}, {"partition", "0"}}),
      10);
  EXPECT_EQ(
      Value(f, "kafka_topic_partition_current_offset", {{"topic", "orders"}, {"partition", "1"}}),
      20);
  EXPECT_EQ(
      Value(f, "kafka_topic_partition_current_offset", {{"topic", "orders"}, {"partition", "2"}}),
      0);
  EXPECT_EQ(
      Value(f, "kafka_topic_partition_oldest_offset", {{"topic", "orders"}, {"partition", "0"}}),
      0);
  EXPECT_EQ(Value(f, "kafka_topic_partition_leader", {{"topic", "orders"}, {"partition", "1"}}), 2);
  EXPECT_EQ(Value(f, "kafka_topic_partition_replicas", {{"topic", "orders"}, {"partition", "1"}}),
            3);
  EXPECT_EQ(Count(f, "kafka_topic_partition_replica_info"), 12u);
  EXPECT_EQ(Value(f, "kafka_topic_partition_replica_info",
                  {{"topic", "orders"},
                   {"partition", "2"},
                   {"broker", "3"},
                   {"role", "leader"},
                   {"in_sync", "true"}}),
            1);

  const Labels g0 = {{"consumergroup", "billing"}, {"topic", "orders"}, {"partition", "0"}};
  EXPECT_EQ(Value(f, "kafka_consumergroup_current_offset", g0), 4);
  EXPECT_EQ(Value(f, "kafka_consumergroup_lag", g0), 6);
  EXPECT_EQ(Value(f, "kafka_consumergroup_lag",
                  {{"consumergroup", "billing"}, {"topic", "orders"}, {"partition", "1"}}),
            0);
  // Committed past the head: lag clamps at 0, never negative.
  EXPECT_EQ(Value(f, "kafka_consumergroup_lag",
                  {{"consumergroup", "billing"}, {"topic", "orders"}, {"partition", "3"}}),
            0);
  // No commit on partition 2: no lag series (not -1), counted as uncommitted.
  EXPECT_FALSE(Value(f, "kafka_consumergroup_lag",
                     {{"consumergroup", "billing"}, {"topic", "orders"}, {"partition", "2"}}));
  EXPECT_EQ(Value(f, "kafka_consumergroup_uncommitted_partitions",
                  {{"consumergroup", "billing"}, {"topic", "orders"}}),
            1);
  EXPECT_EQ(
      Value(f, "kafka_consumergroup_lag_sum", {{"consumergroup", "billing"}, {"topic", "orders"}}),
      6);
  EXPECT_EQ(Value(f, "kafka_consumergroup_current_offset_sum",
                  {{"consumergroup", "billing"}, {"topic", "orders"}}),
            31);
  // A configured group without commits produces no group series at all.
  EXPECT_FALSE(Value(f, "kafka_consumergroup_uncommitted_partitions",
                     {{"consumergroup", "nobody"}, {"topic", "orders"}}));
  EXPECT_EQ(Value(f, "streamlens_exporter_kafka_group_listing_supported", {}), 0);
  for (const auto& fam : f) {
    for (const auto& m : fam.metric) {
      EXPECT_GE(m.gauge.value + m.untyped.value + m.counter.value, 0) << fam.name;
    }
  }
}

TEST_F(KafkaCollectorTest, TargetLabelsAreRenderedOnEverySample) {
  ASSERT_TRUE(cluster_->CreateTopic("orders", 2, 1).ok());
  Produce("orders", 0, 3);
  ASSERT_TRUE(Committer("billing")->Commit({{"orders", 0, 1}}).ok());
  auto c = MakeCollector({"billing"});
  ASSERT_TRUE(c->ApplyTargetLabels({{"cluster", "eu-1"}}));
  auto f = Collect(*c);
  size_t samples = 0;
  for (const auto& fam : f) {
    for (const auto& m : fam.metric) {
      size_t clusters = 0;
      for (const auto& l : m.label) clusters += l.name == "cluster" && l.value == "eu-1";
      EXPECT_EQ(clusters, 1u) << fam.name;
      ++samples;
    }
  }
  EXPECT_GT(samples, 20u);
  EXPECT_EQ(Value(f, "kafka_consumergroup_lag",
                  {{"cluster", "eu-1"},
                   {"consumergroup", "billing"},
                   {"topic", "orders"},
                   {"partition", "0"}}),
            2);
}

TEST_F(KafkaCollectorTest, LagSecondsInterpolatesOverWatermarkHistory) {
  ASSERT_TRUE(cluster_->CreateTopic("clicks", 1, 1).ok());
  auto committer = Committer("reader");
  Produce("clicks", 0, 10);
  ASSERT_TRUE(committer->Commit({{"clicks", 0, 4}}).ok());
  auto c = MakeCollector({"reader"});
  const Labels l = {{"consumergroup", "reader"}, {"topic", "clicks"}, {"partition", "0"}};
  now_ = 1000;
  Collect(*c);  // history: (10 @ 1000)
  Produce("clicks", 0, 10);
  now_ = 1010;
  auto f = Collect(*c);  // history: (10 @ 1000), (20 @ 1010): 1 msg/s
  // Offset 4 predates the history: extrapolated at 1 msg/s to t = 1000 - 6 = 994.
  EXPECT_DOUBLE_EQ(*Value(f, "streamlens_consumergroup_lag_seconds", l), 16.0);
  ASSERT_TRUE(committer->Commit({{"clicks", 0, 15}}).ok());
  now_ = 1020;
  f = Collect(*c);  // no new messages: history (10@1000),(20@1010),(20@1020)
  // Message 15 is the 6th of the 10 that arrived between 1000 and 1010 -> t = 1006.
  EXPECT_DOUBLE_EQ(*Value(f, "streamlens_consumergroup_lag_seconds", l), 14.0);
  EXPECT_DOUBLE_EQ(*Value(f, "streamlens_consumergroup_max_lag_seconds",
                          {{"consumergroup", "reader"}, {"topic", "clicks"}}),
                   14.0);
  ASSERT_TRUE(committer->Commit({{"clicks", 0, 20}}).ok());
  now_ = 1030;
  f = Collect(*c);
  EXPECT_EQ(*Value(f, "streamlens_consumergroup_lag_seconds", l), 0.0);
}

TEST_F(KafkaCollectorTest, StatusTransitionsOkWarnStopRewindOkAndGroupErr) {
  ASSERT_TRUE(cluster_->CreateTopic("jobs", 1, 1).ok());
  auto committer = Committer("worker");
  auto c = MakeCollector({"worker"}, /*window=*/3, /*min_stop=*/0);
  const Labels l = {{"consumergroup", "worker"}, {"topic", "jobs"}, {"partition", "0"}};
  auto step = [&](int produce, int64_t commit) {
    if (produce > 0) Produce("jobs", 0, produce);
    if (commit >= 0) EXPECT_TRUE(committer->Commit({{"jobs", 0, commit}}).ok());
    now_ += 10;
    auto f = Collect(*c);
    auto v = Value(f, "streamlens_consumergroup_status", l);
    // Burrow's group status: STOP, STALL and REWIND partitions make the group ERR (3).
    const double group = v.value_or(-1) >= 4 ? 3 : v.value_or(-1);
    EXPECT_EQ(Value(f, "streamlens_consumergroup_group_status", {{"consumergroup", "worker"}}),
              group);
    EXPECT_EQ(Value(f, "streamlens_consumergroup_status_info",
                    {{"consumergroup", "worker"}, {"status", group == 3 ? "ERR" : "OK"}}),
              group == 3 || group == 1 ? 1 : 0);
    return v.value_or(-1);
  };
  EXPECT_EQ(step(10, 10), 1);  // at the head: OK
  EXPECT_EQ(step(10, 15), 1);  // lag 5, but lag was 0 in the window: OK
  EXPECT_EQ(step(10, 20), 1);  // lag 10
  EXPECT_EQ(step(10, 25), 2);  // window (15,20,25) lags 5,10,15 never decreased: WARN
  EXPECT_EQ(step(10, -1), 2);  // no commit for 10 s, window span 20 s: still WARN
  EXPECT_EQ(step(10, -1), 2);  // silent 20 s, not > 20 s
  EXPECT_EQ(step(10, -1), 4);  // silent 30 s > 20 s: STOP
  // The group is in Burrow's ERR, the state KafkaConsumerGroupError alerts on; its state set
  // has exactly Burrow's three group states.
  auto f = Collect(*c);
  EXPECT_EQ(Value(f, "streamlens_consumergroup_status_info",
                  {{"consumergroup", "worker"}, {"status", "ERR"}}),
            1);
  EXPECT_EQ(Value(f, "streamlens_consumergroup_status_info",
                  {{"consumergroup", "worker"}, {"status", "OK"}}),
            0);
  EXPECT_FALSE(Value(f, "streamlens_consumergroup_status_info",
                     {{"consumergroup", "worker"}, {"status", "STOP"}}));
  EXPECT_EQ(Count(f, "streamlens_consumergroup_status_info"), 3u);
  EXPECT_EQ(step(0, 5), 6);   // offset went back from 25 to 5: REWIND
  EXPECT_EQ(step(0, 80), 1);  // recovered and at the head (80): OK
}

TEST_F(KafkaCollectorTest, BrokerDownLosesOnlyItsPartitionsAndRecovers) {
  ASSERT_TRUE(cluster_->CreateTopic("events", 3, 1).ok());
  for (int p = 0; p < 3; ++p) ASSERT_TRUE(cluster_->SetLeader("events", p, p + 1).ok());
  for (int p = 0; p < 3; ++p) Produce("events", p, 5 + p);
  auto c = MakeCollector({});
  auto f = Collect(*c);
  EXPECT_EQ(
      Value(f, "kafka_topic_partition_current_offset", {{"topic", "events"}, {"partition", "2"}}),
      7);
  ASSERT_TRUE(cluster_->SetBrokerDown(3).ok());
  f = Collect(*c);
  EXPECT_EQ(
      Value(f, "kafka_topic_partition_current_offset", {{"topic", "events"}, {"partition", "0"}}),
      5);
  EXPECT_EQ(
      Value(f, "kafka_topic_partition_current_offset", {{"topic", "events"}, {"partition", "1"}}),
      6);
  EXPECT_FALSE(
      Value(f, "kafka_topic_partition_current_offset", {{"topic", "events"}, {"partition", "2"}}));
  EXPECT_EQ(Value(f, "streamlens_exporter_kafka_unreadable_partitions", {}), 1);
  ASSERT_TRUE(cluster_->SetBrokerUp(3).ok());
  bool recovered = false;
  for (int i = 0; i < 10 && !recovered; ++i) {
    f = Collect(*c);
    recovered = Value(f, "kafka_topic_partition_current_offset",
                      {{"topic", "events"}, {"partition", "2"}}) == 7;
  }
  EXPECT_TRUE(recovered);
}

TEST_F(KafkaCollectorTest, TopicAndGroupFilters) {
  ASSERT_TRUE(cluster_->CreateTopic("keep.a", 1, 1).ok());
  ASSERT_TRUE(cluster_->CreateTopic("drop.b", 1, 1).ok());
  Produce("keep.a", 0, 3);
  ASSERT_TRUE(Committer("g-in")->Commit({{"keep.a", 0, 1}}).ok());
  ASSERT_TRUE(Committer("g-out")->Commit({{"keep.a", 0, 2}}).ok());
  KafkaCollectorOptions o;
  o.kafka.servers = {cluster_->bootstrap()};
  o.kafka.group_list = {"g-in,g-out"};
  o.kafka.topic_filter = "^keep\\.";
  o.kafka.group_exclude = "out$";
  o.kafka.timeout = std::chrono::seconds(3);
  auto c = KafkaCollector::Create(std::move(o), Logger(&log_, LogLevel::kInfo, LogFormat::kLogfmt));
  ASSERT_TRUE(c.ok());
  auto f = Collect(**c);
  EXPECT_TRUE(Value(f, "kafka_topic_partitions", {{"topic", "keep.a"}}));
  EXPECT_FALSE(Value(f, "kafka_topic_partitions", {{"topic", "drop.b"}}));
  EXPECT_EQ(Value(f, "kafka_consumergroup_lag",
                  {{"consumergroup", "g-in"}, {"topic", "keep.a"}, {"partition", "0"}}),
            2);
  EXPECT_FALSE(Value(f, "kafka_consumergroup_lag",
                     {{"consumergroup", "g-out"}, {"topic", "keep.a"}, {"partition", "0"}}));
}

TEST_F(KafkaCollectorTest, ConfigPassthroughReachesLibrdkafkaAndSecretsStayOutOfLogs) {
  ASSERT_TRUE(cluster_->CreateTopic("t", 1, 1).ok());
  const std::string secret_file = ::testing::TempDir() + "/sasl_password";
  { std::ofstream(secret_file) << "hunter2-s3cret\n"; }
  std::ostringstream log;
  const Logger debug(&log, LogLevel::kDebug, LogFormat::kLogfmt);
  auto options = [&] {
    KafkaCollectorOptions o;
    o.kafka.servers = {cluster_->bootstrap()};
    o.kafka.timeout = std::chrono::milliseconds(1500);
    o.kafka.topic_config_refresh = std::chrono::milliseconds(0);
    return o;
  };
  // Plaintext properties pass through and the collection works.
  auto plain = options();
  plain.kafka.config = {"topic.metadata.refresh.interval.ms=1000", "client.rack=r1"};
  auto ok = KafkaCollector::Create(std::move(plain), debug);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  std::string text;
  EXPECT_TRUE((*ok)->CollectText("", &text).ok());
  EXPECT_NE(log.str().find("client.rack"), std::string::npos) << log.str();
  // A SASL mechanism reaches librdkafka: the mock implements no SaslHandshake, so nothing can be
  // read, and the password from the file appears nowhere.
  auto sasl = options();
  sasl.kafka.config = {"security.protocol=sasl_plaintext", "sasl.mechanisms=PLAIN",
                       "sasl.username=exporter"};
  sasl.kafka.config_secrets = {"sasl.password=" + secret_file};
  auto failing = KafkaCollector::Create(std::move(sasl), debug);
  ASSERT_TRUE(failing.ok()) << failing.status().message();
  text.clear();
  Status s = (*failing)->CollectText("", &text);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos) << s.message();
  // librdkafka quotes invalid values in its errors; the exporter redacts them.
  auto bad = options();
  bad.kafka.config = {"security.protocol=hunter2-s3cret"};
  auto refused = KafkaCollector::Create(std::move(bad), debug);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("security.protocol"), std::string::npos);
  EXPECT_NE(refused.status().message().find("<redacted>"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(refused.status().message().find("hunter2"), std::string::npos);
  (*failing).reset();
  EXPECT_EQ(log.str().find("hunter2"), std::string::npos) << log.str();
}

TEST_F(KafkaCollectorTest, TopicConfigsTheMockCannotAnswerAreReportedNotBlocking) {
  ASSERT_TRUE(cluster_->CreateTopic("orders", 2, 3).ok());
  KafkaCollectorOptions o;
  o.kafka.servers = {cluster_->bootstrap()};
  o.kafka.timeout = std::chrono::milliseconds(1000);
  o.kafka.topic_config_refresh = std::chrono::seconds(60);
  o.clock = [this] { return now_; };
  auto c = KafkaCollector::Create(std::move(o), Logger(&log_, LogLevel::kInfo, LogFormat::kLogfmt));
  ASSERT_TRUE(c.ok());
  const auto t0 = std::chrono::steady_clock::now();
  auto f = Collect(**c);
  // DescribeConfigs is in flight; the cycle does not wait for it.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(900));
  EXPECT_FALSE(Value(f, "streamlens_exporter_kafka_topic_configs_supported", {}));
  EXPECT_EQ(Value(f, "kafka_topic_replication_factor", {{"topic", "orders"}}), 3);
  bool reported = false;
  for (int i = 0; i < 30 && !reported; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    f = Collect(**c);
    reported = Value(f, "streamlens_exporter_kafka_topic_configs_supported", {}).has_value();
  }
  ASSERT_TRUE(reported);
  EXPECT_EQ(Value(f, "streamlens_exporter_kafka_topic_configs_supported", {}), 0);
  EXPECT_EQ(Count(f, "kafka_topic_config_min_insync_replicas"), 0u);
  EXPECT_NE(log_.str().find("reading topic configurations failed"), std::string::npos);
}

TEST(KafkaCollectorErrorTest, UnreachableClusterFailsCollectWithAMessage) {
  KafkaCollectorOptions o;
  o.kafka.servers = {"127.0.0.1:1"};
  o.kafka.timeout = std::chrono::milliseconds(500);
  std::ostringstream log;
  auto c = KafkaCollector::Create(std::move(o), Logger(&log, LogLevel::kInfo, LogFormat::kLogfmt));
  ASSERT_TRUE(c.ok());
  std::string text;
  Status s = (*c)->CollectText("", &text);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("metadata"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace streamlens::exporter::kafka
