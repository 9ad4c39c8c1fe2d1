#include "sidecar/analysis/anomaly/shesd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace streamlens::analysis {
namespace {

std::vector<double> Daily(size_t n, int period, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> g(-1.7, 1.7);  // bounded noise: no chance outliers
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i)
    x[i] = 50 + 30 * std::sin(2 * M_PI * (i % period) / period) + g(rng);
  return x;
}

// Spikes of +/-12 sigma stay inside the series' overall range (the seasonal swing is +/-30), so a
// plain ESD on the values cannot see them; S-H-ESD must find exactly these.
TEST(ShesdTest, FindsExactlyThePlantedSeasonalAnomalies) {
  std::vector<double> x = Daily(24 * 28, 24, 1);
  const std::vector<int> planted = {40, 200, 333, 500, 650};
  for (int i : planted) x[i] += (i % 2 ? -12 : 12);
  ShesdParams p;
  p.period = 24;
  auto r = SeasonalHybridEsd(x, p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, planted);
  EsdParams plain;
  auto e = GeneralizedEsd(x, plain);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->anomalies.empty());
}

TEST(ShesdTest, PiecesAndDirection) {
  std::vector<double> x = Daily(24 * 30, 24, 2);
  x[100] += 15;
  x[700] -= 15;
  ShesdParams p;
  p.period = 24;
  p.piece_length = 24 * 14;  // pieces 0..335, 336..671, and the last 336 points
  p.esd.alpha = 0.001;       // strict: no noise point of 720 should pass
  auto r = SeasonalHybridEsd(x, p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, (std::vector<int>{100, 700}));
  p.esd.direction = Direction::kAbove;
  r = SeasonalHybridEsd(x, p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, std::vector<int>{100});
  p.period = 1;
  EXPECT_FALSE(SeasonalHybridEsd(x, p).ok());
  p.period = 24;
  p.piece_length = 30;  // not longer than two periods
  EXPECT_FALSE(SeasonalHybridEsd(x, p).ok());
}

}  // namespace
}  // namespace streamlens::analysis
