#include "exporter/loadgen/simulated_jmx.h"

#include <gtest/gtest.h>

#include <optional>

namespace streamlens::exporter::loadgen {
namespace {

std::optional<double> Attr(const std::vector<MBean>& beans, const std::string& name,
                           const std::string& attr) {
  for (const auto& b : beans) {
    if (b.name != name) continue;
    for (const auto& [k, v] : b.attributes) {
      if (k == attr) return v;
    }
  }
  return std::nullopt;
}

// Two brokers, topic "orders" with partition 0 led by broker 1 and partition 1 by broker 2;
// 20 messages/s in all, 100 bytes each.
std::unique_ptr<SimulatedJmx> Make() {
  JmxLayout l;
  l.brokers = 2;
  l.replication_factor = 2;
  l.topics = {"orders"};
  l.leader = {{1, 2}};
  l.nominal_rate = 20;
  l.message_bytes = 100;
  auto j = SimulatedJmx::Create(l);
  EXPECT_TRUE(j.ok()) << j.status().message();
  return std::move(*j);
}

JmxTick Tick(double p0, double p1, bool saturated1 = false, bool down2 = false) {
  JmxTick t;
  t.dt = 1;
  t.produced = {{p0, p1}};
  t.consumed = {{p0, p1}};
  t.fetches = {{1, 1}};
  t.saturated = {saturated1, false};
  t.down = {false, down2};
  return t;
}

TEST(SimulatedJmxTest, CountersAndRatesFollowTheRecordedTraffic) {
  auto jmx = Make();
  for (int i = 0; i < 300; ++i) jmx->Record(Tick(10, 10));
  auto b1 = jmx->Read(1);
  ASSERT_TRUE(b1.ok());
  const std::string in = "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec";
  EXPECT_DOUBLE_EQ(*Attr(*b1, in, "Count"), 300 * 10 * 100.0);
  EXPECT_NEAR(*Attr(*b1, in, "OneMinuteRate"), 1000, 1);
  EXPECT_NEAR(*Attr(*b1, in, "MeanRate"), 1000, 1);
  EXPECT_DOUBLE_EQ(*Attr(*b1, in + ",topic=orders", "Count"), 300 * 10 * 100.0);
  EXPECT_DOUBLE_EQ(
      *Attr(*b1, "kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec", "Count"), 3000);
  // Replication: broker 1 follows partition 1 (one follower copy of broker 2's 10 msgs/s).
  EXPECT_NEAR(*Attr(*b1, "kafka.server:type=BrokerTopicMetrics,name=ReplicationBytesInPerSec",
                    "OneMinuteRate"),
              1000, 1);
  EXPECT_EQ(*Attr(*b1, "kafka.server:type=ReplicaManager,name=LeaderCount", "Value"), 1);
  EXPECT_EQ(*Attr(*b1, "kafka.server:type=ReplicaManager,name=PartitionCount", "Value"), 2);
  // At the nominal per-broker rate the handlers are 0.95 - 0.2 = 0.75 idle.
  EXPECT_NEAR(
      *Attr(*b1, "kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent",
            "OneMinuteRate"),
      0.75, 0.005);
  EXPECT_EQ(*Attr(*b1, "kafka.controller:type=KafkaController,name=ActiveControllerCount", "Value"),
            1);
  EXPECT_EQ(*Attr(*jmx->Read(2), "kafka.controller:type=KafkaController,name=ActiveControllerCount",
                  "Value"),
            0);
  EXPECT_DOUBLE_EQ(*Attr(*b1, "kafka.log:type=Log,name=Size,topic=orders,partition=1", "Value"),
                   300 * 10 * 100.0);
}

TEST(SimulatedJmxTest, ASaturatedBrokerShowsItInIdleCpuLatencyAndTraffic) {
  auto jmx = Make();
  for (int i = 0; i < 300; ++i) jmx->Record(Tick(10, 10));
  // Broker 1 saturates: a tenth of its partition's messages get through.
  for (int i = 0; i < 300; ++i) jmx->Record(Tick(1, 10, true));
  auto b1 = *jmx->Read(1);
  auto b2 = *jmx->Read(2);
  const std::string idle =
      "kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent";
  EXPECT_LT(*Attr(b1, idle, "OneMinuteRate"), 0.1);
  EXPECT_NEAR(*Attr(b2, idle, "OneMinuteRate"), 0.75, 0.01);
  const std::string cpu = "java.lang:type=OperatingSystem";
  EXPECT_GT(*Attr(b1, cpu, "ProcessCpuLoad"), *Attr(b2, cpu, "ProcessCpuLoad") + 0.3);
  const std::string produce = "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce";
  EXPECT_GT(*Attr(b1, produce, "99thPercentile"), 50 * *Attr(b2, produce, "99thPercentile"));
  const std::string in = "kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec";
  EXPECT_NEAR(*Attr(b1, in, "OneMinuteRate"), 100, 10);  // 1-minute EWMA after 5 minutes
  EXPECT_NEAR(*Attr(b2, in, "OneMinuteRate"), 1000, 2);
}

TEST(SimulatedJmxTest, ADownBrokerAnswersNothingAndItsPeerReportsUnderReplication) {
  auto jmx = Make();
  for (int i = 0; i < 10; ++i) jmx->Record(Tick(10, 0, false, true));
  EXPECT_FALSE(jmx->Read(2).ok());
  EXPECT_FALSE(jmx->Read(3).ok());
  auto b1 = *jmx->Read(1);
  EXPECT_EQ(*Attr(b1, "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions", "Value"),
            1);
  EXPECT_EQ(*Attr(b1, "kafka.controller:type=KafkaController,name=OfflinePartitionsCount", "Value"),
            1);
}

TEST(SimulatedJmxTest, RejectsLayoutsThatDoNotFit) {
  JmxLayout l;
  l.brokers = 2;
  l.topics = {"a"};
  l.leader = {{1, 3}};
  auto j = SimulatedJmx::Create(l);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find("leader 3"), std::string::npos);
  l.leader = {};
  EXPECT_FALSE(SimulatedJmx::Create(l).ok());
}

}  // namespace
}  // namespace streamlens::exporter::loadgen
