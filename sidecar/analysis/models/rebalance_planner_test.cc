#include "sidecar/analysis/models/rebalance_planner.h"

#include <gtest/gtest.h>

#include "sidecar/analysis/models/synthetic_cluster.h"

namespace streamlens::analysis::models {
namespace {

TEST(RebalancePlannerTest, LeadershipMoveFirstWhenItSuffices) {
  // Broker 1 leads both partitions; handing one leadership to 2 balances without copying data.
  std::vector<BrokerInfo> brokers = {{1, ""}, {2, ""}};
  std::vector<PartitionState> parts(2);
  parts[0] = {"t", 0, {1, 2}, {1, 2}, 1, 100, 0, 0};
  parts[1] = {"t", 1, {1, 2}, {1, 2}, 1, 100, 0, 0};
  BrokerLoadModel m;
  m.leader_bytes_in = 1.0;
  m.replication_bytes_in = 0.5;
  Result<RebalancePlan> plan = PlanRebalance(parts, brokers, m, RebalanceParams{});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_EQ(plan->moves.size(), 1u);
  EXPECT_EQ(plan->moves[0].kind, RebalanceMove::Kind::kLeadership);
  EXPECT_EQ(plan->moves[0].to_broker, 2);
  EXPECT_DOUBLE_EQ(plan->peak_before, 200.0);
  EXPECT_DOUBLE_EQ(plan->peak_after, 150.0);
  EXPECT_EQ(plan->partitions_changed, 1u);
  EXPECT_EQ(plan->summary,
            "peak predicted load 200 on broker 1 -> 150 on broker 1 with 1 moves (1 leadership, 0 "
            "replica; 1 partitions change)");
  EXPECT_EQ(
      plan->reassignment_json,
      "{\"version\":1,\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[2,1]}]}");
}

TEST(RebalancePlannerTest, ReplicaMoveRespectsRacks) {
  // Brokers 1,2 in rack a, 3 in rack b, 4 in rack b. Partition on {1,3}: moving the replica
  // on 1 to 4 would put both replicas in rack b, so it must go to 2.
  std::vector<BrokerInfo> brokers = {{1, "a"}, {2, "a"}, {3, "b"}, {4, "b"}};
  std::vector<PartitionState> parts(1);
  parts[0] = {"t", 0, {1, 3}, {1, 3}, 1, 1000, 0, 0};
  std::vector<PartitionState> extra(3);
  extra[0] = {"x", 0, {3, 1}, {3, 1}, 3, 10, 0, 0};
  extra[1] = {"x", 1, {4, 1}, {4, 1}, 4, 10, 0, 0};
  extra[2] = {"x", 2, {3, 1}, {3, 1}, 3, 10, 0, 0};
  parts.insert(parts.end(), extra.begin(), extra.end());
  BrokerLoadModel m;
  m.leader_bytes_in = 1.0;
  m.replication_bytes_in = 1.0;
  RebalanceParams p;
  p.allow_leadership_moves = false;
  Result<RebalancePlan> plan = PlanRebalance(parts, brokers, m, p);
  ASSERT_TRUE(plan.ok());
  ASSERT_FALSE(plan->moves.empty());
  EXPECT_EQ(plan->moves[0].topic, "t");
  EXPECT_EQ(plan->moves[0].to_broker, 2);
  EXPECT_TRUE(CheckPlacementConstraints(parts, plan->proposed, brokers).ok());
  EXPECT_LT(plan->peak_after, plan->peak_before);
}

TEST(RebalancePlannerTest, NeverViolatesConstraintsAndLowersPeakOnRandomClusters) {
  int lowered = 0, clusters = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SyntheticClusterOptions o;
    o.brokers = 4 + static_cast<int>(seed % 6);
    o.racks = static_cast<int>(seed % 4);
    o.partitions = 30 + static_cast<int>(seed % 50);
    o.replication_factor = 2 + static_cast<int>(seed % 2);
    o.skew = 0.8;
    o.offline = 0.02;
    SyntheticCluster c = MakeSyntheticCluster(o, seed);
    RebalanceParams p;
    p.max_moves = 50;
    Result<RebalancePlan> plan = PlanRebalance(c.partitions, c.brokers, ExampleLoadModel(), p);
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    ++clusters;
    Status s = CheckPlacementConstraints(c.partitions, plan->proposed, c.brokers);
    EXPECT_TRUE(s.ok()) << "seed " << seed << ": " << s.message();
    EXPECT_LE(plan->peak_after, plan->peak_before + 1e-12) << "seed " << seed;
    lowered += plan->peak_after < plan->peak_before;
    // Offline partitions are left alone.
    for (size_t i = 0; i < c.partitions.size(); ++i) {
      if (c.partitions[i].leader == -1) {
        EXPECT_EQ(plan->proposed[i].replicas, c.partitions[i].replicas);
      }
    }
    // The plan's JSON lists exactly the changed partitions.
    size_t listed = 0;
    for (size_t pos = 0;
         (pos = plan->reassignment_json.find("\"topic\"", pos)) != std::string::npos; ++pos) {
      ++listed;
    }
    EXPECT_EQ(listed, plan->partitions_changed);
  }
  // Skewed placements always leave room for improvement.
  EXPECT_EQ(lowered, clusters);
}

TEST(RebalancePlannerTest, CheckerCatchesViolations) {
  std::vector<BrokerInfo> brokers = {{1, "a"}, {2, "a"}, {3, "b"}};
  std::vector<PartitionState> before(1);
  before[0] = {"t", 0, {1, 3}, {1, 3}, 1, 1, 1, 1};
  std::vector<PartitionState> same_rack = before;
  same_rack[0].replicas = {1, 2};
  same_rack[0].isr = {1, 2};
  Status s = CheckPlacementConstraints(before, same_rack, brokers);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("t-0: replicas span 1 racks, need 2"), std::string::npos);
  std::vector<PartitionState> rf = before;
  rf[0].replicas = {1, 3, 2};
  s = CheckPlacementConstraints(before, rf, brokers);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("replication factor"), std::string::npos);
  std::vector<PartitionState> reorder = before;
  reorder[0].replicas = {3, 1};
  EXPECT_TRUE(CheckPlacementConstraints(before, reorder, brokers).ok());
}

