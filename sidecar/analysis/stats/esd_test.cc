#include "sidecar/analysis/stats/esd.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "sidecar/analysis/decompose/test_csv.h"

namespace streamlens::analysis {
namespace {

constexpr char kDir[] = "sidecar/analysis/stats/testdata/";

TEST(EsdTest, StudentTQuantileMatchesRqt) {
  testing::Table t;
  ASSERT_TRUE(testing::ReadTable(testing::SourcePath(std::string(kDir) + "qt.csv"), &t));
  ASSERT_EQ(t.num["t"].size(), 16u);
  for (size_t i = 0; i < t.num["t"].size(); ++i) {
    const double want = t.num["t"][i];
    EXPECT_NEAR(StudentTQuantile(t.num["p"][i], t.num["df"][i]), want, 1e-9 * std::fabs(want))
        << "p=" << t.num["p"][i] << " df=" << t.num["df"][i];
  }
  EXPECT_NEAR(StudentTQuantile(0.1, 10), -StudentTQuantile(0.9, 10), 1e-12);
}

// Known answers from Twitter's O(n^2) loop run in R (scripts/fixtures/esd_fixtures.R).
TEST(EsdTest, SameAnomaliesInSameOrderAsTwitterLoop) {
  for (auto [name, dir] :
       {std::pair{"both", Direction::kBoth}, std::pair{"above", Direction::kAbove},
        std::pair{"below", Direction::kBelow}}) {
    testing::Table t;
    ASSERT_TRUE(
        testing::ReadTable(testing::SourcePath(std::string(kDir) + "esd_" + name + ".csv"), &t));
    const auto& x = t.num["x"];
    std::vector<int> want;
    const auto& order = t.num["order"];
    const int count = static_cast<int>(*std::max_element(order.begin(), order.end()));
    want.resize(count);
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i] > 0) want[static_cast<int>(order[i]) - 1] = static_cast<int>(i);
    }
    EsdParams p;
    p.direction = dir;
    auto r = GeneralizedEsd(x, p);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_GE(count, 2) << name;
    EXPECT_EQ(r->anomalies, want) << name;
  }
}

TEST(EsdTest, FindsPlantedOutliersInLargeSeriesQuickly) {
  std::mt19937 rng(11);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> x(60000);
  for (auto& v : x) v = g(rng);
  x[1234] = 25;
  x[59999] = -30;
  EsdParams p;
  p.max_anoms = 0.2;  // 12,000 removal steps: the O(n^2) loop would take ~1e9 operations
  auto r = GeneralizedEsd(x, p);
  ASSERT_TRUE(r.ok());
  ASSERT_GE(r->anomalies.size(), 2u);
  EXPECT_EQ(r->anomalies[0], 59999);
  EXPECT_EQ(r->anomalies[1], 1234);
  EXPECT_LT(r->anomalies.size(), 20u);
}

TEST(EsdTest, RejectsBadParameters) {
  std::vector<double> x = {1, 2, 3, 4, 5};
  EsdParams p;
  p.max_anoms = 0.6;
  EXPECT_FALSE(GeneralizedEsd(x, p).ok());
  p.max_anoms = 0.1;
  p.alpha = 0;
  EXPECT_FALSE(GeneralizedEsd(x, p).ok());
  p.alpha = 0.05;
  EXPECT_FALSE(GeneralizedEsd(std::vector<double>{1, 2}, p).ok());
  x[2] = std::nan("");
  auto r = GeneralizedEsd(x, p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("index 2"), std::string::npos);
}

}  // namespace
}  // namespace streamlens::analysis
