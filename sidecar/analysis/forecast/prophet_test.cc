#include "sidecar/analysis/forecast/prophet.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace streamlens::analysis::forecast {
namespace {

// Piecewise-linear trend (slope change at t0), daily sine of amplitude 10, Gaussian noise.
std::vector<double> Synthetic(int n, int t0, double noise_sd, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, noise_sd);
  std::vector<double> y;
  for (int t = 0; t < n + 48; ++t) {
    const double trend = 100.0 + 0.05 * t + (t > t0 ? 0.15 * (t - t0) : 0.0);
    y.push_back(trend + 10.0 * std::sin(2 * M_PI * t / 24.0) + noise(rng));
  }
  return y;
}

TEST(ProphetTest, FollowsATrendChangeAndTheSeasonality) {
  const std::vector<double> all = Synthetic(1000, 400, 1.0, 3);
  std::span<const double> train = std::span<const double>(all).first(1000);
  ProphetParams p;
  p.seasonalities = {{24.0, 4}};
  ProphetFit fit;
  Result<Forecast> fc = ProphetForecast(train, p, &fit);
  ASSERT_TRUE(fc.ok()) << fc.status().message();
  for (int h = 0; h < 48; ++h) {
    EXPECT_NEAR(fc->mean[h], all[1000 + h], 4.0) << "h=" << h;
  }
  EXPECT_GE(fit.num_active_changepoints, 1);
  EXPECT_NEAR(fit.sigma, 1.0, 0.15);
  // Total slope change (scaled units: per unit of scaled time over max |y|) is the true one.
  double total = 0.0;
  for (int j = 0; j < 25; ++j) total += fit.coefficients[2 + j];
  double ymax = 0.0;
  for (double v : train) ymax = std::max(ymax, std::abs(v));
  EXPECT_NEAR(total, 0.15 * 999 / ymax, 0.25 * 0.15 * 999 / ymax);
}

TEST(ProphetTest, LaplacePriorShrinksChangesOnALinearSeries) {
  std::vector<double> y;
  for (int t = 0; t < 800; ++t) y.push_back(10.0 + 0.2 * t + ((t * 17) % 7 - 3) * 0.5);
  ProphetParams p;
  ProphetFit fit;
  ASSERT_TRUE(ProphetForecast(y, p, &fit).ok());
  double abs_sum = 0.0;
  for (int j = 0; j < 25; ++j) abs_sum += std::abs(fit.coefficients[2 + j]);
  EXPECT_LT(abs_sum, 0.1 * std::abs(fit.coefficients[1]));
}

TEST(ProphetTest, IntervalsCoverAtRoughlyNominalRate) {
  int in80 = 0, in95 = 0, total = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    const std::vector<double> all = Synthetic(600, 200, 2.0, seed);
    ProphetParams p;
    p.seasonalities = {{24.0, 3}};
    Result<Forecast> fc = ProphetForecast(std::span<const double>(all).first(600), p);
    ASSERT_TRUE(fc.ok());
    for (int h = 0; h < 48; ++h) {
      const double a = all[600 + h];
      in80 += fc->intervals[0].lower[h] <= a && a <= fc->intervals[0].upper[h];
      in95 += fc->intervals[1].lower[h] <= a && a <= fc->intervals[1].upper[h];
      ++total;
    }
  }
  EXPECT_NEAR(static_cast<double>(in80) / total, 0.80, 0.06);
  EXPECT_NEAR(static_cast<double>(in95) / total, 0.95, 0.04);
}

TEST(ProphetTest, EventWindowsAreLearnedAndAppliedToTheFuture) {
  // A +30 bump on "release" days: two in the past, one in the forecast window.
  std::vector<double> y;
  for (int t = 0; t < 500; ++t) {
    const bool release = (t >= 100 && t < 110) || (t >= 300 && t < 310);
    y.push_back(50.0 + 5.0 * std::sin(2 * M_PI * t / 24.0) + (release ? 30.0 : 0.0) +
                ((t * 37) % 11 - 5) * 0.1);
  }
  ProphetParams p;
  p.horizon = 30;
  p.seasonalities = {{24.0, 3}};
  p.events = {{"release", 100, 109}, {"release", 300, 309}, {"release", 510, 519}};
  Result<Forecast> fc = ProphetForecast(y, p);
  ASSERT_TRUE(fc.ok());
  // Steps 11..20 (indices 510..519) carry the bump; the others do not.
  const double base = fc->mean[5];
  EXPECT_NEAR(fc->mean[10] - (50.0 + 5.0 * std::sin(2 * M_PI * 510 / 24.0)), 30.0, 2.0);
  EXPECT_NEAR(base, 50.0 + 5.0 * std::sin(2 * M_PI * 505 / 24.0), 2.0);
}

TEST(ProphetTest, RejectsBadInput) {
  ProphetParams p;
  EXPECT_FALSE(ProphetForecast(std::vector<double>{1, 2, 3}, p).ok());
  EXPECT_FALSE(ProphetForecast(std::vector<double>{1, 2, NAN, 4, 5}, p).ok());
  p.seasonalities = {{1.0, 3}};
  Result<Forecast> r = ProphetForecast(std::vector<double>{1, 2, 3, 4, 5}, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("period >= 2"), std::string::npos);
  p.seasonalities = {};
  p.events = {{"x", 5, 4}};
  EXPECT_FALSE(ProphetForecast(std::vector<double>{1, 2, 3, 4, 5}, p).ok());
  p.events = {};
  Result<Forecast> flat = ProphetForecast(std::vector<double>(20, 4.0), p);
  ASSERT_TRUE(flat.ok());
  EXPECT_NEAR(flat->mean[0], 4.0, 1e-9);
}

}  // namespace
}  // namespace streamlens::analysis::forecast
