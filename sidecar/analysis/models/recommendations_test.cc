#include "sidecar/analysis/models/recommendations.h"

#include <gtest/gtest.h>

namespace streamlens::analysis::models {
namespace {

ConsumerCapacity Learned(double per_consumer) {
  ConsumerCapacity c;
  c.learned = true;
  c.per_consumer = per_consumer;
  c.rate = per_consumer * 4;
  c.samples = 42;
  return c;
}

TEST(RecommendationsTest, ComputesConsumersAndPartitionsForSla) {
  PartitionRecommendationInput in;
  in.topic = "orders";
  in.group = "billing";
  in.capacity = Learned(250.0);
  in.input_rate_peak = 1200.0;
  in.input_from_forecast = true;
  in.current_lag = 60000.0;
  in.lag_sla_seconds = 300.0;
  in.current_partitions = 4;
  in.current_consumers = 4;
  Result<PartitionRecommendation> r = RecommendPartitions(in, PartitionRecommendationParams{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  // 1200 * 1.2 + 60000 / 300 = 1640 msg/s; 1640 / 250 = 6.56 -> 7 consumers.
  EXPECT_DOUBLE_EQ(r->required_rate, 1640.0);
  EXPECT_EQ(r->recommended_consumers, 7);
  EXPECT_EQ(r->recommended_partitions, 7);
  EXPECT_DOUBLE_EQ(r->capacity_now, 1000.0);
  EXPECT_TRUE(r->change_needed);
  EXPECT_NE(r->reason.find("forecast peak"), std::string::npos);
  EXPECT_NE(r->reason.find("7 consumers and 7 partitions"), std::string::npos);
}

TEST(RecommendationsTest, NeverShrinksPartitions) {
  PartitionRecommendationInput in;
  in.capacity = Learned(1000.0);
  in.input_rate_peak = 500.0;
  in.current_partitions = 12;
  in.current_consumers = 3;
  Result<PartitionRecommendation> r = RecommendPartitions(in, PartitionRecommendationParams{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->recommended_consumers, 1);
  EXPECT_EQ(r->recommended_partitions, 12);
  EXPECT_FALSE(r->change_needed);
}

TEST(RecommendationsTest, ExactMultipleDoesNotRoundUp) {
  PartitionRecommendationInput in;
  in.capacity = Learned(100.0);
  in.input_rate_peak = 500.0;
  PartitionRecommendationParams p;
  p.headroom = 0.0;
  Result<PartitionRecommendation> r = RecommendPartitions(in, p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->recommended_consumers, 5);
}

TEST(RecommendationsTest, CapsAndErrors) {
  PartitionRecommendationInput in;
  in.capacity = Learned(1.0);
  in.input_rate_peak = 1e9;
  PartitionRecommendationParams p;
  p.max_partitions = 100;
  Result<PartitionRecommendation> r = RecommendPartitions(in, p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->recommended_partitions, 100);
  EXPECT_TRUE(r->capped);
  in.capacity.learned = false;
  in.capacity.reason = "not learned: 0 catch-up intervals";
  Result<PartitionRecommendation> e = RecommendPartitions(in, p);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("not learned"), std::string::npos);
  in.capacity = Learned(1.0);
  in.lag_sla_seconds = 0;
  EXPECT_FALSE(RecommendPartitions(in, p).ok());
}

}  // namespace
}  // namespace streamlens::analysis::models
