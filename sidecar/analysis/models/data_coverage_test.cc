#include "sidecar/analysis/models/data_coverage.h"

#include <gtest/gtest.h>

namespace streamlens::analysis::models {
namespace {

std::vector<PartitionState> Parts(const std::string& topic, int n, int rf) {
  std::vector<PartitionState> out;
  for (int p = 0; p < n; ++p) {
    PartitionState s;
    s.topic = topic;
    s.partition = p;
    for (int r = 0; r < rf; ++r) s.replicas.push_back(r + 1);
    s.leader = 1;
    out.push_back(s);
  }
  return out;
}

TEST(DataCoverageTest, CompleteFreshPlacementIsSufficient) {
  CoverageInput in;
  in.topic_partitions = {{"a", 100}};
  in.replica_series_seen = in.replica_series_fresh = 300;
  DataCoverage c = AssessCoverage(Parts("a", 100, 3), in, 0.995);
  EXPECT_TRUE(c.sufficient);
  EXPECT_EQ(c.expected_partitions, 100u);
  EXPECT_DOUBLE_EQ(c.coverage, 1.0);
}

TEST(DataCoverageTest, GapsInPartitionIdsMissingTopicPartitionsAndReplicasCount) {
  auto parts = Parts("a", 200, 2);
  parts.erase(parts.begin() + 10, parts.begin() + 12);  // a-10, a-11: ids below the highest one
  CoverageInput in;
  DataCoverage gap = AssessCoverage(parts, in, 0.995);
  EXPECT_EQ(gap.expected_partitions, 200u);
  EXPECT_EQ(gap.complete_partitions, 198u);
  EXPECT_FALSE(gap.sufficient);  // 99.0%
  EXPECT_TRUE(AssessCoverage(parts, in, 0.99).sufficient);
  in.topic_partitions = {{"a", 210}};  // the last ten are missing altogether
  EXPECT_EQ(AssessCoverage(parts, in, 0.9).expected_partitions, 210u);
  in.partition_replicas[{"a", 3}] = 3;  // a-3 has RF 3 but only two replica series
  DataCoverage rf = AssessCoverage(parts, in, 0.5);
  EXPECT_EQ(rf.complete_partitions, 197u);
  EXPECT_NE(rf.reason.find("197 of 210 partitions"), std::string::npos) << rf.reason;
}

TEST(DataCoverageTest, StaleReplicaSeriesMakeItInsufficient) {
  CoverageInput in;
  in.replica_series_seen = 1000;
  in.replica_series_fresh = 990;
  DataCoverage c = AssessCoverage(Parts("a", 10, 1), in, 0.995);
  EXPECT_DOUBLE_EQ(c.freshness, 0.99);
  EXPECT_FALSE(c.sufficient);
  EXPECT_TRUE(AssessCoverage(Parts("a", 10, 1), in, 0.98).sufficient);
  EXPECT_FALSE(AssessCoverage({}, CoverageInput(), 0.0).sufficient) << "nothing to plan from";
}

}  // namespace
}  // namespace streamlens::analysis::models
