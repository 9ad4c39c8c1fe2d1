#include "sidecar/analysis/rootcause/kafka_candidates.h"

#include <gtest/gtest.h>

#include <set>

namespace streamlens::analysis::rootcause {
namespace {

TEST(KafkaCandidatesTest, CoversTheIssuesCandidateFamilies) {
  // Consumer-side rates and lag, broker request queue and handler idle, ISR shrinks,
  // produce/fetch latency, CPU, network, disk, partition skew.
  for (const char* key :
       {"consumer_rate", "consumer_lag", "request_queue_time", "request_handler_idle",
        "isr_shrinks", "produce_latency", "fetch_latency", "broker_cpu", "network_tx", "disk_write",
        "partition_skew", "brokers_online", "topic_bytes_in"}) {
    EXPECT_NE(FindKafkaCandidateKind(key), nullptr) << key;
  }
  EXPECT_EQ(FindKafkaCandidateKind("nope"), nullptr);
}

TEST(KafkaCandidatesTest, KeysUniqueAndPriorsValid) {
  std::set<std::string_view> keys;
  std::set<Layer> layers;
  for (const KafkaCandidateKind& k : DefaultKafkaCandidateKinds()) {
    EXPECT_TRUE(keys.insert(k.key).second) << k.key;
    EXPECT_GT(k.prior, 0.0);
    EXPECT_LE(k.prior, 1.0);
    EXPECT_TRUE(k.bad_direction >= -1 && k.bad_direction <= 1);
    EXPECT_FALSE(k.promql.empty());
    layers.insert(k.layer);
  }
  EXPECT_EQ(layers.size(), 4u);  // every layer is represented
  // Symptoms weigh less than causes.
  EXPECT_LT(FindKafkaCandidateKind("produce_latency")->prior,
            FindKafkaCandidateKind("topic_bytes_in")->prior);
}

TEST(KafkaCandidatesTest, MakeCandidateCopiesTheKind) {
  const KafkaCandidateKind* k = FindKafkaCandidateKind("request_handler_idle");
  ASSERT_NE(k, nullptr);
  CandidateInfo c = MakeKafkaCandidate(*k, "broker=\"2\"");
  EXPECT_EQ(c.name, "broker=\"2\"");
  EXPECT_EQ(c.layer, Layer::kPlatform);
  EXPECT_EQ(c.bad_direction, -1);
  EXPECT_DOUBLE_EQ(c.prior, 0.8);
}

}  // namespace
}  // namespace streamlens::analysis::rootcause
