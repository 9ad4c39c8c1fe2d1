#include "exporter/kafka/consumer_status.h"

#include <gtest/gtest.h>

namespace streamlens::exporter::kafka {
namespace {

StatusParams Params(double min_stop = 0) {
  StatusParams p;
  p.min_stop_seconds = min_stop;
  return p;
}

TEST(ConsumerStatusTest, GroupIsErrWhenAnyPartitionStopsStallsOrRewinds) {
  EXPECT_EQ(GroupStatus(ConsumerStatus::kNotFound), ConsumerStatus::kNotFound);
  EXPECT_EQ(GroupStatus(ConsumerStatus::kOk), ConsumerStatus::kOk);
  EXPECT_EQ(GroupStatus(ConsumerStatus::kWarn), ConsumerStatus::kWarn);
  EXPECT_EQ(GroupStatus(ConsumerStatus::kStop), ConsumerStatus::kErr);
  EXPECT_EQ(GroupStatus(ConsumerStatus::kStall), ConsumerStatus::kErr);
  EXPECT_EQ(GroupStatus(ConsumerStatus::kRewind), ConsumerStatus::kErr);
}

TEST(ConsumerStatusTest, EmptyWindowIsNotFound) {
  EXPECT_EQ(EvaluateCommits({}, 0, std::nullopt, Params()), ConsumerStatus::kNotFound);
}

TEST(ConsumerStatusTest, CaughtUpOnceInWindowIsOk) {
  std::vector<CommitEntry> w = {{10, 5, 0}, {20, 0, 10}, {25, 8, 20}, {30, 9, 30}};
  EXPECT_EQ(EvaluateCommits(w, 31, std::nullopt, Params()), ConsumerStatus::kOk);
}

TEST(ConsumerStatusTest, LagNeverDecreasingIsWarn) {
  std::vector<CommitEntry> w = {{10, 5, 0}, {20, 6, 10}, {25, 6, 20}, {30, 9, 30}};
  EXPECT_EQ(EvaluateCommits(w, 31, std::nullopt, Params()), ConsumerStatus::kWarn);
}

TEST(ConsumerStatusTest, LagDecreasingSometimesIsOk) {
  std::vector<CommitEntry> w = {{10, 5, 0}, {20, 9, 10}, {25, 4, 20}, {30, 9, 30}};
  EXPECT_EQ(EvaluateCommits(w, 31, std::nullopt, Params()), ConsumerStatus::kOk);
}

TEST(ConsumerStatusTest, SilentLongerThanWindowSpanIsStop) {
  std::vector<CommitEntry> w = {{10, 5, 0}, {20, 6, 10}, {30, 7, 20}};
  // span 20 s; silent 25 s > 20 -> STOP
  EXPECT_EQ(EvaluateCommits(w, 45, std::nullopt, Params()), ConsumerStatus::kStop);
  // silent 15 s -> not stopped (WARN: lag never decreased)
  EXPECT_EQ(EvaluateCommits(w, 35, std::nullopt, Params()), ConsumerStatus::kWarn);
  // min_stop_seconds keeps it from STOP
  EXPECT_EQ(EvaluateCommits(w, 45, std::nullopt, Params(60)), ConsumerStatus::kWarn);
}

TEST(ConsumerStatusTest, SilentButCaughtUpIsOk) {
  std::vector<CommitEntry> w = {{10, 5, 0}, {20, 0, 10}};
  EXPECT_EQ(EvaluateCommits(w, 1000, std::nullopt, Params()), ConsumerStatus::kOk);
}

TEST(ConsumerStatusTest, AliveButNotAdvancingIsStall) {
  std::vector<CommitEntry> w = {{10, 5, 0}, {20, 6, 10}};
  EXPECT_EQ(EvaluateCommits(w, 100, true, Params()), ConsumerStatus::kStall);
  EXPECT_EQ(EvaluateCommits(w, 100, false, Params()), ConsumerStatus::kStop);
}

TEST(ConsumerStatusTest, BurrowStallRuleAllOffsetsEqual) {
  // A window of repeated commits of one offset (as Burrow sees them) is STALL.
  std::vector<CommitEntry> w = {{10, 5, 0}, {10, 6, 10}, {10, 7, 20}};
  EXPECT_EQ(EvaluateCommits(w, 21, std::nullopt, Params()), ConsumerStatus::kStall);
}

TEST(ConsumerStatusTest, RewindNotRecoveredIsRewind) {
  std::vector<CommitEntry> w = {{100, 5, 0}, {120, 5, 10}, {50, 80, 20}, {60, 75, 30}};
  EXPECT_EQ(EvaluateCommits(w, 31, std::nullopt, Params()), ConsumerStatus::kRewind);
  // Recovered past the pre-rewind offset: no longer REWIND.
  w.push_back({130, 0, 40});
  EXPECT_EQ(EvaluateCommits(w, 41, std::nullopt, Params()), ConsumerStatus::kOk);
}

TEST(ConsumerStatusTest, AllowedLagCountsAsCaughtUp) {
  std::vector<CommitEntry> w = {{10, 5, 0}, {20, 6, 10}, {30, 7, 20}};
  StatusParams p;
  p.allowed_lag = 6;
  EXPECT_EQ(EvaluateCommits(w, 21, std::nullopt, p), ConsumerStatus::kOk);
}

TEST(CommitWindowTest, RecordsOnlyOffsetChangesAndRefreshesNewestLag) {
  CommitWindow win(3);
  win.Observe(10, 15, 0);
  win.Observe(10, 20, 10);  // same offset: lag refreshed, no new entry
  ASSERT_EQ(win.entries().size(), 1u);
  EXPECT_EQ(win.entries()[0].lag, 10);
  EXPECT_EQ(win.entries()[0].time, 0);
  win.Observe(20, 25, 20);
  win.Observe(30, 35, 30);
  win.Observe(40, 45, 40);  // window of 3 drops the oldest
  ASSERT_EQ(win.entries().size(), 3u);
  EXPECT_EQ(win.entries()[0].offset, 20);
  EXPECT_EQ(win.entries()[2].offset, 40);
  // Committed beyond the head (fetched after the watermark) never gives negative lag.
  win.Observe(50, 45, 50);
  EXPECT_EQ(win.entries().back().lag, 0);
}

TEST(CommitWindowTest, StoppedConsumerGoesFromOkToStop) {
  CommitWindow win(10);
  StatusParams p;
  // Consumer keeps up for a while, then stops while production continues.
  win.Observe(100, 100, 0);
  win.Observe(200, 200, 10);
  EXPECT_EQ(win.Evaluate(10, std::nullopt, p), ConsumerStatus::kOk);
  win.Observe(200, 300, 20);
  win.Observe(200, 400, 30);
  // Lag of the newest entry (200) refreshed to 200; silent 20 s > span 10 s -> STOP.
  EXPECT_EQ(win.Evaluate(30, std::nullopt, p), ConsumerStatus::kStop);
}

TEST(ConsumerStatusTest, NamesAreBurrows) {
  EXPECT_EQ(ConsumerStatusName(ConsumerStatus::kRewind), "REWIND");
  EXPECT_EQ(static_cast<int>(ConsumerStatus::kStall), 5);
  EXPECT_EQ(ConsumerStatusName(ConsumerStatus::kNotFound), "NOTFOUND");
}

}  // namespace
}  // namespace streamlens::exporter::kafka
