#include "sidecar/remote_read/range_split.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

namespace streamlens::remote_read {
namespace {

TEST(SplitRangeTest, CoversRangeWithDisjointPieces) {
  EXPECT_EQ(SplitRange(0, 99, 0), (std::vector<TimeRange>{{0, 99}}));
  EXPECT_EQ(SplitRange(0, 99, 40), (std::vector<TimeRange>{{0, 39}, {40, 79}, {80, 99}}));
  EXPECT_EQ(SplitRange(0, 80, 40), (std::vector<TimeRange>{{0, 39}, {40, 79}, {80, 80}}));
  EXPECT_EQ(SplitRange(5, 5, 40), (std::vector<TimeRange>{{5, 5}}));
  // Aligned to a 15-unit step: pieces are whole steps long.
  EXPECT_EQ(SplitRange(0, 100, 40, 15),
            (std::vector<TimeRange>{{0, 29}, {30, 59}, {60, 89}, {90, 100}}));
  EXPECT_TRUE(SplitRange(10, 9, 40).empty());
}

// A fake source: one series with a sample every 10 ms.
Result<SeriesSet> Fake(const TimeRange& r) {
  SeriesSetBuilder b;
  Status st = b.BeginSeries({{"a", "1"}});
  if (!st.ok()) return st;
  for (int64_t t = (r.start_ms + 9) / 10 * 10; t <= r.end_ms; t += 10) b.Append(t, t * 0.5);
  return b.Finish();
}

TEST(FetchInPiecesTest, MergesConcurrentPiecesInTimeOrder) {
  std::atomic<int> calls{0};
  FetchStats stats;
  auto s = FetchInPieces(
      0, 9999, 700, 0, 4, 0,
      [&](const TimeRange& r) {
        ++calls;
        return Fake(r);
      },
      &stats);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(calls.load(), 15);
  EXPECT_EQ(stats.sub_queries, 15);
  ASSERT_EQ(s->size(), 1u);
  auto ts = s->timestamps(0);
  ASSERT_EQ(ts.size(), 1000u);
  for (size_t i = 0; i < ts.size(); ++i) EXPECT_EQ(ts[i], static_cast<int64_t>(i) * 10);
}

TEST(FetchInPiecesTest, SizesPiecesFromMeasuredDensity) {
  std::mutex mu;
  std::vector<TimeRange> seen;
  auto s = FetchInPieces(
      0, 9999, 5000, 100, 2, 0,
      [&](const TimeRange& r) {
        std::lock_guard<std::mutex> l(mu);
        seen.push_back(r);
        return Fake(r);
      },
      nullptr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->num_samples(), 1000u);
  // First piece 0..4999 holds 500 samples (0.1/ms); the rest are cut to 1000 ms = 100 samples.
  EXPECT_EQ(seen.size(), 6u);
  for (const TimeRange& r : seen) {
    if (r.start_ms > 0) EXPECT_LE(r.end_ms - r.start_ms + 1, 1000);
  }
}

TEST(FetchInPiecesTest, ReturnsTheFirstError) {
  auto s = FetchInPieces(
      0, 999, 100, 0, 3, 0,
      [&](const TimeRange& r) -> Result<SeriesSet> {
        if (r.start_ms == 300) return Status::Error("boom at 300");
        return Fake(r);
      },
      nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "boom at 300");
}

}  // namespace
}  // namespace streamlens::remote_read
