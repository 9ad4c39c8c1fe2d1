#include "sidecar/analysis/forecast/updating_forecast.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

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
  // Drift is tested when the update window (15 min) of observations is complete.
  EXPECT_FALSE(f->Drifted());
  for (int m = 11; m <= 15; ++m) f->Observe(m * kMin, 100 + 2.0 * m + (m % 2 ? 0.3 : -0.3));
  EXPECT_TRUE(f->Drifted());
}

// Gaussian noise exactly as the model expects (a 15-minute mean has the path's sd, 5) for 30 days:
// drift alarms, one test per 15-minute window, stay below the configured one per day. (Testing
// whether the line or the level of the last 15 minutes was significant, every minute, said
// "drifted" in ~11% of the minutes, within the first hour after almost every fit.)
TEST(UpdatingForecastTest, NoiseTheModelExpectsIsDriftAtMostOncePerAlarmInterval) {
  UpdateParams params;
  params.drift_alarm_every_ms = 24 * 60 * kMin;
  auto f = UpdatingForecast::Create(Flat(), params);
  ASSERT_TRUE(f.ok());
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 5 * std::sqrt(15.0));
  const int days = 30;
  int drifted_minutes = 0;
  for (int m = 1; m <= days * 24 * 60; ++m) {
    f->Observe(m * kMin, 100 + noise(rng));
    drifted_minutes += f->Drifted();
  }
  EXPECT_LE(drifted_minutes / 15, days);
}

// A level shift of 8 path sd at minute 16 is drift when the window (15, 30] ends, not before.
TEST(UpdatingForecastTest, ALevelShiftIsDriftWhenItsWindowEnds) {
  auto f = UpdatingForecast::Create(Flat(), {});
  ASSERT_TRUE(f.ok());
  for (int m = 1; m <= 29; ++m) {
    f->Observe(m * kMin, (m <= 15 ? 100 : 140) + (m % 2 ? 1.0 : -1.0));
    EXPECT_FALSE(f->Drifted()) << m;
  }
  f->Observe(30 * kMin, 140);
  EXPECT_TRUE(f->Drifted());
  // It holds until the next window ends; a series back on the path is no drift then.
  for (int m = 31; m <= 44; ++m) f->Observe(m * kMin, 100);
  EXPECT_TRUE(f->Drifted());
  f->Observe(45 * kMin, 100);
  EXPECT_FALSE(f->Drifted());
}

