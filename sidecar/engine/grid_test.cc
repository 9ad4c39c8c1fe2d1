#include "sidecar/engine/grid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace streamlens::engine {
namespace {

constexpr int64_t kMin = 60'000;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A scrape every minute from 0 to 20 min, except minutes 8, 9 and 10 (an exporter outage).
struct Scrapes {
  std::vector<int64_t> ts;
  std::vector<double> vs;
  explicit Scrapes(double per_minute) {
    for (int m = 0; m <= 20; ++m) {
      if (m >= 8 && m <= 10) continue;
      ts.push_back(m * kMin + 1500);  // scraped 1.5 s after the minute
      vs.push_back(1000 + per_minute * m);
    }
  }
};

TEST(GridTest, AGaugeGapIsAGapNotACarriedOrInterpolatedValue) {
  Scrapes s(10);
  int64_t start = 0;
  std::vector<double> out;
  ASSERT_TRUE(GridValues(s.ts, s.vs, kMin, 20 * kMin, kMin, 5 * kMin, Transform::kNone, &start,
                         &out));
  EXPECT_EQ(start, kMin);
  ASSERT_EQ(out.size(), 20u);
  // The point at minute m shows the scrape of minute m - 1 (taken 1.5 s after it), fresh for 90 s
  // (1.5 x the scrape interval): the outage leaves minutes 9, 10 and 11 without a value.
  EXPECT_DOUBLE_EQ(out[0], 1000);
  EXPECT_DOUBLE_EQ(out[8 - 1], 1000 + 7 * 10);
  for (int m = 9; m <= 11; ++m) EXPECT_TRUE(std::isnan(out[m - 1])) << m;
  EXPECT_DOUBLE_EQ(out[12 - 1], 1000 + 11 * 10);
}

TEST(GridTest, ACounterWithAThreeMinuteGapHasNoRateInTheGap) {
  Scrapes s(60);  // 1/s
  int64_t start = 0;
  std::vector<double> out;
  ASSERT_TRUE(GridValues(s.ts, s.vs, 2 * kMin, 20 * kMin, kMin, 5 * kMin, Transform::kRate, &start,
                         &out));
  EXPECT_EQ(start, 2 * kMin);
  for (int m = 2; m <= 20; ++m) {
    const double v = out[static_cast<size_t>(m - 2)];
    if (m >= 9 && m <= 12) {
      // 9, 10, 11 have no fresh sample; at 12 the previous one is not fresh for 11.
      EXPECT_TRUE(std::isnan(v)) << m;
    } else {
      EXPECT_DOUBLE_EQ(v, 1) << m;
    }
  }
}

TEST(GridTest, RateFromRealSamplePairsWithCounterResets) {
  // Every 15 s; the counter restarts from 0 at 90 s.
  std::vector<int64_t> ts;
  std::vector<double> vs;
  double c = 500;
  for (int64_t t = 0; t <= 240'000; t += 15'000) {
    if (t == 90'000) c = 0;
    ts.push_back(t);
    vs.push_back(c);
    c += 30;  // 2/s
  }
  int64_t start = 0;
  std::vector<double> out;
  ASSERT_TRUE(
      GridValues(ts, vs, kMin, 4 * kMin, kMin, 5 * kMin, Transform::kRate, &start, &out));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_DOUBLE_EQ(out[0], 2);
  // Over the reset: 60->75 +30, 75->90 restart at 0 (counts 0), 90->105 +30, 105->120 +30.
  EXPECT_DOUBLE_EQ(out[1], 1.5);
  EXPECT_DOUBLE_EQ(out[2], 2);
  ASSERT_TRUE(
      GridValues(ts, vs, kMin, 4 * kMin, kMin, 5 * kMin, Transform::kDelta, &start, &out));
  EXPECT_DOUBLE_EQ(out[0], 120);
}

TEST(GridTest, AStalenessMarkerEndsTheSeries) {
  std::vector<int64_t> ts = {0, kMin, kMin + 30'000, 4 * kMin};
  std::vector<double> vs = {1, 2, kNaN, 5};
  int64_t start = 0;
  std::vector<double> out;
  ASSERT_TRUE(
      GridValues(ts, vs, 0, 4 * kMin, kMin, 5 * kMin, Transform::kNone, &start, &out));
  ASSERT_EQ(out.size(), 5u);
  EXPECT_DOUBLE_EQ(out[1], 2);
  EXPECT_TRUE(std::isnan(out[2]));  // the marker is the last sample
  EXPECT_TRUE(std::isnan(out[3]));
  EXPECT_DOUBLE_EQ(out[4], 5);
}

TEST(GridTest, TrailingGapsAreLeftForTheNextCycleAndEmptyRangesFail) {
  std::vector<int64_t> ts = {0, kMin, 2 * kMin};
  std::vector<double> vs = {1, 2, 3};
  int64_t start = 0;
  std::vector<double> out;
  ASSERT_TRUE(
      GridValues(ts, vs, 0, 10 * kMin, kMin, 5 * kMin, Transform::kNone, &start, &out));
  EXPECT_EQ(out.size(), 4u);  // 3 min still sees the 2 min sample (fresh for 90 s), 4 min not
  EXPECT_FALSE(
      GridValues(ts, vs, 20 * kMin, 30 * kMin, kMin, 5 * kMin, Transform::kNone, &start, &out));
  EXPECT_FALSE(GridValues({}, {}, 0, kMin, kMin, kMin, Transform::kNone, &start, &out));
}

TEST(GridTest, FasterScrapesThanTheStepAreFreshForAWholeStep) {
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int64_t t = 0; t <= 10 * kMin; t += 15'000) {
    ts.push_back(t + 7'000);
    vs.push_back(static_cast<double>(t));
  }
  int64_t start = 0;
  std::vector<double> out;
  ASSERT_TRUE(
      GridValues(ts, vs, kMin, 10 * kMin, kMin, 5 * kMin, Transform::kNone, &start, &out));
  ASSERT_EQ(out.size(), 10u);
  for (double v : out) EXPECT_FALSE(std::isnan(v));
}

}  // namespace
}  // namespace streamlens::engine
