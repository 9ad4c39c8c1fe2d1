#include "sidecar/analysis/decompose/stl.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "sidecar/analysis/decompose/test_csv.h"

namespace streamlens::analysis {
namespace {

using testing::ReadTable;
using testing::SourcePath;
using testing::Table;

constexpr char kDir[] = "sidecar/analysis/decompose/testdata/";

double Range(const std::vector<double>& x) {
  auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  return *hi - *lo;
}

double MaxRelDiff(const std::vector<double>& a, const std::vector<double>& b, double range) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]) / range);
  return m;
}

TEST(StlTest, MatchesRStatsStlOnEveryFixture) {
  Table cases;
  ASSERT_TRUE(ReadTable(SourcePath(std::string(kDir) + "stl_cases.csv"), &cases))
      << "missing fixtures; run scripts/fixtures/stl_fixtures.R";
  ASSERT_GE(cases.rows.size(), 8u);
  for (size_t c = 0; c < cases.rows.size(); ++c) {
    const std::string name = cases.rows[c][0];
    auto col = [&](const char* k) { return static_cast<int>(cases.num[k][c]); };
    StlParams p;
    p.period = col("period");
    if (col("s_window") < 0) {
      p.periodic = true;
    } else {
      p.seasonal_window = col("s_window");
    }
    p.seasonal_degree = col("s_degree");
    p.trend_window = col("t_window");
    p.trend_degree = col("t_degree");
    p.lowpass_window = col("l_window");
    p.lowpass_degree = col("l_degree");
    p.seasonal_jump = col("s_jump");
    p.trend_jump = col("t_jump");
    p.lowpass_jump = col("l_jump");
    p.robust = col("robust") != 0;
    p.inner = col("inner");
    p.outer = col("outer");
    Table f;
    ASSERT_TRUE(ReadTable(SourcePath(std::string(kDir) + "stl_" + name + ".csv"), &f)) << name;
    const std::vector<double>& x = f.num["x"];
    auto r = Stl(x, p);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().message();
    const double range = Range(x);
    EXPECT_LT(MaxRelDiff(r->seasonal, f.num["seasonal"], range), 1e-6) << name;
    EXPECT_LT(MaxRelDiff(r->trend, f.num["trend"], range), 1e-6) << name;
    EXPECT_LT(MaxRelDiff(r->remainder, f.num["remainder"], range), 1e-6) << name;
    EXPECT_LT(MaxRelDiff(r->weights, f.num["weights"], 1.0), 1e-6) << name;
  }
}

TEST(StlTest, ComponentsSumToInput) {
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> x(500);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(i * 2 * M_PI / 50) + noise(rng);
  StlParams p;
  p.period = 50;
  p.seasonal_window = 7;
  p.robust = true;
  auto r = Stl(x, p);
  ASSERT_TRUE(r.ok());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(r->seasonal[i] + r->trend[i] + r->remainder[i], x[i], 1e-12);
  }
}

TEST(StlTest, RejectsBadParametersWithClearErrors) {
  std::vector<double> x(100, 1.0);
  StlParams p;
  p.seasonal_window = 7;
  p.period = 1;
  auto r = Stl(x, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("period must be >= 2"), std::string::npos);

  p.period = 50;  // exactly two periods: too short
  r = Stl(x, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("longer than two periods"), std::string::npos);

  p.period = 10;
  p.seasonal_window = 8;
  r = Stl(x, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("seasonal window must be an odd integer"), std::string::npos);

  p.seasonal_window = 0;
  r = Stl(x, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("seasonal window is required"), std::string::npos);

  p.seasonal_window = 7;
  p.trend_degree = 2;
  r = Stl(x, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("trend degree must be 0 or 1"), std::string::npos);

  p.trend_degree = 1;
  x[42] = std::numeric_limits<double>::quiet_NaN();
  r = Stl(x, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("index 42"), std::string::npos);

  std::vector<double> empty;
  r = Stl(empty, p);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace streamlens::analysis
