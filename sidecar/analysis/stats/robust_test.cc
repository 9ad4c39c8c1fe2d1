#include "sidecar/analysis/stats/robust.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace streamlens::analysis {
namespace {

TEST(RobustTest, MedianAndMadMatchR) {
  // R: median(c(1,2,3,4,100)) = 3; mad(...) = 1.4826; median(1:4) = 2.5; mad(1:4) = 1.4826
  std::vector<double> odd = {100, 2, 4, 1, 3};
  EXPECT_DOUBLE_EQ(Median(odd), 3.0);
  EXPECT_DOUBLE_EQ(Mad(odd, 3.0), 1.4826);
  std::vector<double> even = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(Median(even), 2.5);
  EXPECT_DOUBLE_EQ(Mad(even, 2.5), 1.4826);
  // R: mad(c(1, 1, 2, 9, 10, 13)) = 6.6717 (median 5.5, deviations 4.5 4.5 3.5 3.5 4.5 7.5)
  std::vector<double> v = {1, 1, 2, 9, 10, 13};
  EXPECT_NEAR(Mad(v, Median(v)), 6.6717, 1e-12);
  EXPECT_TRUE(std::isnan(Median(std::vector<double>{})));
  std::vector<double> with_nan = {std::numeric_limits<double>::quiet_NaN(), 5, 7};
  EXPECT_DOUBLE_EQ(Median(with_nan), 6.0);
}

TEST(RobustTest, RobustZFlagsTheDeviatingPeer) {
  std::vector<double> peers = {10, 11, 9, 10, 30};
  auto z = RobustZ(peers);
  // median 10, mad = 1.4826 * median(0,1,1,0,20) = 1.4826
  EXPECT_NEAR(z[4], 20 / 1.4826, 1e-12);
  EXPECT_NEAR(z[1], 1 / 1.4826, 1e-12);
  // More than half identical (MAD 0): the mean absolute deviation sets the scale, finite.
  std::vector<double> identical = {5, 5, 5, 5, 5, 6};
  z = RobustZ(identical);
  EXPECT_EQ(z[0], 0.0);
  EXPECT_NEAR(z[5], 6 / 1.2533141373155, 1e-9);
  // Leaders per broker where one broker leads three topics and one leads one: neither is
  // an outlier at 3.5 (each deviates by a topic's worth from four identical peers).
  std::vector<double> leaders = {12, 12, 12, 12, 18, 6};
  z = RobustZ(leaders);
  EXPECT_LT(std::fabs(z[4]), 3.5);
  EXPECT_LT(std::fabs(z[5]), 3.5);
  EXPECT_TRUE(std::isfinite(z[4]));
  std::vector<double> same = {7, 7, 7};
  for (double v : RobustZ(same)) EXPECT_EQ(v, 0.0);
}

TEST(RobustTest, RollingVersionsEqualNaiveTrailingWindows) {
  std::mt19937 rng(5);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(300);
  for (auto& v : x) v = g(rng);
  x[17] = std::numeric_limits<double>::quiet_NaN();
  const int w = 25;
  auto med = RollingMedian(x, w);
  auto mad = RollingMad(x, w);
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t start = i + 1 >= w ? i + 1 - w : 0;
    std::span<const double> win(x.data() + start, i + 1 - start);
    EXPECT_DOUBLE_EQ(med[i], Median(win)) << i;
    EXPECT_NEAR(mad[i], Mad(win, Median(win)), 1e-12) << i;
  }
}

}  // namespace
}  // namespace streamlens::analysis
