#include "sidecar/engine/grid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace streamlens::engine {
namespace {

TEST(GridTest, TakesLastSampleWithinLookbackAndInterpolatesGaps) {
  // Samples every 15 s from t=0 to t=600 s except a hole [200 s, 300 s).
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int64_t t = 0; t <= 600000; t += 15000) {
    if (t >= 200000 && t < 300000) continue;
    ts.push_back(t);
    vs.push_back(static_cast<double>(t) / 1000.0);
  }
  int64_t start = 0;
  std::vector<double> out;
  ASSERT_TRUE(AlignToGrid(ts, vs, 60000, 600000, 60000, 30000, &start, &out));
  EXPECT_EQ(start, 60000);
  ASSERT_EQ(out.size(), 10u);
  EXPECT_DOUBLE_EQ(out[0], 60);
  EXPECT_DOUBLE_EQ(out[1], 120);
  EXPECT_DOUBLE_EQ(out[2], 180);
  // 240 s: last sample 195 s is 45 s old > 30 s lookback -> gap, interpolated 180..300.
  EXPECT_DOUBLE_EQ(out[3], 240);
  EXPECT_DOUBLE_EQ(out[4], 300);
  EXPECT_DOUBLE_EQ(out[9], 600);
}

TEST(GridTest, StaleMarkerEndsSeries) {
  std::vector<int64_t> ts = {0, 60000, 90000};
  std::vector<double> vs = {1, 2, std::numeric_limits<double>::quiet_NaN()};
  int64_t start = 0;
  std::vector<double> out;
  ASSERT_TRUE(AlignToGrid(ts, vs, 0, 180000, 60000, 300000, &start, &out));
  EXPECT_EQ(start, 0);
  ASSERT_EQ(out.size(), 2u);  // 120 s and 180 s see the marker: no trailing points
  EXPECT_DOUBLE_EQ(out[1], 2);
}

TEST(GridTest, NothingInRange) {
  int64_t start = 0;
  std::vector<double> out;
  std::vector<int64_t> ts = {0};
  std::vector<double> vs = {1};
  EXPECT_FALSE(AlignToGrid(ts, vs, 600000, 900000, 60000, 60000, &start, &out));
}

TEST(GridTest, RateHandlesCounterReset) {
  std::vector<double> v = {100, 160, 220, 10, 70};
  int64_t start = 0;
  ApplyTransform(Transform::kRate, std::numeric_limits<double>::quiet_NaN(), 60000, &start, &v);
  EXPECT_EQ(start, 60000);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_DOUBLE_EQ(v[0], 1);
  EXPECT_DOUBLE_EQ(v[1], 1);
  EXPECT_DOUBLE_EQ(v[2], 10.0 / 60);
  EXPECT_DOUBLE_EQ(v[3], 1);
  std::vector<double> w = {130};
  start = 0;
  ApplyTransform(Transform::kDelta, 100, 60000, &start, &w);
  EXPECT_DOUBLE_EQ(w[0], 30);
  EXPECT_EQ(start, 0);
}

TEST(GridTest, StepRounding) {
  EXPECT_EQ(FloorToStep(125, 60), 120);
  EXPECT_EQ(FloorToStep(-5, 60), -60);
  EXPECT_EQ(CeilToStep(121, 60), 180);
  EXPECT_EQ(CeilToStep(120, 60), 120);
}

}  // namespace
}  // namespace streamlens::engine