TEST(RebalancePlannerTest, AddBrokerLowersPeakAndLoadsNewBroker) {
  SyntheticClusterOptions o;
  o.brokers = 6;
  o.racks = 3;
  o.partitions = 120;
  o.skew = 0.2;
  SyntheticCluster c = MakeSyntheticCluster(o, 7);
  RebalanceParams p;
  p.max_moves = 200;
  Result<AddBrokerResult> r =
      AddBrokerEffect(c.partitions, c.brokers, {100, "rack-a"}, ExampleLoadModel(), p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_LT(r->peak_after, r->peak_before);
  EXPECT_LE(r->peak_rebalanced_without, r->peak_before);
  EXPECT_LT(r->peak_after, r->peak_rebalanced_without);  // the new broker itself helps
  EXPECT_GT(r->new_broker_load, ExampleLoadModel().intercept);
  EXPECT_EQ(r->plan.loads_after.back().broker, 100);
  EXPECT_EQ(r->summary.rfind("adding broker 100 (rack 'rack-a') and rebalancing: peak", 0), 0u);
  std::vector<BrokerInfo> extended = c.brokers;
  extended.push_back({100, "rack-a"});
  EXPECT_TRUE(CheckPlacementConstraints(c.partitions, r->plan.proposed, extended).ok());

  EXPECT_FALSE(AddBrokerEffect(c.partitions, c.brokers, {1, "rack-a"}, ExampleLoadModel(), p).ok());
  EXPECT_FALSE(AddBrokerEffect(c.partitions, c.brokers, {100, ""}, ExampleLoadModel(), p).ok());
}

TEST(RebalancePlannerTest, JsonEscapesTopicNames) {
  std::vector<PartitionState> before(1), after(1);
  before[0] = {"we\"ird\\", 3, {1, 2}, {}, 1, 0, 0, 0};
  after[0] = before[0];
  after[0].replicas = {2, 1};
  EXPECT_EQ(ReassignmentJson(before, after),
            "{\"version\":1,\"partitions\":[{\"topic\":\"we\\\"ird\\\\\",\"partition\":3,"
            "\"replicas\":[2,1]}]}");
  EXPECT_EQ(ReassignmentJson(before, before), "{\"version\":1,\"partitions\":[]}");
}

}  // namespace
}  // namespace streamlens::analysis::models
