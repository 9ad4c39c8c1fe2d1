#include "exporter/loadgen/scenario.h"

#include <gtest/gtest.h>

namespace streamlens::exporter::loadgen {
namespace {

TEST(ScenarioTest, ParsesEveryKind) {
  auto sc = ParseScenario(R"(
faults:
  - {kind: consumer_stop, group: g1, start: 10s, duration: 1m}
  - {kind: consumer_slowdown, group: g2, factor: 0.25, start: 0s, duration: 30s}
  - {kind: consumer_rewind, group: g3, offsets: 100, start: 5s}
  - {kind: partition_skew, topic: t1, partition: 3, factor: 20, start: 1m, duration: 2m}
  - {kind: producer_burst, factor: 5, start: 2m, duration: 10s}
  - {kind: daily_burst, topic: t2, factor: 3, start: 3m, duration: 1m}
  - {kind: broker_down, broker: 2, start: 4m, duration: 30s}
  - {kind: broker_slow, broker: 3, rtt: 250ms, start: 5m, duration: 1m}
)",
                          "test");
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  ASSERT_EQ(sc->faults.size(), 8u);
  EXPECT_EQ(sc->faults[0].kind, FaultKind::kConsumerStop);
  EXPECT_EQ(sc->faults[0].start, std::chrono::seconds(10));
  EXPECT_EQ(sc->faults[0].duration, std::chrono::minutes(1));
  EXPECT_TRUE(sc->faults[0].ActiveAt(std::chrono::seconds(69)));
  EXPECT_FALSE(sc->faults[0].ActiveAt(std::chrono::seconds(70)));
  EXPECT_DOUBLE_EQ(sc->faults[1].factor, 0.25);
  EXPECT_EQ(sc->faults[2].offsets, 100);
  EXPECT_EQ(sc->faults[3].partition, 3);
  EXPECT_EQ(sc->faults[6].broker, 2);
  EXPECT_EQ(sc->faults[7].kind, FaultKind::kBrokerSlow);
  EXPECT_EQ(sc->faults[7].rtt, std::chrono::milliseconds(250));
  auto no_rtt = ParseScenario(
      "faults:\n  - {kind: broker_slow, broker: 1, start: 1s, duration: 1s}\n", "s.yml");
  ASSERT_FALSE(no_rtt.ok());
  EXPECT_NE(no_rtt.status().message().find("`rtt`"), std::string::npos);
}

TEST(ScenarioTest, BrokerSaturationNeedsABrokerAndDefaultsToATenth) {
  auto sc = ParseScenario(R"(
faults:
  - {kind: broker_saturation, broker: 3, start: 1m, duration: 10m}
  - {kind: broker_saturation, broker: 1, factor: 0.5, start: 0s, duration: 1m}
)",
                          "s.yml");
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  EXPECT_EQ(sc->faults[0].kind, FaultKind::kBrokerSaturation);
  EXPECT_EQ(sc->faults[0].broker, 3);
  EXPECT_DOUBLE_EQ(sc->faults[0].factor, 0.1);
  EXPECT_DOUBLE_EQ(sc->faults[1].factor, 0.5);
  EXPECT_NE(GroundTruthJson(*sc, 100, {})
                .find("\"kind\": \"broker_saturation\", \"benign\": false, \"labels\": "
                      "{\"broker\": \"3\"}"),
            std::string::npos);
  auto no_broker =
      ParseScenario("faults:\n  - {kind: broker_saturation, start: 1s, duration: 1s}\n", "s.yml");
  ASSERT_FALSE(no_broker.ok());
  EXPECT_NE(no_broker.status().message().find("`broker`"), std::string::npos);
  auto bad_factor = ParseScenario(
      "faults:\n  - {kind: broker_saturation, broker: 1, factor: 1.5, start: 1s, duration: 1s}\n",
      "s.yml");
  ASSERT_FALSE(bad_factor.ok());
  EXPECT_NE(bad_factor.status().message().find("factor"), std::string::npos);
}

TEST(ScenarioTest, ErrorsNameFaultAndField) {
  auto sc = ParseScenario("faults:\n  - {kind: consumer_stop, start: 1s, duration: 1s}\n", "s.yml");
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find("s.yml: faults[0]: `group` is required"), std::string::npos)
      << sc.status().message();
  sc = ParseScenario("faults:\n  - {kind: meteor, start: 1s, duration: 1s}\n", "s.yml");
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find("unknown kind \"meteor\""), std::string::npos);
  sc = ParseScenario("faults:\n  - {kind: producer_burst, factor: 2, start: 30, duration: 1s}\n",
                     "s.yml");
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find("faults[0].start"), std::string::npos)
      << sc.status().message();
  sc = ParseScenario("faults:\n  - {kind: producer_burst, factr: 2, start: 1s, duration: 1s}\n",
                     "s.yml");
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find("s.yml:2:28: faults[0].factr: unknown key"),
            std::string::npos)
      << sc.status().message();
  sc = ParseScenario("faults: [1, 2", "s.yml");
  ASSERT_FALSE(sc.ok());
  EXPECT_NE(sc.status().message().find("not valid YAML"), std::string::npos);
}

TEST(ScenarioTest, GroundTruthJsonHasLabelsAndAbsoluteTimes) {
  auto sc = ParseScenario(R"(
faults:
  - {kind: consumer_stop, group: g1, start: 10s, duration: 20s}
  - {kind: daily_burst, factor: 3, start: 0s, duration: 5s}
  - {kind: broker_down, broker: 2, start: 1s, duration: 2s}
)",
                          "t");
  ASSERT_TRUE(sc.ok());
  const std::string j = GroundTruthJson(*sc, 1000, {{"g1", "topic-1"}});
  EXPECT_EQ(j,
            "{\"start\": 1000, \"faults\": ["
            "{\"kind\": \"consumer_stop\", \"benign\": false, \"labels\": {\"consumergroup\": "
            "\"g1\", \"topic\": \"topic-1\"}, \"start\": 1010, \"end\": 1030}, "
            "{\"kind\": \"daily_burst\", \"benign\": true, \"labels\": {}, \"start\": 1000, "
            "\"end\": 1005}, "
            "{\"kind\": \"broker_down\", \"benign\": false, \"labels\": {\"broker\": \"2\"}, "
            "\"start\": 1001, \"end\": 1003}]}\n");
}

}  // namespace
}  // namespace streamlens::exporter::loadgen
