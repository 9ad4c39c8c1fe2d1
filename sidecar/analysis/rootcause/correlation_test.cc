#include "sidecar/analysis/rootcause/correlation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace streamlens::analysis::rootcause {
namespace {

// Reference values from R 4.x:
//   x <- c(1.5,2.25,3,3,7.5,4.1,9,0.2,5.5,6); y <- c(2,1,4,4,8,3.3,10,0.1,5,7.25)
//   cor(x, y); cor(x, y, method = "spearman"); cor(x[1:8], y[3:10])
//   z <- c(3,1,4,1,5,9,2,6); w <- c(2,7,1,8,2,8,1,8); cor(z, w, method = "spearman")
const std::vector<double> kX = {1.5, 2.25, 3, 3, 7.5, 4.1, 9, 0.2, 5.5, 6};
const std::vector<double> kY = {2, 1, 4, 4, 8, 3.3, 10, 0.1, 5, 7.25};

TEST(CorrelationTest, PearsonMatchesR) {
  Result<double> r = Pearson(kX, kY);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(*r, 0.96558415912215567, 1e-14);
}

TEST(CorrelationTest, SpearmanMatchesRWithTies) {
  Result<double> r = Spearman(kX, kY);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(*r, 0.95121951219512213, 1e-14);
  const std::vector<double> z = {3, 1, 4, 1, 5, 9, 2, 6}, w = {2, 7, 1, 8, 2, 8, 1, 8};
  Result<double> r2 = Spearman(z, w);
  ASSERT_TRUE(r2.ok());
  EXPECT_NEAR(*r2, 0.19885368120992464, 1e-14);
}

TEST(CorrelationTest, SpearmanIsOneForMonotoneNonlinear) {
  std::vector<double> a, b;
  for (int i = 0; i < 50; ++i) {
    a.push_back(i);
    b.push_back(std::exp(0.2 * i));
  }
  EXPECT_NEAR(*Spearman(a, b), 1.0, 1e-15);
  EXPECT_LT(*Pearson(a, b), 0.9);
}

TEST(CorrelationTest, ConstantSeriesGivesZero) {
  const std::vector<double> c(10, 4.0);
  EXPECT_EQ(*Pearson(kX, c), 0.0);
  EXPECT_EQ(*Spearman(c, kY), 0.0);
}

TEST(CorrelationTest, LaggedFindsTheShift) {
  // y follows x by 3 samples.
  std::vector<double> x(200), y(200);
  unsigned s = 12345;
  auto rnd = [&] {
    s = s * 1103515245u + 12345u;
    return static_cast<double>((s >> 16) & 0x7fff) / 32768.0;
  };
  for (double& v : x) v = rnd();
  for (int t = 0; t < 200; ++t) y[t] = t >= 3 ? -2.0 * x[t - 3] : rnd();
  LaggedCorrelationParams p;
  p.max_lag = 5;
  Result<LaggedCorrelation> r = BestLaggedCorrelation(x, y, p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lag, 3);
  EXPECT_NEAR(r->correlation, -1.0, 1e-12);
  EXPECT_EQ(r->overlap, 197);
  // Same data with the roles swapped: the target leads, lag is negative.
  Result<LaggedCorrelation> back = BestLaggedCorrelation(y, x, p);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->lag, -3);
}

TEST(CorrelationTest, LaggedAtZeroEqualsPearsonAndMatchesRAtShift) {
  LaggedCorrelationParams p;
  p.max_lag = 0;
  p.min_overlap = 3;
  EXPECT_NEAR(BestLaggedCorrelation(kX, kY, p)->correlation, *Pearson(kX, kY), 1e-15);
  // Overlap of x[0..7] with y[2..9] is lag +2: compare with R's cor(x[1:8], y[3:10]).
  p.max_lag = 2;
  std::vector<double> y_shifted(kY.begin() + 2, kY.end());
  std::vector<double> x_head(kX.begin(), kX.begin() + 8);
  EXPECT_NEAR(*Pearson(x_head, y_shifted), 0.17975117282247841, 1e-14);
}

TEST(CorrelationTest, RejectsBadInput) {
  const std::vector<double> a = {1, 2, 3}, b = {1, 2};
  Result<double> r = Pearson(a, b);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("lengths differ"), std::string::npos);
  const std::vector<double> nan = {1, std::nan(""), 3};
  EXPECT_FALSE(Spearman(a, nan).ok());
  EXPECT_FALSE(Pearson(std::vector<double>{1}, std::vector<double>{1}).ok());
  LaggedCorrelationParams p;
  p.max_lag = 5;
  p.min_overlap = 8;
  EXPECT_FALSE(BestLaggedCorrelation(kX, kY, p).ok());  // 10 - 5 < 8
  p.max_lag = -1;
  EXPECT_FALSE(BestLaggedCorrelation(kX, kY, p).ok());
}

}  // namespace
}  // namespace streamlens::analysis::rootcause
