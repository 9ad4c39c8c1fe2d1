#include "exporter/probe/probe_tracker.h"

#include <gtest/gtest.h>

namespace streamlens::exporter::probe {
namespace {

TEST(LatencyHistogramTest, BucketsByUpperBoundAndCountsOverflow) {
  LatencyHistogram h;
  h.Observe(0.001);  // on a bound: that bucket (le="0.001")
  h.Observe(0.03);   // le="0.05"
  h.Observe(20);     // above every bound: only +Inf
  EXPECT_EQ(h.count, 3u);
  EXPECT_DOUBLE_EQ(h.sum, 20.031);
  EXPECT_EQ(h.buckets[0], 1u);
  EXPECT_EQ(h.buckets[5], 1u);
  uint64_t in_buckets = 0;
  for (auto b : h.buckets) in_buckets += b;
  EXPECT_EQ(in_buckets, 2u);
}

TEST(ProbeTrackerTest, AckAndRoundtripPerPartitionAndLeader) {
  ProbeTracker t(5);
  t.Sent(1, 0, 1, 100.0);
  t.Sent(2, 1, 2, 100.0);
  t.Acked(1, true, 100.004);
  t.Acked(2, true, 100.2);
  t.Received(1, 100.010);
  t.Received(2, 100.450);
  const auto& s = t.stats();
  ASSERT_EQ(s.size(), 2u);
  const PartitionStats& p0 = s.at({0, 1});
  const PartitionStats& p1 = s.at({1, 2});
  EXPECT_EQ(p0.produced, 1u);
  EXPECT_EQ(p0.received, 1u);
  EXPECT_NEAR(p0.produce.sum, 0.004, 1e-9);
  EXPECT_NEAR(p0.roundtrip.sum, 0.010, 1e-9);
  EXPECT_NEAR(p1.roundtrip.sum, 0.450, 1e-9);
  EXPECT_EQ(t.in_flight(), 0u);
}

TEST(ProbeTrackerTest, LostAfterTimeoutFailedProduceIsLostAndLateArrivalIsNotReceived) {
  ProbeTracker t(1.0);
  t.Sent(1, 0, 1, 10.0);
  t.Sent(2, 0, 1, 10.0);
  t.Acked(1, true, 10.01);
  t.Acked(2, false, 10.02);  // produce failed
  t.Expire(10.9);
  EXPECT_EQ(t.stats().at({0, 1}).lost, 0u);
  t.Expire(11.1);
  EXPECT_EQ(t.stats().at({0, 1}).lost, 2u);
  EXPECT_EQ(t.stats().at({0, 1}).produced, 1u);
  t.Received(1, 11.5);  // too late: already lost
  EXPECT_EQ(t.stats().at({0, 1}).received, 0u);
  EXPECT_EQ(t.stats().at({0, 1}).duplicated, 0u);
}

TEST(ProbeTrackerTest, SecondReceiveIsADuplicateUntilForgotten) {
  ProbeTracker t(1.0);
  t.Sent(7, 3, 2, 0.0);
  t.Received(7, 0.1);
  t.Received(7, 0.2);
  EXPECT_EQ(t.stats().at({3, 2}).received, 1u);
  EXPECT_EQ(t.stats().at({3, 2}).duplicated, 1u);
  t.Received(99, 0.3);  // never sent by this tracker (another exporter's message)
  EXPECT_EQ(t.stats().size(), 1u);
  t.Expire(5.0);  // completed records older than 2 x lost_after are dropped
  t.Received(7, 5.1);
  EXPECT_EQ(t.stats().at({3, 2}).duplicated, 1u);
}

}  // namespace
}  // namespace streamlens::exporter::probe
