#include "sidecar/analysis/models/consumer_capacity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace streamlens::analysis::models {
namespace {

// A group of `consumers` each able to process `per_consumer` msg/s reads a topic whose input
// follows a daily cycle with a burst; when input exceeds capacity, lag builds and is drained
// at full capacity.
struct Trace {
  std::vector<double> ts, committed, lag, members;
};

Trace Simulate(double per_consumer, int consumers, double base_input, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 1.0);
  Trace t;
  double head = 0, committed = 0;
  for (int i = 0; i < 24 * 60; ++i) {
    double input = base_input * (1 + 0.3 * std::sin(2 * M_PI * i / 1440.0));
    if (i >= 600 && i < 660) input *= 3;  // burst the group cannot keep up with
    input = std::max(0.0, input * (1 + 0.05 * noise(rng)));
    const double dt = 60.0;
    head += input * dt;
    // Capacity jitters a little minute to minute (GC, message sizes).
    const double cap = per_consumer * consumers * (1 + 0.03 * noise(rng));
    committed = std::min(head, committed + cap * dt);
    t.ts.push_back(i * dt);
    t.committed.push_back(committed);
    t.lag.push_back(head - committed);
    t.members.push_back(consumers);
  }
  return t;
}

TEST(ConsumerCapacityTest, LearnsCapacityFromCatchUp) {
  const Trace t = Simulate(500.0, 4, 1200.0, 1);
  Result<ConsumerCapacity> c =
      LearnConsumerCapacity(t.ts, t.committed, t.lag, t.members, 8, ConsumerCapacityParams{});
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_TRUE(c->learned) << c->reason;
  EXPECT_NEAR(c->per_consumer, 500.0, 25.0);
  EXPECT_NEAR(c->rate, 2000.0, 100.0);
  EXPECT_NEAR(c->per_partition, c->rate / 8, 1e-9);
  EXPECT_EQ(c->periods, 1u);
  EXPECT_GE(c->samples, 30u);
  EXPECT_DOUBLE_EQ(c->mean_active_consumers, 4.0);
  EXPECT_NE(c->reason.find("catch-up"), std::string::npos);
}

TEST(ConsumerCapacityTest, NotLearnedWhenNeverBehind) {
  const Trace t = Simulate(5000.0, 4, 1200.0, 2);
  Result<ConsumerCapacity> c =
      LearnConsumerCapacity(t.ts, t.committed, t.lag, t.members, 8, ConsumerCapacityParams{});
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->learned);
  EXPECT_EQ(c->rate, 0.0);
  EXPECT_NE(c->reason.find("not learned"), std::string::npos);
}

TEST(ConsumerCapacityTest, ActiveConsumersCappedByPartitions) {
  // 6 members on 3 partitions: only 3 consume.
  std::vector<double> ts, committed, lag, members;
  for (int i = 0; i < 20; ++i) {
    ts.push_back(i * 10.0);
    committed.push_back(i * 3000.0);  // 300 msg/s
    lag.push_back(1e6);
    members.push_back(6);
  }
  Result<ConsumerCapacity> c =
      LearnConsumerCapacity(ts, committed, lag, members, 3, ConsumerCapacityParams{});
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->learned);
  EXPECT_DOUBLE_EQ(c->rate, 300.0);
  EXPECT_DOUBLE_EQ(c->per_consumer, 100.0);
  EXPECT_DOUBLE_EQ(c->per_partition, 100.0);
}

TEST(ConsumerCapacityTest, OffsetResetIsNotConsumption) {
  std::vector<double> ts, committed, lag, members;
  for (int i = 0; i < 20; ++i) {
    ts.push_back(i);
    committed.push_back(i == 10 ? 0.0 : i * 100.0);
    lag.push_back(50);
    members.push_back(1);
  }
  Result<ConsumerCapacity> c =
      LearnConsumerCapacity(ts, committed, lag, members, 1, ConsumerCapacityParams{});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->periods, 2u);
  EXPECT_EQ(c->samples, 18u);  // interval 9->10 (backwards) excluded; 10->11 jumps forward
}

TEST(ConsumerCapacityTest, RejectsBadInput) {
  std::vector<double> a = {0, 1, 2}, b = {0, 1}, c = {1, 1, 1};
  EXPECT_FALSE(LearnConsumerCapacity(a, b, c, c, 1, {}).ok());
  EXPECT_FALSE(LearnConsumerCapacity(a, c, c, c, 0, {}).ok());
  std::vector<double> back = {0, 2, 1};
  Result<ConsumerCapacity> r = LearnConsumerCapacity(back, c, c, c, 1, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("increase"), std::string::npos);
  ConsumerCapacityParams p;
  p.quantile = 2;
  EXPECT_FALSE(LearnConsumerCapacity(a, c, c, c, 1, p).ok());
}

}  // namespace
}  // namespace streamlens::analysis::models
