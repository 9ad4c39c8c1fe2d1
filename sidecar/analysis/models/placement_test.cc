#include "sidecar/analysis/models/placement.h"

#include <gtest/gtest.h>

namespace streamlens::analysis::models {
namespace {

std::vector<BrokerInfo> Brokers() { return {{1, "a"}, {2, "b"}, {3, "c"}}; }

PartitionState Part(std::string topic, int32_t id, std::vector<int32_t> replicas,
                    std::vector<int32_t> isr, int32_t leader, double in, double out, double msgs) {
  PartitionState p;
  p.topic = std::move(topic);
  p.partition = id;
  p.replicas = std::move(replicas);
  p.isr = std::move(isr);
  p.leader = leader;
  p.bytes_in_per_s = in;
  p.bytes_out_per_s = out;
  p.messages_in_per_s = msgs;
  return p;
}

TEST(PlacementTest, ComputesLeaderAndFollowerLoads) {
  const std::vector<PartitionState> parts = {
      Part("t", 0, {1, 2, 3}, {1, 2, 3}, 1, 100, 300, 10),
      Part("t", 1, {2, 3, 1}, {2, 3}, 2, 50, 50, 5),
      Part("u", 0, {3, 1}, {3, 1}, -1, 1000, 1000, 100),  // offline: no load anywhere
  };
  BrokerLoadModel m;
  m.intercept = 1;
  m.leader_bytes_in = 0.01;
  m.leader_bytes_out = 0.001;
  m.replication_bytes_in = 0.002;
  m.messages_in = 0.1;
  Result<std::vector<BrokerLoad>> loads = ComputeBrokerLoads(parts, Brokers(), m);
  ASSERT_TRUE(loads.ok()) << loads.status().message();
  ASSERT_EQ(loads->size(), 3u);
  const BrokerLoad& b1 = (*loads)[0];
  EXPECT_EQ(b1.leaders, 1);
  EXPECT_EQ(b1.replicas, 3);
  EXPECT_DOUBLE_EQ(b1.leader_bytes_in, 100);
  EXPECT_DOUBLE_EQ(b1.replication_bytes_in, 50);
  EXPECT_DOUBLE_EQ(b1.predicted, 1 + 1.0 + 0.3 + 0.1 + 1.0);
  const BrokerLoad& b3 = (*loads)[2];
  EXPECT_EQ(b3.leaders, 0);
  EXPECT_DOUBLE_EQ(b3.replication_bytes_in, 150);
  EXPECT_DOUBLE_EQ(b3.predicted, 1 + 0.3);
  EXPECT_EQ(PartitionName(parts[1]), "t-1");
}

TEST(PlacementTest, LoadModelFromCpuModelMapsStandardColumns) {
  CpuModel cm;
  cm.coefficients = Eigen::VectorXd::LinSpaced(kNumCpuFeatures, 1, kNumCpuFeatures);
  cm.intercept = 0.5;
  Result<BrokerLoadModel> m = LoadModelFromCpuModel(cm);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->intercept, 0.5);
  EXPECT_EQ(m->leader_bytes_in, 1);
  EXPECT_EQ(m->leader_bytes_out, 2);
  EXPECT_EQ(m->replication_bytes_in, 3);
  EXPECT_EQ(m->messages_in, 6);
  cm.coefficients = Eigen::VectorXd::Ones(2);
  EXPECT_FALSE(LoadModelFromCpuModel(cm).ok());
}

TEST(PlacementTest, ValidationNamesThePartition) {
  BrokerLoadModel m;
  auto expect_error = [&](PartitionState p, const std::string& fragment) {
    std::vector<PartitionState> parts = {p};
    Status s = ValidateCluster(parts, Brokers());
    ASSERT_FALSE(s.ok()) << fragment;
    EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
  };
  expect_error(Part("t", 7, {1, 9}, {1}, 1, 0, 0, 0), "t-7: replica on unknown broker 9");
  expect_error(Part("t", 7, {1, 1}, {1}, 1, 0, 0, 0), "listed twice");
  expect_error(Part("t", 7, {1, 2}, {3}, 1, 0, 0, 0), "ISR member 3");
  expect_error(Part("t", 7, {1, 2}, {1}, 3, 0, 0, 0), "leader 3");
  expect_error(Part("t", 7, {1, 2}, {1}, 1, -5, 0, 0), "rates");
  expect_error(Part("t", 7, {}, {}, -1, 0, 0, 0), "no replicas");
  std::vector<BrokerInfo> dup = {{1, ""}, {1, ""}};
  EXPECT_FALSE(ValidateCluster({}, dup).ok());
}

}  // namespace
}  // namespace streamlens::analysis::models
