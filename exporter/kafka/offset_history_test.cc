#include "exporter/kafka/offset_history.h"

#include <gtest/gtest.h>

namespace streamlens::exporter::kafka {
namespace {

TEST(OffsetHistoryTest, EmptyHistoryOrNoCommitGivesMinusOne) {
  OffsetHistory h(8);
  EXPECT_EQ(h.LagSeconds(5, 100), -1);
  h.Add(10, 0);
  EXPECT_EQ(h.LagSeconds(-1, 100), -1);
}

TEST(OffsetHistoryTest, AtHeadIsZero) {
  OffsetHistory h(8);
  h.Add(100, 0);
  h.Add(200, 10);
  EXPECT_EQ(h.LagSeconds(200, 15), 0);
  EXPECT_EQ(h.LagSeconds(250, 15), 0);
}

TEST(OffsetHistoryTest, InterpolatesBetweenSamples) {
  OffsetHistory h(8);
  h.Add(100, 0);   // head at 100 at t=0
  h.Add(200, 10);  // 100 messages over 10 s: message k arrived at 0.1*(k-100+1) s
  h.Add(300, 20);
  // Committed 149: the oldest unconsumed message is 149, the 50th after offset 100 -> t=5.
  EXPECT_DOUBLE_EQ(h.LagSeconds(149, 20), 15.0);
  // Committed 100: message 100 arrived at t=0.1.
  EXPECT_DOUBLE_EQ(h.LagSeconds(100, 20), 19.9);
  // Committed 250 at now=30: message 250 arrived at 15.1.
  EXPECT_DOUBLE_EQ(h.LagSeconds(250, 30), 14.9);
}

TEST(OffsetHistoryTest, FlatRunKeepsOnlyEnds) {
  OffsetHistory h(4);
  h.Add(50, 0);
  h.Add(50, 10);
  h.Add(50, 20);
  h.Add(50, 30);
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.at(1).time, 30);
  h.Add(60, 40);  // 10 messages between t=30 and t=40
  // Committed 50 (message 50 arrived in (30, 40], the first of 10 -> t=31).
  EXPECT_DOUBLE_EQ(h.LagSeconds(50, 40), 9.0);
}

TEST(OffsetHistoryTest, ExtrapolatesBeforeHistoryWithAverageRate) {
  OffsetHistory h(3);
  h.Add(0, 0);
  h.Add(100, 10);
  h.Add(200, 20);
  h.Add(300, 30);  // evicts (0, 0): history is (100,10),(200,20),(300,30); rate 10/s
  EXPECT_EQ(h.size(), 3u);
  // Committed 50: 50 messages before offset 100 at 10/s -> t=5.
  EXPECT_DOUBLE_EQ(h.LagSeconds(50, 30), 25.0);
}

TEST(OffsetHistoryTest, NoProductionInHistoryGivesSpanLowerBound) {
  OffsetHistory h(3);
  h.Add(100, 10);
  h.Add(100, 20);
  EXPECT_DOUBLE_EQ(h.LagSeconds(40, 25), 15.0);
}

TEST(OffsetHistoryTest, WatermarkGoingBackwardsResets) {
  OffsetHistory h(8);
  h.Add(1000, 0);
  h.Add(2000, 10);
  h.Add(5, 20);  // topic recreated
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.at(0).offset, 5);
}

TEST(OffsetHistoryTest, CapacityIsBounded) {
  OffsetHistory h(16);
  for (int i = 0; i < 1000; ++i) h.Add(i * 10, i);
  EXPECT_EQ(h.size(), 16u);
  EXPECT_EQ(h.at(0).offset, 984 * 10);
  EXPECT_EQ(h.at(15).offset, 999 * 10);
}

}  // namespace
}  // namespace streamlens::exporter::kafka
