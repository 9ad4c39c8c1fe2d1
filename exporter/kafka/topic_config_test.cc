// DecodeTopicConfig on the entries of DescribeConfigs replies. librdkafka 2.0.2's mock cluster
// does not implement DescribeConfigs, so the replies are fixtures: the entries a Kafka 3.x broker
// returns for a topic (`kafka-configs --describe --all`), trimmed to the ones that matter plus a
// few neighbours.
#include "exporter/kafka/topic_config.h"

#include <gtest/gtest.h>

#include <cmath>

namespace streamlens::exporter::kafka {
namespace {

TEST(TopicConfigTest, DecodesABrokerReplyWithDefaults) {
  const std::vector<ConfigEntry> reply = {
      {"compression.type", "producer"}, {"leader.replication.throttled.replicas", ""},
      {"min.insync.replicas", "2"},     {"segment.bytes", "1073741824"},
      {"retention.ms", "604800000"},    {"retention.bytes", "-1"},
      {"cleanup.policy", "delete"},     {"message.timestamp.type", "CreateTime"},
  };
  const TopicConfig c = DecodeTopicConfig(reply);
  EXPECT_EQ(c.min_insync_replicas, 2);
  EXPECT_DOUBLE_EQ(*c.retention_seconds, 604800.0);
  ASSERT_TRUE(c.retention_bytes.has_value());
  EXPECT_TRUE(std::isinf(*c.retention_bytes));
  EXPECT_EQ(c.cleanup_policy, "delete");
}

TEST(TopicConfigTest, CompactedTopicWithInfiniteRetentionAndPolicyNormalised) {
  const std::vector<ConfigEntry> reply = {
      {"cleanup.policy", "delete, compact"},
      {"retention.ms", "-1"},
      {"retention.bytes", "10737418240"},
      {"min.insync.replicas", "1"},
  };
  const TopicConfig c = DecodeTopicConfig(reply);
  EXPECT_EQ(c.cleanup_policy, "compact,delete");
  EXPECT_TRUE(std::isinf(*c.retention_seconds));
  EXPECT_DOUBLE_EQ(*c.retention_bytes, 10737418240.0);
  EXPECT_EQ(c.min_insync_replicas, 1);
}

TEST(TopicConfigTest, NullGarbageAndOutOfRangeValuesAreLeftUnset) {
  const std::vector<ConfigEntry> reply = {
      {"min.insync.replicas", std::nullopt},
      {"retention.ms", "7d"},
      {"retention.bytes", "-5"},
  };
  const TopicConfig c = DecodeTopicConfig(reply);
  EXPECT_FALSE(c.min_insync_replicas.has_value());
  EXPECT_FALSE(c.retention_seconds.has_value());
  EXPECT_FALSE(c.retention_bytes.has_value());
  EXPECT_TRUE(c.cleanup_policy.empty());
  EXPECT_FALSE(DecodeTopicConfig(std::vector<ConfigEntry>{{"min.insync.replicas", "0"}})
                   .min_insync_replicas.has_value());
}

}  // namespace
}  // namespace streamlens::exporter::kafka
