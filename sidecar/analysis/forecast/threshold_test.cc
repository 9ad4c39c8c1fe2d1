#include "sidecar/analysis/forecast/threshold.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sidecar/analysis/forecast/forecast.h"

namespace streamlens::analysis::forecast {
namespace {

Forecast Linear(double start, double slope, int h, double sd) {
  Forecast f;
  for (int i = 1; i <= h; ++i) {
    f.mean.push_back(start + slope * i);
    f.sd.push_back(sd);
  }
  return f;
}

TEST(ThresholdTest, InterpolatesTheCrossingStepOfALinearForecast) {
  // Lag grows 10 s per 60 s step from 100: reaches 180 after 8 steps = 480 s.
  Forecast f = Linear(100.0, 10.0, 48, 0.0);
  ThresholdParams p{180.0, ThresholdDirection::kAbove, 60.0};
  Result<ThresholdCrossing> r = TimeToThreshold(f, 100.0, p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, ThresholdCrossing::State::kWithinHorizon);
  EXPECT_DOUBLE_EQ(*r->steps_to_cross, 8.0);
  EXPECT_DOUBLE_EQ(*r->seconds_to_cross, 480.0);
  EXPECT_DOUBLE_EQ(r->probability_within_horizon, 1.0);
  // 175 is crossed half-way between steps 7 (170) and 8 (180).
  p.threshold = 175.0;
  r = TimeToThreshold(f, 100.0, p);
  EXPECT_DOUBLE_EQ(*r->steps_to_cross, 7.5);
}

TEST(ThresholdTest, NeverWithinHorizonIsADistinctStateWithAProbability) {
  Forecast f = Linear(100.0, 0.0, 10, 40.0);
  ThresholdParams p{180.0, ThresholdDirection::kAbove, 15.0};
  Result<ThresholdCrossing> r = TimeToThreshold(f, 100.0, p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, ThresholdCrossing::State::kNotWithinHorizon);
  EXPECT_FALSE(r->steps_to_cross.has_value());
  EXPECT_FALSE(r->seconds_to_cross.has_value());
  // P(N(100, 40) >= 180) = 1 - Phi(2) = 0.02275.
  EXPECT_NEAR(r->probability_within_horizon, 0.0227501, 1e-6);
}

TEST(ThresholdTest, BelowDirectionAndAlreadyCrossed) {
  Forecast f = Linear(50.0, -5.0, 20, 1.0);
  ThresholdParams p{20.0, ThresholdDirection::kBelow, 1.0};
  Result<ThresholdCrossing> r = TimeToThreshold(f, 50.0, p);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(*r->steps_to_cross, 6.0);
  r = TimeToThreshold(f, 10.0, p);
  EXPECT_EQ(r->state, ThresholdCrossing::State::kAlreadyCrossed);
  EXPECT_DOUBLE_EQ(*r->steps_to_cross, 0.0);
  EXPECT_DOUBLE_EQ(r->probability_within_horizon, 1.0);
}

TEST(ThresholdTest, EndToEndOnAGrowingLagSeries) {
  // Lag growing by 2 per step with small noise from 0: the forecast should put 180 about
  // (180 - last) / 2 steps ahead.
  std::vector<double> y;
  for (int t = 0; t < 60; ++t) y.push_back(2.0 * t + ((t * 7) % 5 - 2) * 0.3);
  ForecastParams fp;
  fp.horizon = 48;
  fp.model = ModelKind::kEts;
  Result<Forecast> f = ForecastSeries(y, fp);
  ASSERT_TRUE(f.ok()) << f.status().message();
  Result<ThresholdCrossing> r =
      TimeToThreshold(*f, y.back(), {180.0, ThresholdDirection::kAbove, 1});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->state, ThresholdCrossing::State::kWithinHorizon);
  EXPECT_NEAR(*r->steps_to_cross, (180.0 - y.back()) / 2.0, 1.5);
  EXPECT_GT(r->probability_within_horizon, 0.5);
}

TEST(ThresholdTest, RejectsBadInput) {
  Forecast empty;
  EXPECT_FALSE(TimeToThreshold(empty, 1.0, {}).ok());
  Forecast f = Linear(1, 1, 3, 1);
  f.sd.pop_back();
  EXPECT_FALSE(TimeToThreshold(f, 1.0, {}).ok());
  f = Linear(1, 1, 3, 1);
  EXPECT_FALSE(TimeToThreshold(f, 1.0, {5.0, ThresholdDirection::kAbove, 0.0}).ok());
  EXPECT_FALSE(TimeToThreshold(f, std::nan(""), {5.0, ThresholdDirection::kAbove, 1.0}).ok());
}

}  // namespace
}  // namespace streamlens::analysis::forecast
