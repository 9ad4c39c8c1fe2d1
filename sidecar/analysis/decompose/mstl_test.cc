#include "sidecar/analysis/decompose/mstl.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "sidecar/analysis/decompose/test_csv.h"

namespace streamlens::analysis {
namespace {

TEST(MstlTest, MatchesForecastMstlDailyAndWeekly) {
  testing::Table f;
  ASSERT_TRUE(testing::ReadTable(
      testing::SourcePath("sidecar/analysis/decompose/testdata/mstl_24_168.csv"), &f));
  const std::vector<double>& x = f.num["x"];
  MstlParams p;
  p.periods = {168, 24};
  auto r = Mstl(x, p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->periods, (std::vector<int>{24, 168}));
  auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  const double range = *hi - *lo;
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_NEAR(r->trend[i], f.num["trend"][i], 1e-6 * range) << i;
    ASSERT_NEAR(r->seasonal[0][i], f.num["seasonal24"][i], 1e-6 * range) << i;
    ASSERT_NEAR(r->seasonal[1][i], f.num["seasonal168"][i], 1e-6 * range) << i;
    ASSERT_NEAR(r->remainder[i], f.num["remainder"][i], 1e-6 * range) << i;
  }
}

TEST(MstlTest, DropsPeriodsWithoutTwoCyclesAndRejectsWhenNoneLeft) {
  std::vector<double> x(100);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(i * 2 * M_PI / 10) + 0.01 * i;
  MstlParams p;
  p.periods = {10, 60};
  auto r = Mstl(x, p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->periods, std::vector<int>{10});
  p.periods = {60};
  r = Mstl(x, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("two full cycles"), std::string::npos);
  p.periods = {1};
  EXPECT_FALSE(Mstl(x, p).ok());
}

TEST(MstlTest, PeriodicComponentsRepeatExactlyAndExplainADailyPlusWeeklySeries) {
  std::vector<double> x(24 * 7 * 4);
  for (size_t i = 0; i < x.size(); ++i) {
    const bool weekend = (i / 24) % 7 >= 5;
    x[i] = 50 + 10 * std::sin(2 * M_PI * static_cast<double>(i % 24) / 24) - (weekend ? 15 : 0);
  }
  MstlParams p;
  p.periods = {24, 168};
  p.periodic = true;
  auto r = Mstl(x, p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->periods, (std::vector<int>{24, 168}));
  for (size_t k = 0; k < 2; ++k) {
    const size_t per = static_cast<size_t>(r->periods[k]);
    for (size_t i = 0; i + per < x.size(); ++i) {
      ASSERT_NEAR(r->seasonal[k][i], r->seasonal[k][i + per], 1e-9) << k << " " << i;
    }
  }
  double max_rem = 0;
  for (size_t i = 168; i + 168 < x.size(); ++i)
    max_rem = std::max(max_rem, std::fabs(r->remainder[i]));
  EXPECT_LT(max_rem,
            1.0);  // the weekend drop (15) lives in the weekly component, not the remainder
}

}  // namespace
}  // namespace streamlens::analysis
