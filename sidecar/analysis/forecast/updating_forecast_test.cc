#include "sidecar/analysis/forecast/updating_forecast.h"

#include <gtest/gtest.h>

#include <cmath>

namespace streamlens::analysis::forecast {
namespace {

constexpr int64_t kMin = 60'000;

// A flat fitted forecast of 100 for 24 h in 15-minute steps, sd 5.
ForecastPath Flat() {
  ForecastPath p;
  p.origin_ms = 0;
  p.step_ms = 15 * kMin;
  p.origin_value = 100;
  p.mean.assign(96, 100);
  p.sd.assign(96, 5);
  p.lower.assign(96, 90);
  p.upper.assign(96, 110);
  p.nonnegative = true;
  return p;
}

TEST(UpdatingForecastTest, WithoutNewPointsItIsThePath) {
  auto f = UpdatingForecast::Create(Flat(), {});
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_DOUBLE_EQ(f->At(60 * kMin).mean, 100);
  const ThresholdAnswer a = f->Threshold(180, true, kMin, {60 * kMin});
  EXPECT_FALSE(a.crosses);
  EXPECT_FALSE(a.breached);
  EXPECT_LT(a.probability[0], 1e-6);
}

// The fit saw a flat series; then the value starts to climb 2 per minute. Within a few minutes
// the forecast follows the climb: the crossing of 180 is predicted at the right time.
TEST(UpdatingForecastTest, ATrendTheFitDidNotSeeIsFollowedAtOnce) {
  auto f = UpdatingForecast::Create(Flat(), {});
  ASSERT_TRUE(f.ok());
  for (int m = 1; m <= 10; ++m) f->Observe(m * kMin, 100 + 2.0 * m + (m % 2 ? 0.3 : -0.3));
  // At minute 10 the value is ~120: 60 more at 2/min is 30 minutes away.
  const ThresholdAnswer a = f->Threshold(180, true, kMin, {15 * kMin, 60 * kMin});
  ASSERT_TRUE(a.crosses);
  EXPECT_NEAR(a.seconds, 30 * 60, 3 * 60);
  EXPECT_LT(a.probability[0], 0.5);   // not within 15 minutes
  EXPECT_GT(a.probability[1], 0.95);  // certainly within the hour
  EXPECT_NEAR(f->At(0).mean, 120, 1.5);
}

// Noise around the path is not a trend: the forecast stays near the path.
TEST(UpdatingForecastTest, NoiseIsNotExtrapolated) {
  auto f = UpdatingForecast::Create(Flat(), {});
  ASSERT_TRUE(f.ok());
  const double noise[] = {3, -4, 2, -1, 5, -3, 0, 4, -2, 1, -5, 3, -1, 2, -3};
  for (int m = 0; m < 15; ++m) f->Observe((m + 1) * kMin, 100 + noise[m]);
  EXPECT_NEAR(f->At(60 * kMin).mean, 100, 3);
  EXPECT_FALSE(f->Threshold(180, true, kMin, {60 * kMin}).crosses);
}

TEST(UpdatingForecastTest, AnObservationBeyondTheThresholdIsABreach) {
  auto f = UpdatingForecast::Create(Flat(), {});
  ASSERT_TRUE(f.ok());
  f->Observe(kMin, 200);
  const ThresholdAnswer a = f->Threshold(180, true, kMin, {60 * kMin});
  EXPECT_TRUE(a.breached);
  EXPECT_TRUE(a.crosses);
  EXPECT_EQ(a.seconds, 0);
  EXPECT_EQ(a.probability[0], 1);
  EXPECT_FALSE(f->Threshold(50, false, kMin, {60 * kMin}).breached);
}

TEST(UpdatingForecastTest, NonNegativeSeriesKeepBandsAtOrAboveZero) {
  ForecastPath p = Flat();
  p.mean.assign(96, 2);
  p.lower.assign(96, -8);
  p.upper.assign(96, 12);
  auto f = UpdatingForecast::Create(p, {});
  ASSERT_TRUE(f.ok());
  for (int m = 1; m <= 10; ++m) f->Observe(m * kMin, 100 - 10.0 * m);  // falling fast
  const ForecastPoint fp = f->At(60 * kMin);
  EXPECT_GE(fp.mean, 0);
  EXPECT_GE(fp.lower, 0);
}

TEST(UpdatingForecastTest, SaveLoadContinuesIdentically) {
  auto f = UpdatingForecast::Create(Flat(), {});
  ASSERT_TRUE(f.ok());
  for (int m = 1; m <= 7; ++m) f->Observe(m * kMin, 100 + 3.0 * m);
  std::string bytes;
  StateWriter w(&bytes);
  f->Save(w);
  StateReader r(bytes);
  auto g = UpdatingForecast::Load(r, {});
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_TRUE(r.done());
  for (int m = 8; m <= 12; ++m) {
    f->Observe(m * kMin, 100 + 3.0 * m);
    g->Observe(m * kMin, 100 + 3.0 * m);
  }
  EXPECT_EQ(f->At(30 * kMin).mean, g->At(30 * kMin).mean);
  EXPECT_EQ(f->Threshold(180, true, kMin, {}).seconds, g->Threshold(180, true, kMin, {}).seconds);
  StateReader cut(std::string_view(bytes).substr(0, bytes.size() / 2));
  EXPECT_FALSE(UpdatingForecast::Load(cut, {}).ok());
}

TEST(UpdatingForecastTest, BadPathsAreNamedErrors) {
  ForecastPath p = Flat();
  p.sd.pop_back();
  EXPECT_FALSE(UpdatingForecast::Create(p, {}).ok());
  p = Flat();
  p.step_ms = 0;
  EXPECT_FALSE(UpdatingForecast::Create(p, {}).ok());
  EXPECT_FALSE(UpdatingForecast::Create(ForecastPath{}, {}).ok());
}

}  // namespace
}  // namespace streamlens::analysis::forecast