// Noise around the path is not a trend: the forecast stays near the path.
TEST(UpdatingForecastTest, NoiseIsNotExtrapolated) {
  auto f = UpdatingForecast::Create(Flat(), {});
  ASSERT_TRUE(f.ok());
  const double noise[] = {3, -4, 2, -1, 5, -3, 0, 4, -2, 1, -5, 3, -1, 2, -3};
  for (int m = 0; m < 15; ++m) f->Observe((m + 1) * kMin, 100 + noise[m]);
  EXPECT_FALSE(f->Drifted());
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

// The path expects a burst that decays from 300 to 100 over the next hour (the fit saw the
// series' usual burst); the series already sits at 100, flat. The path's fall is no trend of
// the series: the deviations climb but the observations do not, so nothing is extrapolated.
TEST(UpdatingForecastTest, APathThatFallsWhileTheSeriesIsFlatIsNoTrend) {
  ForecastPath p = Flat();
  p.origin_value = 300;
  for (int k = 0; k < 96; ++k) p.mean[k] = k < 4 ? 300 - 50.0 * (k + 1) : 100;
  auto f = UpdatingForecast::Create(p, {});
  ASSERT_TRUE(f.ok());
  const double noise[] = {1, -1, 0.5, -0.5, 1, 0, -1, 0.5, -0.5, 1};
  for (int m = 1; m <= 10; ++m) f->Observe(m * kMin, 100 + noise[m - 1]);
  // A trend taken from the deviations (path falls ~3.3/min, series flat) would put the value near
  // 100 + 3.3 * 50 = 265 at +50 min and cross 180; the level shift alone keeps it near 100 + shift.
  EXPECT_FALSE(f->Threshold(400, true, kMin, {60 * kMin}).crosses);
  EXPECT_LT(f->At(50 * kMin).mean, 150);
}

// With the trend basis a threshold is predicted from the observations' own line, whatever the
// path expects: a climb of 2 per minute from 120 crosses 180 in 30 minutes, although the path
// falls by 1 per minute after its first 15 minutes (a fit that has seen such climbs end every
// day), which on the forecast basis delays the predicted crossing to about 55 minutes.
TEST(UpdatingForecastTest, TheTrendBasisPredictsFromTheObservationsLine) {
  ForecastPath p = Flat();
  p.origin_value = 60;
  for (int k = 0; k < 96; ++k) p.mean[k] = std::max(0.0, 60 - 15.0 * k);
  UpdateParams trend;
  trend.threshold_basis = ThresholdBasis::kTrend;
  auto f = UpdatingForecast::Create(p, trend);
  auto g = UpdatingForecast::Create(p, {});
  ASSERT_TRUE(f.ok() && g.ok());
  for (int m = 1; m <= 10; ++m) {
    const double y = 100 + 2.0 * m + (m % 2 ? 0.3 : -0.3);
    f->Observe(m * kMin, y);
    g->Observe(m * kMin, y);
  }
  const ThresholdAnswer a = f->Threshold(180, true, kMin, {15 * kMin, 60 * kMin});
  ASSERT_TRUE(a.crosses);
  EXPECT_NEAR(a.seconds, 30 * 60, 3 * 60);
  EXPECT_LT(a.probability[0], 0.5);
  EXPECT_GT(a.probability[1], 0.95);
  const ThresholdAnswer on_path = g->Threshold(180, true, kMin, {60 * kMin});
  ASSERT_TRUE(on_path.crosses);
  EXPECT_GT(on_path.seconds, 45 * 60);
  // A flat series is no trend on either basis.
  auto flat = UpdatingForecast::Create(p, trend);
  ASSERT_TRUE(flat.ok());
  const double noise[] = {3, -4, 2, -1, 5, -3, 0, 4, -2, 1, -5, 3, -1, 2, -3};
  for (int m = 0; m < 15; ++m) flat->Observe((m + 1) * kMin, 150 + noise[m]);
  const ThresholdAnswer b = flat->Threshold(180, true, kMin, {60 * kMin});
  EXPECT_FALSE(b.crosses);
  EXPECT_LT(b.probability[0], 0.01);
}

// A four-minute spike (a rebalance pause: 7, 64, 124, then 88, 43) is no runaway once it
// reverses: the newest point falls far below the line through the others, so no crossing of
// 180 is predicted; a steady climb through the same values keeps its prediction.
TEST(UpdatingForecastTest, ASpikeThatReversesIsNoTrend) {
  UpdateParams trend;
  trend.threshold_basis = ThresholdBasis::kTrend;
  ForecastPath p = Flat();
  for (int k = 0; k < 96; ++k) p.mean[k] = 3;
  p.origin_value = 3;
  auto spike = UpdatingForecast::Create(p, trend);
  auto climb = UpdatingForecast::Create(p, trend);
  ASSERT_TRUE(spike.ok() && climb.ok());
  const double calm[] = {2.4, 1.8, 3.0, 3.2, 2.7, 1.7, 5.8, 1.9, 3.9, 2.2, 1.5};
  int m = 1;
  for (double v : calm) {
    spike->Observe(m * kMin, v);
    climb->Observe(m * kMin, v);
    ++m;
  }
  for (double v : {7.0, 64.0, 124.0, 88.0}) spike->Observe(m++ * kMin, v);
  EXPECT_FALSE(spike->Threshold(180, true, kMin, {60 * kMin}).crosses);
  spike->Observe(m * kMin, 43);
  EXPECT_FALSE(spike->Threshold(180, true, kMin, {60 * kMin}).crosses);
  m = 12;
  for (double v : {7.0, 64.0, 124.0, 150.0}) climb->Observe(m++ * kMin, v);
  const ThresholdAnswer a = climb->Threshold(180, true, kMin, {60 * kMin});
  EXPECT_TRUE(a.crosses);
  EXPECT_GT(a.probability[0], 0.5);
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
// The path is held as float offsets from its origin value: on a series at a level of 1e9 moving
// by thousands, the forecast, its bands and the crossing time equal those of the double path
// within 1e-6 of the movement, and the path costs 4 bytes per value and step.
TEST(UpdatingForecastTest, TheCompactPathKeepsTheForecastOfAHighLevelSeries) {
  ForecastPath p;
  p.origin_ms = 0;
  p.step_ms = 15 * kMin;
  p.origin_value = 1e9 + 0.25;
  for (int k = 1; k <= 192; ++k) {
    const double m = p.origin_value + 3000 * std::sin(k / 7.0) + 17.125 * k;
    p.mean.push_back(m);
    p.sd.push_back(40 + 0.5 * k);
    p.lower.push_back(m - 80 - k);
    p.upper.push_back(m + 80 + k);
  }
  auto f = UpdatingForecast::Create(p, {});
  ASSERT_TRUE(f.ok()) << f.status().message();
  for (int k = 1; k <= 192; ++k) {
    const ForecastPoint at = f->At(k * p.step_ms);
    const double tol = 1e-6 * std::fabs(p.mean[k - 1] - p.origin_value) + 1e-4;
    EXPECT_NEAR(at.mean, p.mean[k - 1], tol) << k;
    EXPECT_NEAR(at.lower, p.lower[k - 1], tol + 1e-6 * (80 + k)) << k;
    EXPECT_NEAR(at.upper, p.upper[k - 1], tol + 1e-6 * (80 + k)) << k;
    EXPECT_NEAR(at.sd, p.sd[k - 1], 1e-5) << k;
  }
  // Halfway between steps 10 and 11: linear interpolation of the double path.
  const double mid = (p.mean[9] + p.mean[10]) / 2;
  EXPECT_NEAR(f->At(10 * p.step_ms + p.step_ms / 2).mean, mid, 1e-3);
  const double level = p.origin_value + 2500;
  const ThresholdAnswer a = f->Threshold(level, true, kMin, {24 * 60 * kMin});
  ASSERT_TRUE(a.crosses);
  int64_t cross = 0;  // first minute the double path reaches `level`
  for (int64_t t = kMin; cross == 0; t += kMin) {
    const double k = static_cast<double>(t) / static_cast<double>(p.step_ms);
    const size_t hi = static_cast<size_t>(std::ceil(k));
    const double from = hi == 1 ? p.origin_value : p.mean[hi - 2];
    if (from + (p.mean[hi - 1] - from) * (k - static_cast<double>(hi - 1)) >= level) cross = t;
  }
  EXPECT_NEAR(a.seconds, static_cast<double>(cross) / 1000, 60);
  EXPECT_LE(f->MemoryBytes(), sizeof(UpdatingForecast) + 4 * 192 * sizeof(float) + 1024);
  // Saved as doubles, loaded back to the same forecast.
  std::string bytes;
  StateWriter w(&bytes);
  f->Save(w);
  StateReader r(bytes);
  auto g = UpdatingForecast::Load(r, {});
  ASSERT_TRUE(g.ok()) << g.status().message();
  for (int k = 1; k <= 192; k += 13) {
    EXPECT_DOUBLE_EQ(g->At(k * p.step_ms).mean, f->At(k * p.step_ms).mean) << k;
  }
}

}  // namespace streamlens::analysis::forecast
