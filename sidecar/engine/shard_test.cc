#include "sidecar/engine/shard.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace streamlens::engine {
namespace {

TEST(ShardTest, MatchesPrometheusHashmodKnownValues) {
  // md5("foo") = acbd18db4cc2f85cedef654fccc4a4d8; bytes 8..15 = edef654fccc4a4d8.
  EXPECT_EQ(HashModKey({"foo"}), 0xedef654fccc4a4d8ULL);
  // Prometheus joins source label values with ';' before hashing: md5("a;b").
  // md5("a;b") = 45d17989299efc4321960bf46f2ebd0a (coreutils md5sum).
  EXPECT_EQ(HashModKey({"a", "b"}), 0x21960bf46f2ebd0aULL);
  EXPECT_EQ(HashModKey({"a", "b"}), HashModKey({"a;b"}));
  EXPECT_NE(HashModKey({"a", "b"}), HashModKey({"ab"}));
}

TEST(ShardTest, EveryKeyInExactlyOneShardAndRoughlyBalanced) {
  constexpr uint32_t kShards = 4;
  std::vector<int> counts(kShards, 0);
  for (int i = 0; i < 4000; ++i) {
    std::string group = "group-" + std::to_string(i);
    std::vector<std::string_view> values = {"kafka_consumergroup_lag_sum", group, "topic"};
    int owners = 0;
    for (uint32_t s = 0; s < kShards; ++s) {
      ShardSpec spec{kShards, s};
      if (spec.Owns(values)) {
        ++owners;
        ++counts[s];
      }
    }
    EXPECT_EQ(owners, 1);
  }
  for (int c : counts) {
    EXPECT_GT(c, 850);
    EXPECT_LT(c, 1150);
  }
}

TEST(ShardTest, SingleShardOwnsEverything) {
  ShardSpec spec;
  EXPECT_TRUE(spec.Owns({"x"}));
  EXPECT_EQ(ShardOf({"x"}, 1), 0u);
}

}  // namespace
}  // namespace streamlens::engine
